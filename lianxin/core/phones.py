"""Phone numbers as one lookup key: "+86 138-1234-5678", "008613812345678" and "13812345678"
are one number. The key is a keyed hash (core.keys, purpose `phone-index`), so an index on it
finds a citizen's appeals among millions without a second copy of the number in clear."""

import re

from . import keys

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalise_phone(value: object) -> str:
    """Digits only, without the country code of a mainland number; a landline keeps its area
    code's leading 0 ("010-12345678" and "+86 10 12345678" are "01012345678")."""
    text = str(value or "").strip()
    digits = re.sub(r"\D", "", text)
    explicit = text.startswith("+86") or digits.startswith("0086")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif explicit or (digits.startswith("86") and MOBILE_RE.match(digits[2:])):
        digits = digits[2:]
    if explicit and digits and not MOBILE_RE.match(digits) and not digits.startswith("0"):
        digits = "0" + digits
    return digits


def is_mobile(phone: str) -> bool:
    return bool(MOBILE_RE.match(normalise_phone(phone)))


KEY_LENGTH = 32  # hex characters: 128 bits, no two numbers collide


def phone_key(phone: object) -> str:
    """The lookup key of a number under the current key ("" for no number)."""
    number = normalise_phone(phone)
    return keys.mac("phone-index", number).hex()[:KEY_LENGTH] if number else ""


def phone_keys(phone: object) -> list[str]:
    """Its lookup keys under the current and every former key (core.keys rotation): rows
    written before a rotation are found with the key they were written with."""
    number = normalise_phone(phone)
    if not number:
        return []
    return [d.hex()[:KEY_LENGTH] for d in keys.macs("phone-index", number)]
