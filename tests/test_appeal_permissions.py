"""Who may do what to an appeal: each rule of lianxin/appeals/rules.py for every role, the list
form of the view rule (`appeals_visible_to`) and the masking of contact data (`appeal_contact`)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from lianxin.appeals import services
from lianxin.appeals.selectors import appeal_contact, appeals_visible_to
from lianxin.core.access import may
from lianxin.core.models import Role, RoleAssignment

from .appeals_helpers import (  # noqa: F401 - fast_passwords is an autouse fixture
    CONTACT,
    fast_passwords,
    fresh,
    submit,
)
from .conftest import make_user

pytestmark = pytest.mark.django_db

ROLES = [
    "dispatcher",
    "vet_handler",
    "env_handler",
    "vet_leader",
    "supervisor",
    "inspector",
    "admin",
    "admin_role",
    "citizen",
    "anonymous",
]


@pytest.fixture
def everyone(people, district):
    """The fixture's people, plus an administrator by role who is not a Django superuser (so
    that the rules, not Django's superuser shortcut, decide) and an anonymous visitor."""
    return {
        **people,
        "admin_role": make_user("admin_role", Role.ADMIN, district["root"]),
        "anonymous": AnonymousUser(),
    }


@pytest.fixture
def at_vet(district, people):
    """An appeal dispatched to the vet unit, with the citizen's contact data."""
    appeal = submit(**CONTACT)
    services.appeal_dispatch(appeal=appeal, unit=district["vet"], actor=people["dispatcher"])
    return fresh(appeal)


def allowed(everyone, perm: str, appeal) -> set[str]:
    return {who for who in ROLES if may(everyone[who], perm, appeal)}


def test_view_appeal(everyone, at_vet):
    assert allowed(everyone, "appeals.view_appeal", at_vet) == {
        "dispatcher",
        "vet_handler",
        "vet_leader",
        "supervisor",
        "admin",
        "admin_role",
    }


def test_view_contact(everyone, at_vet):
    # Only those who must call the citizen back; supervisors see the work, not the person.
    assert allowed(everyone, "appeals.view_contact", at_vet) == {
        "dispatcher",
        "vet_handler",
        "vet_leader",
        "admin",
        "admin_role",
    }


def test_dispatch_appeal(everyone, at_vet):
    assert allowed(everyone, "appeals.dispatch_appeal", at_vet) == {
        "dispatcher",
        "admin",
        "admin_role",
    }


def test_handle_appeal(everyone, at_vet):
    # Administrators administer: neither the role nor being a Django superuser handles appeals.
    assert allowed(everyone, "appeals.handle_appeal", at_vet) == {"vet_handler", "vet_leader"}


def test_a_superuser_is_not_offered_the_handlers_or_supervisors_work(everyone, at_vet):
    from lianxin.appeals.selectors import appeal_actions

    assert everyone["admin"].is_superuser
    offered = set(appeal_actions(everyone["admin"], at_vet))
    assert not offered & {"accept", "return", "reply", "supervise", "extension_request"}
    with pytest.raises(services.PermissionDenied):
        services.appeal_accept(appeal=at_vet, actor=everyone["admin"])


def test_co_handle_appeal(everyone, at_vet):
    assert allowed(everyone, "appeals.co_handle_appeal", at_vet) == {
        "dispatcher",
        "vet_handler",
        "vet_leader",
        "admin",
        "admin_role",
    }


def test_decide_extension(everyone, at_vet):
    assert allowed(everyone, "appeals.decide_extension", at_vet) == {
        "dispatcher",
        "supervisor",
        "admin",
        "admin_role",
    }


def test_the_unit_leader_decides_the_extension_of_a_letters_and_visits_case(
    everyone, district, people
):
    appeal = submit(track="xinfang", **CONTACT)
    services.appeal_dispatch(appeal=appeal, unit=district["vet"], actor=people["dispatcher"])
    assert allowed(everyone, "appeals.decide_extension", fresh(appeal)) == {
        "dispatcher",
        "supervisor",
        "vet_leader",
        "admin",
        "admin_role",
    }


def test_follow_up_appeal(everyone, at_vet):
    assert allowed(everyone, "appeals.follow_up_appeal", at_vet) == {
        "dispatcher",
        "admin",
        "admin_role",
    }


