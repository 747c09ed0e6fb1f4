"""Bad input is a 4xx with an error code, never a 500: absurdly nested JSON, an oversized body,
dates at the ends of time, numbers wider than any database column."""

import json

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

DEEP = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"title": ' + DEEP + "}"


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/appeals/",
        "/api/v1/reports/",
        "/api/v1/appeals/track/follow-up/",
        "/api/v1/appeals/track/withdraw/",
        "/api/v1/auth/token/",
    ],
)
def test_json_nested_a_thousand_deep_is_a_parse_error(client, people, path, caplog):
    for body in (DEEP, DEEP_OBJECT):
        response = client.post(path, body, content_type="application/json")
        assert response.status_code == 400, (path, response.status_code, response.content[:200])
        assert response.json()["code"] == "parse_error"
    # No traceback in the log: the reporting channel promises that a report never lands there.
    assert "Traceback" not in caplog.text and "RecursionError" not in caplog.text


def test_deep_json_on_a_staff_action_is_a_parse_error(client, people, categories):
    from tests.appeals_helpers import submit

    appeal = submit(title="噪音", category="env-noise")
    token = Token.objects.create(user=people["dispatcher"])
    response = client.post(
        f"/api/v1/appeals/{appeal.tracking_number}/dispatch/",
        DEEP_OBJECT,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 400 and response.json()["code"] == "parse_error"


def test_a_body_over_the_limit_is_413_and_stores_nothing(client, people, settings):
    from lianxin.appeals.models import Appeal

    big = json.dumps({"title": "大", "content": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    response = client.post("/api/v1/appeals/", big, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not Appeal.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "start_date=9999-12-31T23:59:59-14:00",
        "end_date=0001-01-01T00:00:00%2B14:00",
        "start_date=0001-01-01T00:00:00%2B14:00&end_date=0001-01-02T00:00:00%2B14:00",
    ],
)
def test_open311_dates_at_the_ends_of_time_are_refused(client, people, query):
    response = client.get(f"/open311/v2/requests.json?{query}")
    assert response.status_code == 400, response.content[:300]
    assert "date" in response.json()[0]["description"]


@pytest.mark.parametrize(
    "query",
    ["limit=99999999999999999999", "offset=99999999999999999999", "unit=99999999999999999999"],
)
def test_staff_list_numbers_wider_than_a_column_are_refused_or_harmless(client, people, query):
    client.force_login(people["dispatcher"])
    response = client.get(f"/api/v1/appeals/?{query}")
    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 400:
        assert response.json()["code"] == "invalid"


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_database_is_a_503_with_a_message_not_a_500(client, settings):
    """As when PostgreSQL restarts or the SQLite file cannot be opened: the request fails
    cleanly, saying nothing was saved, and the next one after recovery works."""
    import socket

    from django.db import connection

    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-folder/lianxin.sqlite3"
    else:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            connection.settings_dict["PORT"] = probe.getsockname()[1]  # nobody listens
    try:
        response = client.post(
            "/api/v1/appeals/",
            {"title": "路灯", "content": "不亮"},
            content_type="application/json",
        )
        assert response.status_code == 503 and response.json()["code"] == "unavailable"
        assert response["Retry-After"] == "30"
        page = client.get("/board/")
        assert page.status_code == 503
        assert "没有保存" in page.content.decode()
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    response = client.post(
        "/api/v1/appeals/", {"title": "路灯", "content": "不亮"}, content_type="application/json"
    )
    assert response.status_code == 201
