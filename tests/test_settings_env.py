"""Settings a deployment sets in the environment reach the code, and a bad value stops the
start with the variable's name instead of a traceback deep inside a request."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=120)


def test_environment_settings_reach_the_code():
    done = run({"WARNING_RISE_ALPHA": "0.0001", "REPORT_CLOCKS": "xinfang",
                "INTEGRITY_TOLERANCE_ABS": "80000"}, "shell", "-c",
               "from lianxin.insight import warning; from lianxin.supervision import selectors, "
               "reporting; "
               "print(warning.settings_value('RISE_ALPHA'), warning.settings_value('RISE_MIN_COUNT'), "
               "selectors.integrity_policy().tolerance_abs, reporting.setting('REPORT_CLOCKS', ''))")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-4:] == ["0.0001", "4", "80000", "xinfang"]


def test_a_bad_value_names_the_variable():
    for env, name in [({"WARNING_RISE_ALPHA": "abc"}, "WARNING_RISE_ALPHA"),
                      ({"REPORT_CLOCKS": "weekly"}, "REPORT_CLOCKS")]:
        done = run(env, "check")
        assert done.returncode != 0
        assert f"ImproperlyConfigured: {name}" in done.stderr
