"""The reporting channel's (举报) building blocks: receipts, keys, encryption, evidence file
types and conflict-of-interest matching. No database writes here (see services.py).

Every slow key derivation reads its cost from settings, so tests can make it cheap; the
parameters used are stored beside each hash or wrapped key, so changing the settings never
locks anyone out of what already exists. See docs/supervision/reporting.md."""

import calendar
import io
import json
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import nacl.pwhash
import nacl.secret
import nacl.utils
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from lianxin.core import keys, uploads
from lianxin.core.calendar import LOCAL, Calendar
from lianxin.core.errors import LianxinError, RateLimited
from lianxin.core.ratelimit import client_address, local_counter, parse_rate

from .errors import Code

RECEIPT_DIGITS = 16
KEY_BYTES = nacl.secret.SecretBox.KEY_SIZE  # 32
# What a BinaryField gives back: bytes, or a memoryview on PostgreSQL.
Blob = bytes | memoryview


def failure_limits() -> tuple[int, int, int]:
    """(wrong tries per address or person, wrong tries overall, lockout seconds): for receipts
    and for inspectors' passphrases alike."""
    return (
        int(settings.REPORT_RECEIPT_MAX_FAILURES),
        int(settings.REPORT_RECEIPT_MAX_GLOBAL_FAILURES),
        int(settings.REPORT_RECEIPT_LOCKOUT_SECONDS),
    )


def receipt_hasher() -> PasswordHasher:
    """argon2id for the stored receipt hash. The default is argon2-cffi's RFC 9106 "low
    memory" profile (t=3, 64 MiB); tests lower it through REPORT_RECEIPT_ARGON2."""
    params: dict[str, Any] = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}
    params.update(settings.REPORT_RECEIPT_ARGON2)
    return PasswordHasher(**params)


def kdf_limits(kind: str) -> tuple[int, int]:
    """(opslimit, memlimit) of nacl's argon2id for deriving keys from a receipt ("receipt") or
    from an inspector's passphrase ("passphrase")."""
    ops, mem = (
        settings.REPORT_RECEIPT_KDF if kind == "receipt" else settings.INSPECTOR_PASSPHRASE_KDF
    )
    return int(ops), int(mem)


def derive_key(secret: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return nacl.pwhash.argon2id.kdf(
        KEY_BYTES, secret.encode(), salt, opslimit=opslimit, memlimit=memlimit
    )


def new_salt() -> bytes:
    return nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)


# --- receipts -------------------------------------------------------------------------------
def new_receipt() -> str:
    """16 random decimal digits (about 53 bits), from the OS's CSPRNG."""
    return f"{secrets.randbelow(10**RECEIPT_DIGITS):0{RECEIPT_DIGITS}d}"


def normalise_receipt(value) -> str | None:
    """The 16 digits of a receipt typed with spaces or dashes, or None if it is not one."""
    digits = re.sub(r"[\s-]", "", str(value or ""))
    return (
        digits if len(digits) == RECEIPT_DIGITS and digits.isascii() and digits.isdigit() else None
    )


def _bucket_of(mac: bytes) -> int:
    bits = int(settings.REPORT_RECEIPT_BUCKET_BITS)
    return int.from_bytes(mac[:4], "big") >> (32 - bits)


def receipt_bucket(receipt: str) -> int:
    """The lookup bucket: the first REPORT_RECEIPT_BUCKET_BITS bits (default 16) of a keyed
    HMAC of the receipt (core.keys "receipt-index"). Many receipts share a bucket; it only
    narrows the argon2 checks."""
    return _bucket_of(keys.mac("receipt-index", receipt))


def receipt_buckets(receipt: str) -> list[int]:
    """The receipt's bucket under the current key and each former one (key rotation)."""
    return [_bucket_of(m) for m in keys.macs("receipt-index", receipt)]


def receipt_hash(receipt: str) -> str:
    return receipt_hasher().hash(receipt)


def receipt_matches(encoded: str, receipt: str) -> bool:
    try:
        return receipt_hasher().verify(encoded, receipt)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH: dict[tuple, str] = {}


