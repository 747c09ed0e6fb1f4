"""Keys for keyed hashes: one per purpose, none of them SECRET_KEY.

Each purpose (query codes, the reporting channel's receipt index, …) has its own key, so a
value tagged for one purpose can never be compared with one tagged for another, and rotating
Django's SECRET_KEY (sessions, password resets) does not silently change citizens' query codes.

Where a key comes from, first found:
- the environment, `LIANXIN_KEY_<PURPOSE>` (purpose upper-cased, "-" as "_"), any string;
- `var/keys/<purpose>`, a random key written once (mode 0600) on first use.

Rotation: put the new key in place and list the former ones in `LIANXIN_KEY_<PURPOSE>_OLD`
(comma-separated) or `var/keys/<purpose>.old` (one per line). New values use the current key;
checks (a query code, a receipt's bucket, an appraisal code) accept any of them. Remove an old
key once nothing made with it is still in use (docs/operations.md)."""

import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from django.conf import settings

PURPOSES = frozenset(
    {
        "query-code",  # appeals: the citizen's query code is derived from the tracking number
        "receipt-index",  # supervision: the lookup bucket of a report receipt
        "report-names",  # supervision: hashes of accused names (conflicts of interest)
        "appraisal-code",  # evaluation: hashes of democratic-appraisal codes
        "duty-rating",  # evaluation: one anonymous rating per address and duty report
        "rate-address",  # core.ratelimit: addresses in counters
        "audit-log",  # core.audit: each event's content hash and the chain head's signature
        "phone-index",  # core.phones: the lookup key of a phone number (appeals, citizens)
        "signin-code",  # core.citizens: one-time SMS sign-in codes, kept only as this hash
    }
)


def _env_name(purpose: str) -> str:
    return "LIANXIN_KEY_" + purpose.upper().replace("-", "_")


def _key_file(purpose: str) -> Path:
    folder = settings.VAR_DIR / "keys"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / purpose


@functools.cache
def keys(purpose: str) -> tuple[bytes, ...]:
    """The current key of `purpose`, then its former ones."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown key purpose {purpose!r}")
    current = os.environ.get(_env_name(purpose), "")
    old = [k for k in os.environ.get(_env_name(purpose) + "_OLD", "").split(",") if k]
    if not current:
        path = _key_file(purpose)
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
        current = path.read_text().strip()
        old_file = path.with_suffix(".old")
        if old_file.exists():
            old += [line.strip() for line in old_file.read_text().splitlines() if line.strip()]
    return tuple(k.encode() for k in [current, *old])


def forget_keys() -> None:
    keys.cache_clear()


def mac(purpose: str, message: str | bytes, *, key: bytes | None = None) -> bytes:
    """HMAC-SHA256 of `message` under the current key of `purpose` (or the `key` given)."""
    data = message.encode() if isinstance(message, str) else message
    return hmac.new(key or keys(purpose)[0], data, hashlib.sha256).digest()


def macs(purpose: str, message: str | bytes) -> list[bytes]:
    """The MAC under every key of `purpose`, current first: what a check compares with."""
    return [mac(purpose, message, key=k) for k in keys(purpose)]


def tag(purpose: str, value: str, *, length: int = 20) -> str:
    """A short keyed hash of `value`: stable, comparable, and not the value."""
    return mac(purpose, value).hex()[:length]
