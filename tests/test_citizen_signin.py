"""A citizen signs in with their mobile number and a one-time code sent by SMS (core.citizens):
the code kept only as a keyed hash, single use, short-lived, a few tries, sends limited per
number and per address, nothing in clear left behind, and no answer that tells whether a
number has appeals."""

import json
import logging
import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from lianxin.core import citizens, sms
from lianxin.core.citizens import Code, signin_code_check, signin_code_send
from lianxin.core.errors import InvalidInput, RateLimited
from lianxin.core.models import AuditEvent, CitizenAccount, SigninCode
from lianxin.core.phones import normalise_phone, phone_key

from .appeals_helpers import fast_passwords, submit  # noqa: F401 - fixture

PHONE = "13812345678"
HERE = "203.0.113.7"


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.SMS_BACKEND = "lianxin.core.sms.MemorySmsBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def last_code(outbox, phone=PHONE) -> str:
    number, text = [m for m in outbox if m[0] == phone][-1]
    return re.search(r"\d{6}", text).group()


def send(phone=PHONE, address=HERE) -> None:
    signin_code_send(phone=phone, address=address)


def refused(phone, code, address=HERE) -> str:
    with pytest.raises((InvalidInput, RateLimited)) as info:
        signin_code_check(phone=phone, code=code, address=address)
    return info.value.code


def other_than(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


@pytest.mark.parametrize(
    "written",
    ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "008613812345678"],
)
def test_a_number_however_written_has_one_lookup_key(written):
    assert normalise_phone(written) == PHONE
    assert phone_key(written) == phone_key(PHONE)
    assert normalise_phone("010-12345678") == normalise_phone("+86 10 12345678") == "01012345678"


@pytest.mark.django_db
def test_a_code_signs_in_once_and_makes_one_account_with_no_number(outbox):
    send()
    number, text = outbox[-1]
    assert number == PHONE and "验证码" in text and "5 分钟" in text
    code = last_code(outbox)
    user = signin_code_check(phone="138 1234 5678", code=code, address=HERE)
    account = CitizenAccount.objects.get(user=user)
    assert account.phone_key == phone_key(PHONE)
    assert not user.has_usable_password() and user.first_name == "" and user.email == ""
    assert PHONE not in user.username
    # Used: the same code again is refused, as expired or used.
    assert refused(PHONE, code) == Code.CODE_EXPIRED
    # The next sign-in finds the same account.
    send()
    again = signin_code_check(phone=PHONE, code=last_code(outbox), address=HERE)
    assert again.pk == user.pk and CitizenAccount.objects.count() == 1
    events = AuditEvent.objects.filter(action="citizen_signin", object_id=str(account.pk))
    assert [e.data["first"] for e in events.order_by("id")] == [True, False]
    assert all(e.actor_id == user.pk for e in events)


@pytest.mark.django_db
def test_a_wrong_code_counts_and_too_many_kill_the_code(outbox, settings):
    settings.CITIZEN_CODE_ATTEMPTS = 3
    send()
    code = last_code(outbox)
    assert refused(PHONE, other_than(code)) == Code.CODE_WRONG
    assert refused(PHONE, other_than(code)) == Code.CODE_WRONG
    assert SigninCode.objects.get().attempts == 2  # committed although the check refused
    assert refused(PHONE, other_than(code)) == Code.CODE_EXHAUSTED
    # Dead: even the right code no longer signs in.
    assert refused(PHONE, code) == Code.CODE_EXHAUSTED
    assert not CitizenAccount.objects.exists()
    assert refused(PHONE, "12345") == Code.CODE_INVALID  # not six digits: not even counted
    assert SigninCode.objects.get().attempts == 3