def burn_receipt_check() -> None:
    """The work of one argon2 verification and one key derivation, spent when a receipt
    matches nothing, so that a wrong receipt takes about as long as a right one."""
    hasher = receipt_hasher()
    params = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if params not in _DUMMY_HASH:
        _DUMMY_HASH[params] = hasher.hash(new_receipt())
    receipt_matches(_DUMMY_HASH[params], new_receipt())
    derive_key(new_receipt(), new_salt(), *kdf_limits("receipt"))


# --- symmetric encryption with a report's key -----------------------------------------------
def new_report_key() -> bytes:
    return nacl.utils.random(KEY_BYTES)


def seal(key: bytes, data: bytes) -> bytes:
    """XSalsa20-Poly1305 with a random nonce stored in front."""
    return bytes(nacl.secret.SecretBox(key).encrypt(data))


def unseal(key: bytes, data: Blob) -> bytes:
    return nacl.secret.SecretBox(key).decrypt(bytes(data))


def seal_json(key: bytes, value) -> bytes:
    return seal(key, json.dumps(value, ensure_ascii=False).encode())


def unseal_json(key: bytes, data: Blob) -> Any:
    return json.loads(unseal(key, data))


# --- inspectors' keypairs -------------------------------------------------------------------
@dataclass
class LockedKeypair:
    """What is stored of an inspector's keypair: the public key in clear, the private key
    sealed with a key derived from the passphrase."""

    public_key: bytes
    sealed_private_key: bytes
    salt: bytes
    opslimit: int
    memlimit: int


def keypair_create(passphrase: str) -> LockedKeypair:
    return keypair_lock(bytes(PrivateKey.generate()), passphrase)


def keypair_lock(private_key: bytes, passphrase: str) -> LockedKeypair:
    """Seal a private key with a passphrase (a new salt each time): a new key, or an existing
    one under a changed passphrase, whose public key, and so every wrapped report key, stays."""
    salt = new_salt()
    opslimit, memlimit = kdf_limits("passphrase")
    wrapping = derive_key(passphrase, salt, opslimit, memlimit)
    public_key = bytes(PrivateKey(bytes(private_key)).public_key)
    return LockedKeypair(public_key, seal(wrapping, bytes(private_key)), salt, opslimit, memlimit)


def keypair_unlock(locked, passphrase: str) -> bytes | None:
    """The private key's bytes, or None for a wrong passphrase."""
    wrapping = derive_key(passphrase, bytes(locked.salt), locked.opslimit, locked.memlimit)
    try:
        return unseal(wrapping, locked.sealed_private_key)
    except CryptoError:
        return None


def wrap_for_inspector(report_key: bytes, public_key: Blob) -> bytes:
    """An anonymous sealed box: only the holder of the private key can open it."""
    return bytes(SealedBox(PublicKey(bytes(public_key))).encrypt(report_key))


def unwrap_for_inspector(wrapped: Blob, private_key: bytes) -> bytes | None:
    try:
        return bytes(SealedBox(PrivateKey(bytes(private_key))).decrypt(bytes(wrapped)))
    except CryptoError:
        return None


# --- evidence file types, judged by content -------------------------------------------------
# The types accepted, by their magic bytes; anything else (executables, scripts, archives) is
# refused whatever its name says.
CONTENT_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "ole": "application/octet-stream",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odf": "application/vnd.oasis.opendocument",
}
EXTENSIONS = {
    "jpeg": "jpg",
    "png": "png",
    "gif": "gif",
    "webp": "webp",
    "pdf": "pdf",
    "ole": "doc",
    "docx": "docx",
    "xlsx": "xlsx",
    "pptx": "pptx",
    "odf": "odt",
}
# core.uploads' kinds as evidence rows name them: the three OpenDocument kinds were stored as
# one "odf" before evidence used core's check, and stored rows keep their names.
_STORED_KIND = {"odt": "odf", "ods": "odf", "odp": "odf"}


def sniff_file_type(data: bytes) -> str | None:
    """The kind of an evidence file from its content, or None if it is not accepted: the one
    content check of every upload (core.uploads.sniff), so evidence, notice attachments and
    photos refuse the same programs, scripts and archives."""
    if not data:
        return None
    kind = uploads.sniff(io.BytesIO(data))
    if kind is None or (kind.code not in CONTENT_TYPES and kind.code not in _STORED_KIND):
        return None
    return _STORED_KIND.get(kind.code, kind.code)


