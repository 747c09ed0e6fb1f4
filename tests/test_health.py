"""GET /healthz tells a load balancer whether this server can reach its database."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_healthz_is_ok_with_a_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_with_the_reason_when_the_database_is_unreachable(tmp_path):
    # A real server process whose database does not answer (nothing listens on port 1).
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "LIANXIN_VAR_DIR": str(tmp_path),
    }
    code = (
        "from django.test import Client; r = Client().get('/healthz'); "
        "print(r.status_code); print(r.content.decode())"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    status, body = out.stdout.strip().splitlines()[-2:]
    assert status == "503"
    payload = json.loads(body)
    assert payload["status"] == "error"
    assert "refused" in payload["database"].lower() or "connect" in payload["database"].lower()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/v1/appeals/", "/insight/appeals/", "/board/", "/api/v1/evaluation/rankings/"]
)
def test_a_nul_byte_in_the_query_is_a_clear_400_everywhere(client, path):
    response = client.get(path, {"service_code": "a\x00b", "q": "x"})
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.django_db
def test_open311_answers_a_nul_byte_in_its_own_format(client):
    response = client.get("/open311/v2/requests.xml", {"start_date": "\x00"})
    assert response.status_code == 400
    assert response.content.startswith(b"<?xml")
