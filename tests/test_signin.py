"""Guessing passwords costs: failed sign-ins are counted per account and address on every way
in, a guesser is refused even the right password, the real user elsewhere is not; API tokens
expire and can be revoked."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.ratelimit

GUESSER = {"REMOTE_ADDR": "203.0.113.50"}
OFFICE = {"REMOTE_ADDR": "198.51.100.7"}


def login_page(client, username, password, **where):
    return client.post("/login/", {"username": username, "password": password}, **where)


def token(client, username, password, **where):
    return client.post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        content_type="application/json",
        **where,
    )


def test_five_wrong_passwords_lock_the_guesser_out_of_every_way_in(people):
    guesser = Client()
    for n in range(5):
        response = (login_page if n % 2 else token)(guesser, "dispatcher", f"wrong-{n}", **GUESSER)
        assert response.status_code in (200, 400)
    # Now even the right password is refused, on the page, in the admin and for a token.
    assert login_page(guesser, "dispatcher", "pw-dispatcher", **GUESSER).status_code == 200
    assert "_auth_user_id" not in guesser.session
    response = token(guesser, "dispatcher", "pw-dispatcher", **GUESSER)
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"
    guesser.post(
        "/admin/login/", {"username": "dispatcher", "password": "pw-dispatcher"}, **GUESSER
    )
    assert "_auth_user_id" not in guesser.session

    # The dispatcher at the office signs in as usual: the guesser cannot lock them out.
    office = Client()
    response = login_page(office, "dispatcher", "pw-dispatcher", **OFFICE)
    assert response.status_code == 302 and "_auth_user_id" in office.session


def test_the_lock_lasts_its_window_only(people):
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for n in range(5):
            login_page(client, "dispatcher", f"wrong-{n}", **GUESSER)
        assert login_page(client, "dispatcher", "pw-dispatcher", **GUESSER).status_code == 200
        traveller.shift(timedelta(minutes=16))
        assert login_page(client, "dispatcher", "pw-dispatcher", **GUESSER).status_code == 302


def test_guessing_many_accounts_from_one_address_is_limited(people, settings):
    settings.LOGIN_RATE_ADDRESS = "8/h"
    client = Client()
    for n in range(8):
        token(client, f"nobody-{n}", "x", **GUESSER)
    assert token(client, "dispatcher", "pw-dispatcher", **GUESSER).status_code == 429
    assert token(client, "dispatcher", "pw-dispatcher", **OFFICE).status_code == 200


def test_tokens_expire_and_can_be_revoked(people, settings):
    client = Client()
    key = token(client, "dispatcher", "pw-dispatcher").json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/api/v1/appeals/", **auth).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS + 1)):
        response = client.get("/api/v1/appeals/", **auth)
        assert (
            response.status_code == 401
            and "expired" in response.json()["detail"].lower()
            or "过期" in response.json()["detail"]
        )
        fresh = token(client, "dispatcher", "pw-dispatcher").json()["token"]
        assert fresh != key
        assert (
            client.get("/api/v1/appeals/", HTTP_AUTHORIZATION=f"Token {fresh}").status_code == 200
        )
        assert (
            client.delete("/api/v1/auth/token/", HTTP_AUTHORIZATION=f"Token {fresh}").status_code
            == 204
        )
        assert not Token.objects.filter(key=fresh).exists()
        assert (
            client.get("/api/v1/appeals/", HTTP_AUTHORIZATION=f"Token {fresh}").status_code == 401
        )


def test_the_login_page_says_the_account_is_locked_and_for_how_long(people):
    client = Client()
    for n in range(5):
        login_page(client, "dispatcher", f"wrong-{n}", **GUESSER)
    page = login_page(client, "dispatcher", "pw-dispatcher", **GUESSER).content.decode()
    assert "15 分钟后再试" in page and "用户名或密码错误" not in page
    assert 'value="dispatcher"' in page  # the username is kept