# --- conflict of interest: the accused's name, kept only as keyed hashes ---------------------
_SPLIT = re.compile(r"[\W_]+", re.UNICODE)
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
NAME_HASH_BYTES = 8
NAME_HASH_SLOTS = 64  # the list is padded to a multiple of this, so its length says little


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def name_tokens(text: str) -> set[str]:
    """What a person's name could look like inside the accused text: the whole text, every
    word, and every 2-4 character stretch of Chinese (names are two to four characters)."""
    text = _normalise(text)
    tokens = {re.sub(r"[\W_]+", "", text)}
    for word in _SPLIT.split(text):
        if len(word) >= 2:
            tokens.add(word)
    for run in _CJK_RUN.findall(text):
        for size in (2, 3, 4):
            tokens.update(run[i : i + size] for i in range(len(run) - size + 1))
    return {t for t in tokens if len(t) >= 2}


def person_names(user) -> set[str]:
    """The forms of an official's own name that the accused text is compared with."""
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    candidates = {user.get_username(), last + first, first + last, f"{first} {last}"}
    return {re.sub(r"[\W_]+", "", _normalise(c)) for c in candidates} - {""}


def name_hash(salt: bytes, token: str, *, key: bytes | None = None) -> str:
    mac = keys.mac("report-names", bytes(salt) + token.encode(), key=key)
    return mac.hex()[: NAME_HASH_BYTES * 2]


def accused_name_hashes(salt: bytes, accused: str) -> list[str]:
    hashes = {name_hash(salt, t) for t in name_tokens(accused)}
    while len(hashes) % NAME_HASH_SLOTS:
        hashes.add(secrets.token_hex(NAME_HASH_BYTES))
    return sorted(hashes)


def names_match(user, salt: bytes, hashes) -> bool:
    stored = set(hashes or ())
    return any(
        name_hash(salt, name, key=key) in stored
        for key in keys.keys("report-names")
        for name in person_names(user)
        if len(name) >= 2
    )


# --- errors, limits and clocks --------------------------------------------------------------
class ChannelUnavailable(LianxinError):
    """No inspector holds a key the report could be sealed for: refuse rather than keep a
    report nobody can ever read."""

    code = Code.CHANNEL_UNAVAILABLE
    status = 503
    default_message = _(
        "The reporting channel cannot accept reports at the moment. Please try again later or "
        "report in writing or in person to the discipline inspection commission."
    )


def client_ident(request) -> str:
    """The caller's address: held in this process's memory for the limits, never stored."""
    return client_address(request)


def check_submit_rate(ident: str) -> None:
    """At most PUBLIC_SUBMIT_RATE submissions per address and period, counted only in this
    process's memory: nothing at rest may date a report or lead back to an address."""
    parsed = parse_rate(settings.PUBLIC_SUBMIT_RATE)
    if parsed and local_counter.hit(f"report-submit:{ident}", parsed[1]) > parsed[0]:
        raise RateLimited()


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# 《信访工作条例》(2022): acceptance notice within 15 days, handling within 60 days.
XINFANG_ACK_DAYS = 15
XINFANG_FEEDBACK_DAYS = 60


def report_deadlines(received_on: date) -> tuple[str, date, date]:
    """(clocks, acknowledge by, feedback by). REPORT_CLOCKS = "eu": 7 days and 3 months
    (Directive (EU) 2019/1937 art. 9); "xinfang": the statutory 信访 periods, a period ending
    on a rest day moving to the next working day."""
    if settings.REPORT_CLOCKS == "xinfang":
        cal = Calendar.load()
        start = datetime.combine(received_on, time(12), tzinfo=LOCAL)
        return (
            "xinfang",
            cal.add_statutory_days(start, XINFANG_ACK_DAYS).date(),
            cal.add_statutory_days(start, XINFANG_FEEDBACK_DAYS).date(),
        )
    return "eu", received_on + timedelta(days=7), add_months(received_on, 3)
