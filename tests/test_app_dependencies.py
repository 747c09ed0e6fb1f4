"""The apps depend on each other one way (docs/architecture.md, "Who may import whom"): core on
no app, appeals on core, open311/insight/evaluation on appeals and core, outreach on those and
insight, supervision and participation on core."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "lianxin"
MAY_IMPORT = {
    "core": set(),
    "appeals": {"core"},
    "open311": {"appeals", "core"},
    "insight": {"appeals", "core"},
    "evaluation": {"appeals", "core"},
    "supervision": {"core"},
    "participation": {"core"},
    # outreach files sick/dead animals seen on farm visits with insight's early warning
    # (field_report_file); insight never imports outreach.
    "outreach": {"appeals", "core", "insight"},
    # knowledge proposes articles from well-rated replies (appeals, evaluation).
    "knowledge": {"appeals", "core", "evaluation"},
    # the operator console: callers' appeals, the router's suggestion and insight's duplicates,
    # knowledge-base answers.
    "hotline": {"appeals", "core", "insight", "knowledge"},
}
IMPORT = re.compile(r"^\s*(?:from|import)\s+lianxin\.([a-z0-9_]+)", re.MULTILINE)


def test_every_app_imports_only_what_it_may():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps == set(MAY_IMPORT), "a new app: add it here and to docs/architecture.md"
    wrong = []
    for app, allowed in MAY_IMPORT.items():
        for path in (ROOT / app).rglob("*.py"):
            for other in set(IMPORT.findall(path.read_text())) & apps - {app} - allowed:
                wrong.append(f"{path.relative_to(ROOT.parent)} imports lianxin.{other}")
    assert wrong == []
