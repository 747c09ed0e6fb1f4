"""The second factor: an inspector, the organisation department and administrators confirm each
sign-in with an authenticator app's code (set up at the first sign-in, through the page that
shows the QR code); until then they reach no page of their work and no API; wrong codes are
counted per account; an API token needs the code too; an administrator resets a lost phone,
audited; the secret is in no audit event and no log line."""

import base64
import logging
import time

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from lianxin.core.models import AuditEvent, Role
from lianxin.core.services import two_factor_confirm, two_factor_enrol
from tests.conftest import make_user

pytestmark = [pytest.mark.two_factor, pytest.mark.django_db]

CASES = "/supervision/cases/"  # the inspector's page


def code(device, *, steps=0) -> str:
    """The device's code `steps` periods from now (the server accepts one either side, each
    once: a second sign-in in the same test uses the next period's)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong(device) -> str:
    right = {code(device, steps=s) for s in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def signed_in(username) -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": "pw-" + username})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    client.after_password = response["Location"]
    return client


def with_device(user) -> TOTPDevice:
    device = two_factor_enrol(user=user)
    two_factor_confirm(device=device, actor=user)
    return device


def secrets_of(device) -> list[str]:
    b32 = base64.b32encode(device.bin_key).decode().rstrip("=")
    return [device.key, b32, b32[:16]]


def test_first_sign_in_sets_up_the_app_through_the_qr_page(people, caplog):
    caplog.set_level(logging.DEBUG)
    inspector = people["inspector"]
    client = signed_in("inspector")
    assert client.after_password.startswith("/two-factor/setup/?next=")
    # Nothing of the work is reachable before the app is set up.
    assert client.get(CASES)["Location"].startswith("/two-factor/?next=")
    assert client.get("/two-factor/")["Location"].startswith("/two-factor/setup/")

    page = client.get(client.after_password)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert "<svg" in html and 'class="qr"' in html
    device = TOTPDevice.objects.get(user=inspector)
    assert not device.confirmed
    b32 = base64.b32encode(device.bin_key).decode().rstrip("=")
    shown = html.split('id="totp-secret"')[1].split("</code>")[0]
    assert shown.replace(" ", "").endswith(b32)
    # Reloading the page keeps the same key (the app may already hold it).
    client.get(client.after_password)
    assert list(TOTPDevice.objects.filter(user=inspector).values_list("key", flat=True)) == [
        device.key
    ]

    page = client.post(client.after_password, {"code": wrong(device)})
    assert page.status_code == 200 and "验证码不正确" in page.content.decode()
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed

    page = client.post(client.after_password, {"code": code(device)})
    assert page.status_code == 302 and page["Location"] == "/"
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get("/")["Location"] == CASES
    assert client.get(CASES).status_code == 200

    events = AuditEvent.objects.filter(object_type="auth.user", object_id=str(inspector.pk))
    assert list(events.order_by("id").values_list("action", "actor_id")) == [
        ("two_factor_enrol", inspector.pk),
        ("two_factor_confirm", inspector.pk),
    ]
    # The secret went to the page and nowhere else: not the audit log, not the logs.
    stored = " ".join(f"{e.data} {e.reason}" for e in AuditEvent.objects.all())
    for secret in secrets_of(device):
        assert secret not in stored
        assert secret not in caplog.text


def test_then_each_sign_in_asks_for_the_code_after_the_password(people):
    device = with_device(people["inspector"])
    client = Client()
    response = client.post(
        "/login/", {"username": "inspector", "password": "pw-inspector", "next": CASES}
    )
    assert response["Location"] == "/two-factor/?next=" + CASES.replace("/", "%2F")
    # Staff pages, the admin and the API (with the session) are all closed until the code.
    assert client.get(CASES)["Location"].startswith("/two-factor/")
    assert client.get("/admin/")["Location"].startswith("/two-factor/")
    api = client.get("/api/v1/appeals/")
    assert api.status_code == 403 and api.json()["code"] == "two_factor_required"
    assert "验证器" in api.json()["detail"]
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.content.decode()
    assert CASES not in page.content.decode().split("<main>")[0]  # no work links yet

    page = client.post(response["Location"], {"code": wrong(device)})
    assert page.status_code == 200 and "验证码不正确" in page.content.decode()
    # Apps show the code as "123 456": the space is allowed.
    right = code(device)
    page = client.post(response["Location"], {"code": f"{right[:3]} {right[3:]}"})
    assert page["Location"] == CASES
    assert client.get(CASES).status_code == 200
    # A code is good once: replaying it on a new sign-in is refused.
    again = signed_in("inspector")
    page = again.post(again.after_password, {"code": right})
    assert "验证码不正确" in page.content.decode()


def test_a_foreign_next_is_not_followed(people):
    device = with_device(people["inspector"])
    client = signed_in("inspector")
    page = client.post("/two-factor/?next=https://evil.example/", {"code": code(device)})
    assert page["Location"] == "/"


@pytest.mark.ratelimit
def test_wrong_codes_are_counted_per_account_and_lock_even_the_right_one(people, settings):
    settings.LOGIN_RATE_OTP = "3/15m"
    device = with_device(people["inspector"])
    client = signed_in("inspector")
    for _n in range(2):
        assert (
            "验证码不正确" in client.post("/two-factor/", {"code": wrong(device)}).content.decode()
        )
    locked = client.post("/two-factor/", {"code": wrong(device)}).content.decode()
    assert "错误次数过多" in locked and "15" in locked
    # The right code is refused now, from this session and from another one.
    page = client.post("/two-factor/", {"code": code(device)})
    assert page.status_code == 200 and "错误次数过多" in page.content.decode()
    other = signed_in("inspector")
    assert "错误次数过多" in other.post("/two-factor/", {"code": code(device)}).content.decode()
    assert other.get(CASES).status_code == 302
    # The limit is the account's own: another inspector is not held up.
    colleague = make_user("inspector2", Role.INSPECTOR, people["inspector"].roles.get().unit)
    colleague_device = with_device(colleague)
    colleague_client = signed_in("inspector2")
    assert (
        colleague_client.post("/two-factor/", {"code": code(colleague_device)}).status_code == 302
    )


def test_roles_outside_the_setting_are_not_asked(people, settings):
    client = signed_in("dispatcher")
    assert client.after_password == "/"
    assert client.get("/dispatch/").status_code == 200
    assert not TOTPDevice.objects.exists()
    # The setting names the roles: without the inspector's, the inspector goes straight in.
    settings.LIANXIN_TWO_FACTOR_ROLES = ["orgdept", "admin"]
    assert signed_in("inspector").get(CASES).status_code == 200


def test_admin_means_staff_and_superusers_as_well_as_the_admin_role(district):
    staff = make_user("clerk", None, None, is_staff=True)
    assert signed_in("clerk").after_password.startswith("/two-factor/setup/")
    assert staff.roles.count() == 0
    make_user("orgdept", Role.ORGDEPT, district["root"])
    assert signed_in("orgdept").after_password.startswith("/two-factor/setup/")


def token(client, username, **extra):
    return client.post(
        "/api/v1/auth/token/",
        {"username": username, "password": "pw-" + username, **extra},
        content_type="application/json",
    )


def test_an_api_token_needs_the_code(people):
    client = Client()
    response = token(client, "inspector", otp="123456")
    assert response.status_code == 403 and response.json()["code"] == "otp_not_set_up"
    assert "验证器" in response.json()["detail"]

    device = with_device(people["inspector"])
    response = token(client, "inspector")
    assert response.status_code == 400 and response.json()["code"] == "otp_required"
    assert "验证器" in response.json()["detail"]
    response = token(client, "inspector", otp=wrong(device))
    assert response.status_code == 400 and response.json()["code"] == "otp_invalid"
    assert not Token.objects.exists()
    response = token(client, "inspector", otp=code(device))
    assert response.status_code == 200
    key = response.json()["token"]
    # The token is the second factor's proof: the API answers it (no session involved).
    assert Client().get("/api/v1/appeals/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    # A wrong password is refused before the code is even looked at.
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "inspector", "password": "no", "otp": code(device, steps=1)},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    # Revocation as before.
    assert (
        Client().delete("/api/v1/auth/token/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 204
    )
    # Someone whose role does not need it gets a token with the password alone.
    assert token(client, "dispatcher").status_code == 200


@pytest.mark.ratelimit
def test_wrong_api_codes_count_against_the_same_limit(people, settings):
    settings.LOGIN_RATE_OTP = "2/15m"
    device = with_device(people["inspector"])
    client = Client()
    assert token(client, "inspector", otp=wrong(device)).status_code == 400
    response = token(client, "inspector", otp=wrong(device))
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"
    assert "错误次数过多" in response.json()["detail"]
    assert token(client, "inspector", otp=code(device)).status_code == 429
    # ... and the sign-in page is held up too.
    page = signed_in("inspector").post("/two-factor/", {"code": code(device)})
    assert "错误次数过多" in page.content.decode()


def test_an_administrator_resets_a_lost_phone_audited(people, settings):
    settings.LIANXIN_TWO_FACTOR_ROLES = ["inspector"]  # the administrator signs in plainly here
    inspector, admin = people["inspector"], people["admin"]
    device = with_device(inspector)
    Token.objects.create(user=inspector)
    session = signed_in("inspector")
    session.post("/two-factor/", {"code": code(device)})
    assert session.get(CASES).status_code == 200

    office = Client()
    office.force_login(admin)
    changelist = "/admin/auth/user/"
    assert "验证器" in office.get(changelist).content.decode()  # the column, in Chinese
    response = office.post(
        changelist, {"action": "reset_two_factor", "_selected_action": [inspector.pk]}, follow=True
    )
    assert response.status_code == 200 and "重置" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=inspector).exists()
    assert not Token.objects.filter(user=inspector).exists()
    event = AuditEvent.objects.get(action="two_factor_reset")
    assert (event.actor_id, event.object_id) == (admin.pk, str(inspector.pk))
    assert event.data == {"devices": 1, "tokens_revoked": 1}
    stored = " ".join(f"{e.data} {e.reason}" for e in AuditEvent.objects.all())
    assert all(secret not in stored for secret in secrets_of(device))

    # The inspector's open session is no longer verified: back to setting up a new app.
    assert session.get(CASES)["Location"].startswith("/two-factor/")
    assert session.get("/two-factor/")["Location"].startswith("/two-factor/setup/")
    # The devices are not in the admin at all (their keys are never shown again).
    assert office.get("/admin/otp_totp/totpdevice/").status_code == 404


def test_the_command_line_resets_when_no_administrator_can_sign_in(people):
    admin = people["admin"]
    with_device(admin)
    call_command("two_factor_reset", "--user", "admin", "--reason", "lost phone")
    assert not TOTPDevice.objects.filter(user=admin).exists()
    event = AuditEvent.objects.get(action="two_factor_reset")
    assert (event.actor_label, event.reason) == ("system", "lost phone")
    assert signed_in("admin").after_password.startswith("/two-factor/setup/")