def test_supervise_appeal(everyone, at_vet):
    assert allowed(everyone, "appeals.supervise_appeal", at_vet) == {"supervisor"}


def test_view_supervision_board(everyone):
    assert {who for who in ROLES if may(everyone[who], "appeals.view_supervision_board")} == {
        "dispatcher",
        "supervisor",
        "admin",
        "admin_role",
    }


def test_an_appeal_not_yet_dispatched_is_for_dispatchers_and_supervisors(everyone, district):
    appeal = submit()
    assert allowed(everyone, "appeals.view_appeal", appeal) == {
        "dispatcher",
        "supervisor",
        "admin",
        "admin_role",
    }
    assert allowed(everyone, "appeals.dispatch_appeal", appeal) == {
        "dispatcher",
        "admin",
        "admin_role",
    }
    assert allowed(everyone, "appeals.handle_appeal", appeal) == set()


def test_a_co_handling_unit_sees_the_appeal_but_neither_handles_it_nor_sees_the_contact(
    everyone, at_vet, district, people
):
    services.appeal_co_handle(appeal=at_vet, units=[district["env"]], actor=people["dispatcher"])
    appeal = fresh(at_vet)
    env = everyone["env_handler"]
    assert may(env, "appeals.view_appeal", appeal)
    for perm in (
        "view_contact",
        "handle_appeal",
        "co_handle_appeal",
        "dispatch_appeal",
        "decide_extension",
        "follow_up_appeal",
        "supervise_appeal",
    ):
        assert not may(env, f"appeals.{perm}", appeal), perm


def test_roles_reach_their_units_subtree_only(district, people):
    street_supervisor = make_user("street_supervisor", Role.SUPERVISOR, district["street"])
    street_dispatcher = make_user("street_dispatcher", Role.DISPATCHER, district["street"])
    community_handler = make_user("community_handler", Role.HANDLER, district["community"])
    in_community = submit()
    services.appeal_dispatch(
        appeal=in_community, unit=district["community"], actor=people["dispatcher"]
    )
    in_community = fresh(in_community)
    in_street = submit()
    services.appeal_dispatch(appeal=in_street, unit=district["street"], actor=people["dispatcher"])
    in_street = fresh(in_street)
    at_vet = submit()
    services.appeal_dispatch(appeal=at_vet, unit=district["vet"], actor=people["dispatcher"])
    at_vet = fresh(at_vet)

    # A role held in the street reaches the community below it, not a sibling department.
    assert may(people["street_handler"], "appeals.handle_appeal", in_community)
    assert not may(people["street_handler"], "appeals.view_appeal", at_vet)
    assert may(street_supervisor, "appeals.supervise_appeal", in_community)
    assert not may(street_supervisor, "appeals.supervise_appeal", at_vet)
    assert may(street_dispatcher, "appeals.dispatch_appeal", in_street)
    assert not may(street_dispatcher, "appeals.dispatch_appeal", at_vet)
    # A role held in the community does not reach up to the street.
    assert may(community_handler, "appeals.handle_appeal", in_community)
    assert not may(community_handler, "appeals.view_appeal", in_street)


# --- appeals_visible_to -------------------------------------------------------------------


@pytest.fixture
def spread(district, people):
    """One appeal in each corner of the district."""

    def at(unit_key: str | None, title: str):
        appeal = submit(title=title)
        if unit_key:
            services.appeal_dispatch(
                appeal=appeal, unit=district[unit_key], actor=people["dispatcher"]
            )
        return fresh(appeal)

    appeals = {
        "waiting": at(None, "未派单"),
        "vet": at("vet", "畜牧"),
        "env": at("env", "环保"),
        "env_co_vet": at("env", "环保，畜牧协办"),
        "street": at("street", "街道"),
        "community": at("community", "社区"),
    }
    services.appeal_co_handle(
        appeal=appeals["env_co_vet"], units=[district["vet"]], actor=people["dispatcher"]
    )
    return appeals


