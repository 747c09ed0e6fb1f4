"""insight/rules.py: who may open which 社情民意 page (one test per permission)."""

import pytest

from lianxin.core.access import may
from lianxin.core.models import Role

from .appeals_helpers import fast_passwords  # noqa: F401 - autouse in this module
from .conftest import make_user

pytestmark = pytest.mark.django_db

ROLES = [
    "dispatcher",
    "handler",
    "vet_handler",
    "leader",
    "supervisor",
    "inspector",
    "orgdept",
    "citizen",
]


@pytest.fixture
def everyone(district, categories):
    d = district
    return {
        "dispatcher": make_user("r-dispatcher", Role.DISPATCHER, d["root"]),
        "handler": make_user("r-handler", Role.HANDLER, d["env"]),
        "vet_handler": make_user("r-vet-handler", Role.HANDLER, d["vet"]),
        "leader": make_user("r-leader", Role.LEADER, d["env"]),
        "supervisor": make_user("r-supervisor", Role.SUPERVISOR, d["root"]),
        "inspector": make_user("r-inspector", Role.INSPECTOR, d["root"]),
        "orgdept": make_user("r-orgdept", Role.ORGDEPT, d["root"]),
        "citizen": make_user("r-citizen", Role.CITIZEN, d["root"]),
    }


ALLOWED = {
    "insight.view_dashboard": {"dispatcher", "leader", "supervisor", "orgdept"},
    "insight.view_hot_issues": {"dispatcher", "leader", "supervisor"},
    # 畜牧兽医局's handlers are alerted to animal clusters (animal-epidemic's default unit).
    "insight.view_alarms": {"dispatcher", "leader", "supervisor", "vet_handler"},
    "insight.handle_alarm": {"dispatcher", "leader", "supervisor"},
    "insight.view_duplicates": {"dispatcher", "supervisor"},
    "insight.merge_duplicates": {"dispatcher"},
}


@pytest.mark.parametrize("perm", sorted(ALLOWED))
def test_permission(everyone, perm):
    assert {who for who in ROLES if may(everyone[who], perm)} == ALLOWED[perm]
