"""Every setting an operator can set is in docs/settings.md, and the document names no setting
that does not exist. Django's own names are documented by Django and left out."""

import re
from pathlib import Path

from django.conf import global_settings

import lianxin.settings as project
from lianxin.core import keys
from lianxin.insight import warning

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "settings.md").read_text()
DJANGO = {name for name in dir(global_settings) if name.isupper()}
NAME = r"([A-Z][A-Z0-9_]+)"


def documented(name: str) -> bool:
    """Named as code (`NAME`) somewhere in the document, tables included."""
    return f"`{name}`" in DOC


def read_by_code() -> set[str]:
    """Settings the code names: settings.X and getattr(settings, "X"...)."""
    names = set()
    for path in (ROOT / "lianxin").rglob("*.py"):
        if path.name == "settings.py" and path.parent.name == "lianxin":
            continue
        text = path.read_text()
        names |= set(re.findall(r"\bsettings\." + NAME, text))
        names |= set(re.findall(r"getattr\(\s*settings\s*,\s*[\"']" + NAME, text))
    return names - DJANGO


def defined_in_settings() -> set[str]:
    """What lianxin/settings.py defines beyond Django's names: also covers settings the code
    reads by a computed name (warning.settings_value, the sign-in limits, API throttles)."""
    return {n for n in dir(project) if n.isupper() and not n.startswith("_")} - DJANGO


def environment_variables() -> set[str]:
    """Every variable lianxin/settings.py reads from the environment."""
    text = (ROOT / "lianxin" / "settings.py").read_text()
    return set(re.findall(r"environ\.get\(\s*\"" + NAME, text)) | set(
        re.findall(r"env_bool\(\s*\"" + NAME, text)
    )


def test_every_setting_the_code_reads_is_documented():
    names = read_by_code()
    assert {"REPORT_MAX_FILES", "OPEN311_READ_RATE", "VAR_DIR"} <= names  # the grep works
    assert sorted(n for n in names if not documented(n)) == []


def test_every_project_setting_and_environment_variable_is_documented():
    names = defined_in_settings() | environment_variables()
    assert {"WARNING_RISE_ALPHA", "DATABASE_URL", "REDIS_URL", "HTTPS"} <= names
    assert sorted(n for n in names if not documented(n)) == []


def test_every_key_purpose_is_documented():
    for purpose in keys.PURPOSES:
        assert documented(keys._env_name(purpose)), purpose


def test_the_document_names_only_settings_that_exist():
    """The first column of every table: a setting, an environment variable or a key."""
    known = defined_in_settings() | environment_variables() | DJANGO
    rows = re.findall(r"^\| ([^|]+) \|", DOC, flags=re.MULTILINE)
    named = {n for row in rows for n in re.findall(r"`" + NAME + r"`", row)}
    assert "SMS_BACKEND" in named
    stray = sorted(n for n in named if n not in known and not n.startswith("LIANXIN_KEY_"))
    assert stray == []


def test_the_settings_are_read_directly():
    """A default belongs in settings.py, not at the place that reads it (#12)."""
    offenders = []
    for path in (ROOT / "lianxin").rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"getattr\(\s*settings\s*,[^)]*,", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []


def test_the_early_warning_defaults_are_the_methods():
    """settings.py repeats the defaults of insight/warning.py (measured by bench/warning.py)."""
    for name in (
        "RISE_ALPHA",
        "RISE_MIN_COUNT",
        "RISE_WINDOW_DAYS",
        "RISE_BASELINE_DAYS",
        "CLUSTER_REPORTS",
        "CLUSTER_HOURS",
        "CLUSTER_CATEGORIES",
    ):
        assert getattr(project, f"WARNING_{name}") == getattr(warning, name), name