ALL = {"waiting", "vet", "env", "env_co_vet", "street", "community"}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("dispatcher", ALL),
        ("supervisor", ALL),
        ("admin", ALL),
        ("admin_role", ALL),
        # Handlers and leaders: their unit's subtree and the appeals they co-handle.
        ("vet_handler", {"vet", "env_co_vet"}),
        ("vet_leader", {"vet", "env_co_vet"}),
        ("env_handler", {"env", "env_co_vet"}),
        ("street_handler", {"street", "community"}),
        ("inspector", set()),
        ("citizen", set()),
        ("anonymous", set()),
    ],
)
def test_appeals_visible_to(everyone, spread, who, expected):
    visible = appeals_visible_to(everyone[who])
    assert {key for key, appeal in spread.items() if appeal in visible} == expected
    assert visible.count() == len(expected)  # no duplicates from the co-unit join
    # The list agrees with the object rule.
    for key, appeal in spread.items():
        assert may(everyone[who], "appeals.view_appeal", appeal) == (key in expected), key


def test_a_returned_appeal_leaves_the_handlers_list(everyone, spread, people):
    services.appeal_return(appeal=spread["vet"], actor=people["vet_handler"], reason="非本单位")
    assert spread["vet"] not in appeals_visible_to(people["vet_handler"])
    assert spread["vet"] in appeals_visible_to(people["dispatcher"])


def test_a_role_in_a_sub_unit_sees_only_that_subtree(district, spread):
    supervisor = make_user("street_supervisor", Role.SUPERVISOR, district["street"])
    visible = appeals_visible_to(supervisor)
    assert {key for key, a in spread.items() if a in visible} == {"waiting", "street", "community"}
    RoleAssignment.objects.create(user=supervisor, role=Role.SUPERVISOR, unit=district["env"])
    supervisor = type(supervisor).objects.get(pk=supervisor.pk)  # roles are cached per object
    visible = appeals_visible_to(supervisor)
    assert {key for key, a in spread.items() if a in visible} == {
        "waiting",
        "street",
        "community",
        "env",
        "env_co_vet",
    }


# --- appeal_contact -----------------------------------------------------------------------

FULL = {"name": "张三", "phone": "13812345678", "email": "zhangsan@example.net", "masked": False}
MASKED = {"name": "张*", "phone": "138****5678", "email": "", "masked": True}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("dispatcher", FULL),
        ("vet_handler", FULL),
        ("vet_leader", FULL),
        ("admin", FULL),
        ("admin_role", FULL),
        ("env_handler", MASKED),
        ("supervisor", MASKED),
        ("inspector", MASKED),
        ("citizen", MASKED),
        ("anonymous", MASKED),
    ],
)
def test_appeal_contact_is_whole_only_for_those_who_call_back(everyone, at_vet, who, expected):
    assert appeal_contact(everyone[who], at_vet) == expected


def test_a_co_handling_unit_gets_the_contact_masked(everyone, at_vet, district, people):
    services.appeal_co_handle(appeal=at_vet, units=[district["env"]], actor=people["dispatcher"])
    assert appeal_contact(everyone["env_handler"], fresh(at_vet)) == MASKED


def test_masking_an_anonymous_appeal_reveals_nothing(everyone, district, people):
    appeal = submit()
    services.appeal_dispatch(appeal=appeal, unit=district["vet"], actor=people["dispatcher"])
    assert appeal_contact(everyone["supervisor"], fresh(appeal)) == {
        "name": "",
        "phone": "",
        "email": "",
        "masked": True,
    }


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("010-12345678", "010*****5678"),
        ("12345678", "1***5678"),
        ("+8613812345678", "+86*******5678"),
    ],
)
def test_phone_numbers_keep_only_their_ends_when_masked(everyone, district, people, phone, masked):
    appeal = submit(contact_name="欧阳娜娜", contact_phone=phone)
    services.appeal_dispatch(appeal=appeal, unit=district["vet"], actor=people["dispatcher"])
    contact = appeal_contact(everyone["supervisor"], fresh(appeal))
    assert contact["phone"] == masked
    assert contact["name"] == "欧***"


def test_the_organisation_department_reads_appeals_masked_and_acts_on_none(district, at_vet):
    from lianxin.appeals.selectors import appeal_actions

    orgdept = make_user("orgdept", Role.ORGDEPT, district["root"])
    assert may(orgdept, "appeals.view_appeal", at_vet)
    assert at_vet in appeals_visible_to(orgdept)
    assert not may(orgdept, "appeals.view_contact", at_vet)
    assert appeal_contact(orgdept, at_vet)["masked"]
    assert appeal_actions(orgdept, at_vet) == []