@pytest.mark.django_db
def test_an_expired_code_is_refused(outbox, settings):
    send()
    code = last_code(outbox)
    later = timezone.now() + timedelta(seconds=settings.CITIZEN_CODE_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        assert refused(PHONE, code) == Code.CODE_EXPIRED
    assert not CitizenAccount.objects.exists()


@pytest.mark.django_db
def test_a_new_code_replaces_the_one_before(outbox):
    send()
    first = last_code(outbox)
    send()
    second = last_code(outbox)
    assert SigninCode.objects.count() == 1
    if first != second:
        assert refused(PHONE, first) == Code.CODE_WRONG
    assert signin_code_check(phone=PHONE, code=second, address=HERE) is not None


@pytest.mark.django_db
def test_a_code_is_for_its_own_number_only(outbox):
    send()
    code = last_code(outbox)
    assert refused("13900000000", code) == Code.CODE_EXPIRED  # no code was sent there
    assert signin_code_check(phone=PHONE, code=code, address=HERE) is not None


@pytest.mark.django_db
def test_only_mobile_numbers_get_codes(outbox):
    for bad in ["", "12345", "010-12345678", "23812345678", "1381234567x"]:
        with pytest.raises(InvalidInput) as info:
            send(bad)
        assert info.value.code == Code.PHONE_INVALID
        assert info.value.message == "请输入 11 位手机号码，例如 13812345678。"
    assert outbox == [] and not SigninCode.objects.exists()


@pytest.mark.django_db
@pytest.mark.ratelimit
def test_sends_are_limited_per_number_and_per_address(outbox, settings):
    settings.CITIZEN_CODE_RESEND_SECONDS = 60
    settings.CITIZEN_CODE_RATE_PHONE = "3/hour"
    settings.CITIZEN_CODE_RATE_ADDRESS = "6/hour"
    send()
    with pytest.raises(RateLimited) as info:  # again within the minute
        send()
    assert info.value.code == Code.SEND_LIMITED and info.value.status == 429
    start = timezone.now()
    for minutes in (2, 4):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            send()
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        with pytest.raises(RateLimited):  # a fourth code for the number within the hour
            send()
        # Five asks from this address so far (one refused by the wait, one by the number's
        # limit; refused asks count too): a sixth number gets its code, a seventh not.
        send("13900000001")
        with pytest.raises(RateLimited):
            send("13900000002")
        send("13900000002", address="198.51.100.9")  # another address is not held up
    assert len(outbox) == 5


@pytest.mark.django_db
@pytest.mark.ratelimit
def test_wrong_codes_are_limited_per_address(outbox, settings):
    settings.CITIZEN_SIGNIN_FAIL_RATE_ADDRESS = "4/hour"
    settings.CITIZEN_CODE_ATTEMPTS = 2
    settings.CITIZEN_CODE_RESEND_SECONDS = 0
    for n in range(2):
        phone = f"1390000000{n}"
        send(phone)
        wrong = other_than(last_code(outbox, phone))
        refused(phone, wrong)
        refused(phone, wrong)
    send("13900000009")
    code = last_code(outbox, "13900000009")
    assert refused("13900000009", code) == Code.SIGNIN_LIMITED  # even the right code waits
    assert signin_code_check(phone="13900000009", code=code, address="198.51.100.9")


@pytest.mark.django_db
def test_a_failed_gateway_keeps_no_code(settings):
    settings.SMS_BACKEND = "tests.test_citizen_signin.BrokenGateway"
    with pytest.raises(citizens.SmsUnavailable) as info:
        send()
    assert info.value.status == 503
    assert not SigninCode.objects.exists()


class BrokenGateway:
    def send(self, phone, text):
        raise ConnectionError("gateway down")


@pytest.mark.django_db
def test_the_logging_backend_writes_neither_the_number_nor_the_code(settings, caplog):
    settings.SMS_BACKEND = "lianxin.core.sms.LoggingSmsBackend"
    settings.SMS_LOG_TEXT = False
    caplog.set_level(logging.DEBUG)
    send()
    assert "138****5678" in caplog.text
    assert PHONE not in caplog.text and not re.search(r"(?<!\d)\d{6}(?!\d)", caplog.text)


# --- Nothing in clear at rest ----------------------------------------------------------------


def cells():
    """(table, column, value) of every cell of every table, the cache's included."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, (bytes, memoryview)):
                        value = bytes(value).decode("utf-8", "replace")
                    yield table, column, value


# Cells where six digits may stand by chance: hashes, times, encoded blobs (the sessions are
# decoded and checked on their own).
BY_CHANCE = re.compile(r"^([0-9a-f]+|[0-9: .+-]+|[A-Za-z0-9+/=:_.-]{40,})$")


@pytest.mark.django_db(transaction=True)
def test_after_a_sign_in_neither_code_nor_number_is_anywhere_in_clear(client, outbox):
    # An operator took this citizen's call: the appeal keeps the number as typed (the unit
    # must call back) — the one place it may be.
    submit(contact_phone="138 1234 5678", channel="phone")
    client.post("/my/signin/", {"step": "phone", "phone": PHONE})
    code = last_code(outbox)
    response = client.post("/my/signin/", {"step": "code", "phone": PHONE, "code": code})
    assert response.status_code == 302 and response["Location"] == "/my/"
    assert client.get("/my/").status_code == 200
    for table, column, value in cells():
        if (table, column) == ("appeals_appeal", "contact_phone"):
            continue
        if value is None or isinstance(value, (int, float, datetime)):
            continue
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        for form in (PHONE, "138 1234 5678", "1234 5678"):
            assert form not in text, (table, column)
        if not BY_CHANCE.match(text):
            assert code not in text, (table, column)
    sessions = json.dumps([s.get_decoded() for s in Session.objects.all()])
    assert sessions.count("_auth_user_id") == 1
    assert PHONE not in sessions and code not in sessions
