"""Settings a deployment sets in the environment reach the code, and a bad value stops the
start with the variable's name instead of a traceback deep inside a request."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def test_environment_settings_reach_the_code():
    done = run(
        {
            "WARNING_RISE_ALPHA": "0.0001",
            "REPORT_CLOCKS": "xinfang",
            "INTEGRITY_TOLERANCE_ABS": "80000",
        },
        "shell",
        "-c",
        "from django.conf import settings; from lianxin.insight import warning; "
        "from lianxin.supervision import selectors; "
        "print(warning.settings_value('RISE_ALPHA'), warning.settings_value('RISE_MIN_COUNT'), "
        "selectors.integrity_policy().tolerance_abs, settings.REPORT_CLOCKS)",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-4:] == ["0.0001", "4", "80000", "xinfang"]


def test_a_bad_value_names_the_variable():
    for env, name in [
        ({"WARNING_RISE_ALPHA": "abc"}, "WARNING_RISE_ALPHA"),
        ({"REPORT_CLOCKS": "weekly"}, "REPORT_CLOCKS"),
    ]:
        done = run(env, "check")
        assert done.returncode != 0
        assert f"ImproperlyConfigured: {name}" in done.stderr


def test_https_turns_on_secure_cookies_redirect_and_hsts():
    show = (
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_PROXY_SSL_HEADER)"
    )
    plain = run({}, "shell", "-c", show)
    assert plain.stdout.split()[-5:] == ["False", "False", "False", "0", "None"], plain.stderr
    tls = run({"HTTPS": "true", "TRUST_X_FORWARDED_PROTO": "true"}, "shell", "-c", show)
    assert tls.stdout.split()[-6:] == [
        "True",
        "True",
        "True",
        "31536000",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
    ], tls.stderr
    done = run({"HTTPS": "true"}, "check", "--deploy")
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning not in done.stderr + done.stdout  # HSTS, redirect, cookie flags


def test_the_embedded_database_and_var_are_private(tmp_path):
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # the embedded default
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**env, "LIANXIN_VAR_DIR": str(var)},
    )
    assert done.returncode == 0, done.stderr
    assert (var.stat().st_mode & 0o777) == 0o700
    files = list(var.glob("lianxin.sqlite3*"))
    assert files
    for path in files:
        assert (path.stat().st_mode & 0o077) == 0, path


def test_the_appraisal_minimum_response_comes_from_the_environment():
    done = run(
        {"APPRAISAL_MIN_RESPONSES": "25", "APPRAISAL_MIN_RESPONSE_RATE": "0.4"},
        "shell",
        "-c",
        "from lianxin.evaluation.appraisal import response_enough as ok; "
        "print(ok(issued=60, voted=24), ok(issued=100, voted=30), "
        "ok(issued=60, voted=25))",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-3:] == ["False", "False", "True"]
    bad = run({"APPRAISAL_MIN_RESPONSE_RATE": "half"}, "check")
    assert bad.returncode != 0
    assert "ImproperlyConfigured: APPRAISAL_MIN_RESPONSE_RATE" in bad.stderr
