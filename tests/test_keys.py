"""One key per purpose, none of them SECRET_KEY, each able to rotate: values made under a
former key are still accepted, new ones use the new key."""

import os

import pytest

from lianxin.appeals import services
from lianxin.core import keys


@pytest.fixture
def rotation(monkeypatch):
    """Sets a purpose's keys in the environment, as an operator would, for one test."""

    def rotate(purpose: str, current: str, old: str = ""):
        name = "LIANXIN_KEY_" + purpose.upper().replace("-", "_")
        monkeypatch.setenv(name, current)
        monkeypatch.setenv(name + "_OLD", old)
        keys.forget_keys()

    yield rotate
    keys.forget_keys()


def test_each_purpose_has_its_own_key_and_it_is_not_the_secret_key(settings):
    made = {purpose: keys.keys(purpose)[0] for purpose in keys.PURPOSES}
    assert len(set(made.values())) == len(made)
    assert settings.SECRET_KEY.encode() not in made.values()
    for purpose in keys.PURPOSES:
        path = settings.VAR_DIR / "keys" / purpose
        if not os.environ.get("LIANXIN_KEY_" + purpose.upper().replace("-", "_")):
            assert path.stat().st_mode & 0o077 == 0, path
    with pytest.raises(ValueError):
        keys.keys("no-such-purpose")


def test_changing_the_secret_key_keeps_every_query_code(settings):
    before = services.query_code_for("202612010000001")
    settings.SECRET_KEY = "a-rotated-django-secret-key-that-is-long-enough"
    assert services.query_code_for("202612010000001") == before


def test_a_query_code_made_under_a_former_key_still_opens_its_appeal(rotation, district):
    from tests.appeals_helpers import submit

    rotation("query-code", "first-key")
    appeal = submit()
    old_code = services.query_code_for(appeal.tracking_number)
    rotation("query-code", "second-key", old="first-key")
    new_code = services.query_code_for(appeal.tracking_number)
    assert new_code != old_code
    assert services.query_code_matches(appeal, old_code)
    assert services.query_code_matches(appeal, new_code)
    rotation("query-code", "second-key")  # the former key retired
    assert not services.query_code_matches(appeal, old_code)


def test_a_receipt_bucket_made_under_a_former_key_is_still_searched(rotation):
    from lianxin.supervision import reporting as rp

    rotation("receipt-index", "first-key")
    receipt = rp.new_receipt()
    stored = rp.receipt_bucket(receipt)
    rotation("receipt-index", "second-key", old="first-key")
    assert stored in rp.receipt_buckets(receipt)
    assert rp.receipt_buckets(receipt)[0] == rp.receipt_bucket(receipt)
