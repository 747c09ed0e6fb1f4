"""Integrity records (廉政档案): validation of declarations, the year-over-year flags, the
verifiable spot-check draw, and who may see and do what on every integrity page."""

import math
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from lianxin.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from lianxin.core.models import AuditEvent, Role
from lianxin.supervision import integrity as ir
from lianxin.supervision import services
from lianxin.supervision.models import (
    BusinessInterest,
    Declaration,
    FamilyMember,
    IntegrityReadLog,
    PersonalMatterReport,
    RealEstate,
    SpotCheck,
)
from lianxin.supervision.selectors import declaration_comparison

from .appeals_helpers import fast_passwords  # noqa: F401
from .conftest import make_user

pytestmark = pytest.mark.django_db

FAMILY = [{"name": "王伟", "relation": "self"}, {"name": "李娜", "relation": "spouse"}]


def items(**extra):
    return {
        "family": FAMILY,
        "income": [{"holder": "王伟", "kind": "salary", "amount": "180000"}],
        **extra,
    }


@pytest.fixture
def staff(people, district):
    """The people fixture plus the organisation department (a lead at the root, one at the
    street) and the cadre whose declarations the tests read."""
    return {
        **people,
        "orgdept": make_user("orgdept", Role.ORGDEPT, district["root"]),
        "orgdept_street": make_user("orgdept_street", Role.ORGDEPT, district["street"]),
        "cadre": people["vet_handler"],
    }


def filed(cadre, year, unit=None, submit=True, **rows) -> Declaration:
    declaration = services.declaration_save(
        cadre=cadre, year=year, items=items(**rows), actor=cadre, unit=unit
    )
    if submit:
        declaration = services.declaration_submit(declaration=declaration, actor=cadre)
    return declaration


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, row, field",
    [
        (
            "real_estate",
            {"holder": "王伟", "address": "东湖路1号", "area": "90", "value": "-1"},
            "value",
        ),
        (
            "real_estate",
            {"holder": "王伟", "address": "东湖路1号", "area": "100000.01", "value": "900000"},
            "area",
        ),
        (
            "real_estate",
            {"holder": "王伟", "address": "东湖路1号", "area": "-5", "value": "1"},
            "area",
        ),
        ("deposits", {"holder": "王伟", "bank": "工商银行", "amount": "10000000000.01"}, "amount"),
        ("deposits", {"holder": "王伟", "bank": "工商银行", "amount": "1e30"}, "amount"),
        ("deposits", {"holder": "王伟", "bank": "工商银行", "amount": "很多"}, "amount"),
        (
            "businesses",
            {"holder": "李娜", "company": "东湖建材", "share": "100.5", "investment": "10000"},
            "share",
        ),
        (
            "businesses",
            {"holder": "李娜", "company": "东湖建材", "share": "-1", "investment": "10000"},
            "share",
        ),
        ("income", {"holder": "王伟", "kind": "salary", "amount": "-300"}, "amount"),
        ("vehicles", {"holder": "张三", "description": "大众", "value": "100"}, "holder"),
    ],
)
def test_bad_amounts_are_refused_and_nothing_is_stored(staff, kind, row, field):
    cadre = staff["cadre"]
    rows = items()
    rows[kind] = [*rows.get(kind, []), row]
    with pytest.raises(InvalidInput) as caught:
        services.declaration_save(cadre=cadre, year=2025, items=rows, actor=cadre)
    index = len(rows[kind]) - 1
    assert f"{kind}-{index}-{field}" in caught.value.fields
    assert caught.value.status == 400
    assert not Declaration.objects.exists()
    assert not FamilyMember.objects.exists()
    assert not AuditEvent.objects.filter(action="declaration_save").exists()


