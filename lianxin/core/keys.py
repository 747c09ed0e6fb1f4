"""Keys for keyed hashes, one per purpose, so that a value tagged for one purpose (a rate
limit's address) can never be compared with one tagged for another."""

import hashlib
import hmac

from django.conf import settings


def purpose_key(purpose: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), f"lianxin:{purpose}".encode(),
                    hashlib.sha256).digest()


def tag(purpose: str, value: str, *, length: int = 20) -> str:
    """A short keyed hash of `value`: stable, comparable, and not the value."""
    return hmac.new(purpose_key(purpose), value.encode(), hashlib.sha256).hexdigest()[:length]