def test_bad_rows_do_not_touch_a_saved_draft(staff):
    cadre = staff["cadre"]
    draft = filed(
        cadre,
        2025,
        submit=False,
        real_estate=[{"holder": "王伟", "address": "东湖路1号", "area": "90", "value": "900000"}],
    )
    bad = items(
        real_estate=[{"holder": "王伟", "address": "东湖路1号", "area": "90", "value": "-900000"}]
    )
    with pytest.raises(InvalidInput):
        services.declaration_save(cadre=cadre, year=2025, items=bad, actor=cadre)
    assert list(RealEstate.objects.filter(declaration=draft).values_list("value", flat=True)) == [
        Decimal("900000")
    ]


def test_the_page_shows_the_error_and_stores_nothing(client, staff):
    client.force_login(staff["cadre"])
    data = _management(
        {
            "family": 1,
            "real_estate": 1,
            "vehicles": 0,
            "deposits": 0,
            "securities": 0,
            "liabilities": 0,
            "businesses": 1,
            "income": 0,
        }
    )
    data.update(
        {
            "unit": staff["cadre"].roles.first().unit_id,
            "action": "save",
            "family-0-name": "王伟",
            "family-0-relation": "self",
            "real_estate-0-holder": "王伟",
            "real_estate-0-address": "东湖路1号",
            "real_estate-0-area": "90",
            "real_estate-0-value": "-5",
            "businesses-0-holder": "王伟",
            "businesses-0-company": "东湖建材",
            "businesses-0-share": "150",
            "businesses-0-investment": "0",
        }
    )
    response = client.post(reverse("supervision:declaration_edit", args=[2025]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The amount cannot be negative." in page or "不能为负" in page
    assert "100 percent" in page or "100%" in page
    assert not Declaration.objects.exists()


def _management(counts: dict) -> dict:
    data = {}
    for kind, n in counts.items():
        data.update(
            {
                f"{kind}-TOTAL_FORMS": str(n),
                f"{kind}-INITIAL_FORMS": "0",
                f"{kind}-MIN_NUM_FORMS": "0",
                f"{kind}-MAX_NUM_FORMS": "50",
            }
        )
    return data


def test_a_cadre_saves_and_submits_through_the_page(client, staff):
    cadre = staff["cadre"]
    client.force_login(cadre)
    data = _management(
        {
            "family": 1,
            "real_estate": 1,
            "vehicles": 0,
            "deposits": 0,
            "securities": 0,
            "liabilities": 0,
            "businesses": 0,
            "income": 1,
        }
    )
    data.update(
        {
            "unit": cadre.roles.first().unit_id,
            "action": "submit",
            "family-0-name": "王伟",
            "family-0-relation": "self",
            "real_estate-0-holder": "王伟",
            "real_estate-0-address": "东湖路1号",
            "real_estate-0-area": "90",
            "real_estate-0-value": "900000",
            "income-0-holder": "王伟",
            "income-0-kind": "salary",
            "income-0-amount": "180000",
        }
    )
    response = client.post(reverse("supervision:declaration_edit", args=[2025]), data)
    declaration = Declaration.objects.get(cadre=cadre, year=2025)
    assert response.status_code == 302
    assert declaration.status == "submitted" and declaration.submitted_at is not None
    assert declaration.realestate_items.get().area == Decimal("90")
    # Submitted: the form now leads to the read-only page, and the service refuses changes.
    assert client.get(reverse("supervision:declaration_edit", args=[2025])).status_code == 302
    with pytest.raises(InvalidTransition):
        services.declaration_save(cadre=cadre, year=2025, items=items(), actor=cadre)


def test_submit_is_audited_without_amounts_and_only_once(staff):
    cadre = staff["cadre"]
    declaration = filed(
        cadre, 2025, deposits=[{"holder": "王伟", "bank": "工商银行", "amount": "123456.78"}]
    )
    event = AuditEvent.objects.get(action="declaration_submit")
    assert event.object_id == str(declaration.pk)
    assert "123456" not in str(event.data) and "工商银行" not in str(event.data)
    with pytest.raises(InvalidTransition) as caught:
        services.declaration_submit(declaration=declaration, actor=cadre)
    assert caught.value.status == 409


def test_orgdept_locks_or_sends_back_and_nobody_else(staff):
    cadre = staff["cadre"]
    declaration = filed(cadre, 2025)
    for who in ("inspector", "admin", "vet_leader", "orgdept_street"):
        with pytest.raises(PermissionDenied):
            services.declaration_lock(declaration=declaration, actor=staff[who])
    services.declaration_return(declaration=declaration, actor=staff["orgdept"], reason="漏报车辆")
    declaration.refresh_from_db()
    assert declaration.status == "draft"
    filed(cadre, 2025)
    locked = services.declaration_lock(declaration=declaration, actor=staff["orgdept"])
    assert locked.status == "locked"
    with pytest.raises(InvalidTransition):
        services.declaration_return(declaration=declaration, actor=staff["orgdept"], reason="x")


def test_only_the_cadre_writes_their_own_declaration(staff):
    with pytest.raises(PermissionDenied):
        services.declaration_save(
            cadre=staff["cadre"], year=2025, items=items(), actor=staff["orgdept"]
        )
    with pytest.raises(PermissionDenied):  # a citizen is no cadre
        services.declaration_save(
            cadre=staff["citizen"], year=2025, items=items(), actor=staff["citizen"]
        )
    assert not Declaration.objects.exists()


def test_personal_report_rejects_travel_back_before_departure(staff):
    cadre = staff["cadre"]
    with pytest.raises(InvalidInput) as caught:
        services.personal_report_save(
            cadre=cadre,
            year=2025,
            actor=cadre,
            items={
                "travels": [
                    {
                        "start": "2025-05-10",
                        "end": "2025-05-01",
                        "destination": "日本",
                        "purpose": "旅游",
                    }
                ]
            },
        )
    assert "travels-0-end" in caught.value.fields
    assert not PersonalMatterReport.objects.exists()


# --- comparison flags -------------------------------------------------------------------------


def snap(year, items_=(), income=(), members=(("王伟", "self"), ("李娜", "spouse"))):
    return ir.Snapshot(year=year, members=list(members), items=list(items_), income=list(income))


def flat(value, address="东湖路1号"):
    return ir.Item("real_estate", ir.norm(address), address, Decimal(value), "王伟", "self")


def deposit(value):
    return ir.Item("deposit", "工商银行/王伟", "工商银行", Decimal(value), "王伟", "self")


def salary(value, kind="salary", description=""):
    return ir.Income(kind, Decimal(value), "王伟", description)


def codes(comparison):
    return [f.code for f in comparison.flags]


def test_clean_explained_year_raises_no_flag():
    before = snap(2024, [flat(900000), deposit(200000)], [salary(180000)])
    after = snap(2025, [flat(900000), deposit(300000)], [salary(180000)])
    c = ir.compare(before, after, authority=ir.Authority("畜牧兽医局", {2}, {"畜牧兽医局": 2}))
    assert c.flags == []
    assert c.net_change == Decimal("100000")
    assert [row.change for row in c.categories if row.category == "deposit"] == [Decimal("100000")]


def test_growth_beyond_income_is_flagged_with_its_reason():
    before = snap(2024, [deposit(200000)], [salary(180000)])
    after = snap(2025, [deposit(1200000)], [salary(180000)])
    c = ir.compare(before, after)
    assert codes(c) == ["unexplained_growth"]
    assert "1,000,000.00" in c.flags[0].message and "180,000.00" in c.flags[0].message
    # A declared inheritance explains it.
    after.income.append(salary(900000, kind="inheritance"))
    assert ir.compare(before, after).flags == []


def test_a_property_gone_without_a_sale_is_flagged_and_a_recorded_sale_is_not():
    before = snap(2024, [flat(900000), flat(500000, "西湖路8号")], [salary(180000)])
    after = snap(2025, [flat(900000)], [salary(180000)])
    c = ir.compare(before, after)
    assert codes(c) == ["undeclared_change"]
    assert "西湖路8号" in c.flags[0].message
    sold = snap(
        2025,
        [flat(900000), deposit(520000)],
        [salary(180000), salary(520000, "asset_sale", "出售 西湖路8号 住房")],
    )
    assert ir.compare(before, sold).flags == []


def test_a_new_vehicle_not_paid_for_by_declared_means_is_flagged():
    car = ir.Item("vehicle", "皖a12345", "奔驰 皖A12345", Decimal("600000"), "王伟", "self")
    before = snap(2024, [deposit(100000)], [salary(180000)])
    c = ir.compare(before, snap(2025, [deposit(100000), car], [salary(180000)]))
    assert "undeclared_change" in codes(c)
    assert any("皖A12345" in f.message for f in c.flags)
    cheap = ir.Item("vehicle", "皖a54321", "比亚迪 皖A54321", Decimal("100000"), "王伟", "self")
    assert ir.compare(before, snap(2025, [deposit(50000), cheap], [salary(180000)])).flags == []


def test_a_relatives_new_business_missing_from_the_personal_report_is_flagged():
    shop = ir.Item(
        "business",
        ir.norm("东湖建材"),
        "东湖建材",
        Decimal("50000"),
        "李娜",
        "spouse",
        registered_area="外省某市",
    )
    before = snap(2024, [deposit(300000)], [salary(180000)])
    after = snap(2025, [deposit(250000), shop], [salary(180000)])
    c = ir.compare(before, after)
    assert codes(c) == ["undeclared_change"] and "李娜" in c.flags[0].message
    reported = ir.ReportSnapshot(
        businesses=[
            ir.Item("business", ir.norm("东湖建材"), "东湖建材", Decimal(0), "李娜", "spouse")
        ]
    )
    assert ir.compare(before, after, report=reported).flags == []


def test_a_new_spouse_needs_a_marriage_in_the_personal_report():
    before = snap(2024, members=[("王伟", "self")])
    after = snap(2025, members=[("王伟", "self"), ("赵敏", "spouse")])
    assert codes(ir.compare(before, after)) == ["undeclared_change"]
    report = ir.ReportSnapshot(marriages=[("王伟", "married", "赵敏")])
    assert ir.compare(before, after, report=report).flags == []


def test_a_family_business_in_the_area_of_authority_is_flagged(staff, district):
    cadre = staff["street_handler"]  # serves in 东城街道, whose subtree holds 东湖社区
    shop = {"holder": "李娜", "company": "东湖建材", "share": "40", "investment": "50000"}
    filed(cadre, 2025, businesses=[{**shop, "registered_area": "示范区东湖社区"}])
    declaration = Declaration.objects.get(cadre=cadre)
    c = declaration_comparison(declaration)
    assert codes(c) == ["business_in_authority"]
    assert "东湖建材" in c.flags[0].message and "东城街道" in c.flags[0].message
    # Registered outside the street (in the vet bureau's place), no flag; linked to the
    # community as a unit, a flag again; doing business with the street's unit, a flag.
    BusinessInterest.objects.update(registered_area="畜牧兽医局")
    assert declaration_comparison(declaration).flags == []
    BusinessInterest.objects.update(registered_area="", registered_unit=district["community"])
    assert codes(declaration_comparison(declaration)) == ["business_in_authority"]
    BusinessInterest.objects.update(registered_unit=None, deals_with_unit=district["street"])
    assert codes(declaration_comparison(declaration)) == ["business_in_authority"]


def test_two_filed_years_are_compared_by_the_selector(staff):
    cadre = staff["cadre"]
    filed(cadre, 2024, deposits=[{"holder": "王伟", "bank": "工商银行", "amount": "100000"}])
    current = filed(
        cadre, 2025, deposits=[{"holder": "王伟", "bank": "工商银行", "amount": "2100000"}]
    )
    c = declaration_comparison(current)
    assert c.previous_year == 2024 and c.net_change == Decimal("2000000")
    assert codes(c) == ["unexplained_growth"]


# --- spot checks ------------------------------------------------------------------------------


NAMES = [f"cadre{n:03d}" for n in range(57)]


def test_the_draw_is_reproducible_seed_dependent_and_respects_the_share():
    first = ir.draw("2026-03-01 #4821", NAMES, "0.1")
    assert first == ir.draw("2026-03-01 #4821", list(reversed(NAMES)) + NAMES[:5], "0.1")
    assert first != ir.draw("2026-03-01 #4822", NAMES, "0.1")
    assert len(first) == math.ceil(0.1 * 57) == 6 and set(first) <= set(NAMES)
    for n in (1, 9, 10, 11, 30, 100):
        assert len(
            ir.draw("s", NAMES[:n] if n <= 57 else [f"x{i}" for i in range(n)], Decimal("0.1"))
        ) == math.ceil(n / 10)
    assert len(ir.draw("s", NAMES, 1)) == 57
    with pytest.raises(ValueError):
        ir.draw("s", NAMES, "1.5")


def test_the_draw_follows_the_documented_algorithm():
    import hashlib
    import hmac

    ranked = sorted(NAMES, key=lambda n: hmac.new(b"seed", n.encode(), hashlib.sha256).hexdigest())
    assert ir.draw("seed", NAMES, "0.2") == ranked[:12]
    assert ir.eligible_hash(NAMES) == hashlib.sha256("\n".join(NAMES).encode()).hexdigest()


@pytest.fixture
def eligible(staff, district):
    cadres = [make_user(f"c{n:02d}", Role.HANDLER, district["vet"]) for n in range(20)]
    for cadre in cadres:
        filed(cadre, 2025)
    filed(make_user("c_draft", Role.HANDLER, district["vet"]), 2025, submit=False)
    return cadres


def test_the_seed_is_announced_before_the_draw_and_the_draw_verifies(staff, district, eligible):
    out = StringIO()
    args = ["--year", "2025", "--seed", "2026-03-01 #4821", "--unit", "district"]
    with pytest.raises(CommandError, match="announce"):
        call_command("spot_check_draw", *args, stdout=out)
    call_command("spot_check_draw", "--announce", "--share", "0.1", *args, stdout=out)
    call_command("spot_check_draw", *args, stdout=out)
    check = SpotCheck.objects.get()
    names = sorted(f"c{n:02d}" for n in range(20))
    assert check.eligible == names  # drafts are not eligible
    assert check.drawn == ir.draw("2026-03-01 #4821", names, "0.1") and len(check.drawn) == 2
    assert check.created_at <= check.drawn_at
    call_command("spot_check_draw", "--verify", *args, stdout=out)
    assert "verified" in out.getvalue()
    with pytest.raises(InvalidTransition):
        services.spot_check_draw(spot_check=check, actor=staff["orgdept"])
    # Anyone with the list can re-run it outside the database.
    SpotCheck.objects.filter(pk=check.pk).update(drawn=[names[0], names[1]])
    if ir.draw("2026-03-01 #4821", names, "0.1") != [names[0], names[1]]:
        with pytest.raises(CommandError, match="FAILED"):
            call_command("spot_check_draw", "--verify", *args, stdout=out)


def test_verify_over_an_eligible_file(tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("\n".join(NAMES), encoding="utf-8")
    out = StringIO()
    call_command(
        "spot_check_draw",
        "--verify",
        "--seed",
        "abc",
        "--share",
        "0.1",
        "--eligible-file",
        str(path),
        stdout=out,
    )
    assert ", ".join(ir.draw("abc", NAMES, "0.1")) in out.getvalue()
    assert ir.eligible_hash(NAMES) in out.getvalue()


def test_only_orgdept_announces_and_draws(staff, district, eligible):
    for who in ("inspector", "admin", "vet_leader", "cadre"):
        with pytest.raises(PermissionDenied):
            services.spot_check_announce(
                year=2025, seed="x", share="0.1", unit=district["root"], actor=staff[who]
            )
    with pytest.raises(InvalidInput):
        services.spot_check_announce(
            year=2025, seed="x", share="1.5", unit=district["root"], actor=staff["orgdept"]
        )
    check = services.spot_check_announce(
        year=2025, seed="x", share="0.25", unit=district["root"], actor=staff["orgdept"]
    )
    with pytest.raises(PermissionDenied):
        services.spot_check_draw(spot_check=check, actor=staff["inspector"])
    assert len(services.spot_check_draw(spot_check=check, actor=staff["orgdept"]).drawn) == 5


# --- permissions ------------------------------------------------------------------------------

ROLES = [
    "anonymous",
    "citizen",
    "dispatcher",
    "handler",
    "leader",
    "supervisor",
    "inspector",
    "orgdept",
    "orgdept_street",
    "admin",
    "cadre",
]
WHO = {"handler": "env_handler", "leader": "vet_leader"}

# The page → the roles that get 200 (everyone else: 403 or 404; anonymous: the login page).
# Declarations belong to the vet bureau's cadre; "orgdept_street" is the organisation
# department of another branch of the tree, "leader" the cadre's own unit leader.
CADRES = set(ROLES) - {"anonymous", "citizen"}
READERS = {"inspector", "orgdept"}
MATRIX = {
    "integrity": CADRES,
    "declaration_edit": CADRES - {"cadre"},  # the cadre's own 2025 is submitted: a redirect
    "declaration": READERS | {"cadre"},
    "personal_report": READERS | {"cadre"},
    "declarations": READERS | {"orgdept_street"},
    "declarations_export": {"orgdept", "orgdept_street"},
    "integrity_reads": {"orgdept", "admin"},
    "spot_checks": READERS | {"orgdept_street"},
    "spot_check": READERS,
}


@pytest.fixture
def world(staff, district):
    cadre = staff["cadre"]
    filed(cadre, 2024)
    declaration = filed(
        cadre,
        2025,
        real_estate=[{"holder": "王伟", "address": "东湖路1号", "area": "90", "value": "900000"}],
    )
    report = services.personal_report_save(
        cadre=cadre,
        year=2025,
        actor=cadre,
        items={"employments": [{"name": "王小明", "relation": "儿子", "employer": "东湖建材"}]},
    )
    report = services.personal_report_submit(report=report, actor=cadre)
    check = services.spot_check_announce(
        year=2025, seed="s", share="0.5", unit=district["root"], actor=staff["orgdept"]
    )
    return {"declaration": declaration, "report": report, "check": check}


def _url(page, world):
    if page in ("declaration_edit",):
        return reverse("supervision:declaration_edit", args=[2025])
    obj = {"declaration": "declaration", "personal_report": "report", "spot_check": "check"}
    if page in obj:
        return reverse(f"supervision:{page}", args=[world[obj[page]].pk])
    suffix = "?year=2025" if page == "declarations_export" else ""
    return reverse(f"supervision:{page}") + suffix


def _login(client, staff, role):
    if role != "anonymous":
        client.force_login(staff[WHO.get(role, role)])


@pytest.mark.parametrize("page", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, staff, world, role, page):
    _login(client, staff, role)
    response = client.get(_url(page, world))
    if role == "anonymous":
        assert response.status_code == 302 and "/login/" in response["Location"]
    elif role in MATRIX[page]:
        assert response.status_code == 200, response.content[:300]
    elif page == "declaration_edit" and role == "cadre":
        assert response.status_code == 302
    else:
        assert response.status_code in (403, 404)
    if role in MATRIX[page] and page in ("declaration", "personal_report"):
        content = response.content.decode()
        assert "东湖路1号" in content or "东湖建材" in content


@pytest.mark.parametrize("role", ROLES)
def test_who_may_lock_a_declaration(client, staff, world, role):
    _login(client, staff, role)
    declaration = world["declaration"]
    response = client.post(
        reverse("supervision:declaration_act", args=[declaration.pk]), {"action": "lock"}
    )
    declaration.refresh_from_db()
    if role == "orgdept":
        assert response.status_code == 302 and declaration.status == "locked"
    else:
        assert response.status_code in (302, 403, 404)
        assert declaration.status == "submitted"


@pytest.mark.parametrize("role", ROLES)
def test_who_may_announce_and_draw_a_spot_check(client, staff, world, role):
    _login(client, staff, role)
    response = client.post(reverse("supervision:spot_check", args=[world["check"].pk]))
    world["check"].refresh_from_db()
    if role == "orgdept":
        assert response.status_code == 302 and world["check"].status == "drawn"
    else:
        assert response.status_code in (302, 403, 404)
        assert world["check"].status == "announced"
    response = client.post(
        reverse("supervision:spot_checks"),
        {
            "year": 2025,
            "unit": staff["orgdept"].roles.first().unit_id,
            "share": "0.1",
            "seed": f"seed-{role}",
        },
    )
    assert SpotCheck.objects.filter(seed=f"seed-{role}").exists() == (role == "orgdept")


def test_every_read_by_orgdept_or_inspector_is_logged_and_own_reads_are_not(client, staff, world):
    declaration, report = world["declaration"], world["report"]
    for role in ("orgdept", "inspector"):
        client.force_login(staff[role])
        client.get(reverse("supervision:declaration", args=[declaration.pk]))
        client.get(reverse("supervision:personal_report", args=[report.pk]))
        client.get(reverse("supervision:declarations") + "?year=2025")
    client.force_login(staff["orgdept"])
    client.get(reverse("supervision:declarations_export") + "?year=2025")
    client.force_login(staff["cadre"])
    client.get(reverse("supervision:declaration", args=[declaration.pk]))
    logged = set(
        IntegrityReadLog.objects.values_list(
            "user__username", "kind", "declaration_id", "report_id"
        )
    )
    assert logged == {
        ("orgdept", "detail", declaration.pk, None),
        ("orgdept", "detail", None, report.pk),
        ("orgdept", "list", declaration.pk, None),
        ("orgdept", "export", declaration.pk, None),
        ("inspector", "detail", declaration.pk, None),
        ("inspector", "detail", None, report.pk),
        ("inspector", "list", declaration.pk, None),
    }
    # The lead sees the log, with the readers' names.
    client.force_login(staff["orgdept"])
    page = client.get(reverse("supervision:integrity_reads")).content.decode()
    assert "inspector" in page


def test_a_cadre_cannot_see_another_cadres_declaration(client, staff, world, district):
    other = make_user("other_cadre", Role.HANDLER, district["vet"])
    client.force_login(other)
    assert (
        client.get(reverse("supervision:declaration", args=[world["declaration"].pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("supervision:personal_report", args=[world["report"].pk])).status_code
        == 404
    )
    assert client.get(reverse("supervision:declarations")).status_code == 403
    # Nor a draft of theirs through the readers' pages: drafts are the cadre's alone.
    draft = filed(other, 2025, submit=False)
    client.force_login(staff["orgdept"])
    assert client.get(reverse("supervision:declaration", args=[draft.pk])).status_code == 404
    assert not IntegrityReadLog.objects.filter(declaration=draft).exists()


def test_the_export_is_a_workbook_of_the_unit(client, staff, world):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(staff["orgdept"])
    response = client.get(reverse("supervision:declarations_export") + "?year=2025&unit=vet")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.values)
    assert len(rows) == 2 and rows[1][1] == "畜牧兽医局" and rows[1][4] == 900000
