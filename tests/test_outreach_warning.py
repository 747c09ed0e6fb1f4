"""Sick or dead animals seen on a farm visit count in early warning (预警) like a citizen's
report of them: same category, area and window, shown in the alarm with their source and
without the household's personal data."""

import uuid
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from lianxin.appeals import services as appeal_services
from lianxin.core import clock
from lianxin.core.calendar import LOCAL
from lianxin.core.models import AuditEvent, Role, Unit
from lianxin.core.queue import work_pending
from lianxin.insight import services as insight_services
from lianxin.insight.models import Alarm, FieldReport
from lianxin.outreach.models import Reason, VisitForm
from lianxin.outreach.services import household_register, pairing_assign, visit_record
from lianxin.outreach.services.visits import seen_at

from .appeals_helpers import fast_passwords  # noqa: F401  (autouse here)
from .conftest import make_user

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 2, 9, 0, tzinfo=LOCAL)


@pytest.fixture
def dawan(district):
    town = Unit.objects.create(name="桥头镇", code="qiaotou", kind="town", parent=district["root"])
    return Unit.objects.create(name="大湾村", code="dawan", kind="village", parent=town)


@pytest.fixture
def farm_pairing(dawan, people):
    """A pig farm in 大湾村, paired with the vet bureau's handler since October."""
    leader = make_user("town_leader", Role.LEADER, dawan.parent)
    with clock.at(START - timedelta(days=40)):
        farm = household_register(
            actor=leader,
            unit=dawan,
            head_name="张养殖",
            members=4,
            reasons=[Reason.LIVESTOCK_FARM],
            consent_on=(START - timedelta(days=40)).date(),
            phone="13900001111",
            address="大湾村3组18号",
            species="生猪",
            herd_size=320,
        )
        return pairing_assign(actor=leader, household=farm, cadre=people["vet_handler"])


@pytest.fixture
def appeal(django_capture_on_commit_callbacks, categories):
    """A citizen's dead-pig report in 大湾村 at a moment, analysed as the worker would."""

    def submit(at: datetime, address="桥头镇大湾村"):
        with django_capture_on_commit_callbacks(execute=True):
            found, _created = appeal_services.appeal_submit(
                title="村里发现病死猪",
                content="养殖户门口有三头死猪，怀疑猪瘟。",
                address=address,
                created_at=at,
                category=categories["epidemic"],
            )
        work_pending()  # the analysis `run_schedule` (or a Celery worker) does after commit
        return found

    return submit


def farm_visit(pairing, people, at: datetime, *, sick=0, dead=0, day=None):
    with clock.at(at):
        visit, created = visit_record(
            actor=people["vet_handler"],
            pairing=pairing,
            visited_on=day or at.astimezone(LOCAL).date(),
            form=VisitForm.FARM,
            client_uuid=uuid.uuid4(),
            immunisation_done=True,
            sick_count=sick,
            dead_count=dead,
            biosecurity_ok=True,
        )
    assert created
    return visit


def cluster_alarms():
    return list(Alarm.objects.filter(kind=Alarm.Kind.CLUSTER))


def test_a_visit_with_dead_animals_completes_a_cluster_citizens_alone_do_not(
    appeal, farm_pairing, people, dawan, categories
):
    first, second = appeal(START), appeal(START + timedelta(hours=20))
    assert cluster_alarms() == []  # two citizens' reports: below WARNING_CLUSTER_REPORTS (3)
    visit = farm_visit(farm_pairing, people, START + timedelta(hours=30), dead=2, sick=5)
    [alarm] = cluster_alarms()
    assert (alarm.area, alarm.category, alarm.unit.code) == (dawan, categories["epidemic"], "vet")
    assert alarm.count == 3
    assert {m.appeal_id for m in alarm.members.all()} == {first.pk, second.pk}
    [seen] = [r.report for r in alarm.field_reports.select_related("report")]
    assert seen.source_ref == f"outreach-visit:{visit.pk}"
    assert (seen.sick_count, seen.dead_count, seen.area) == (5, 2, dawan)
    assert seen.reported_at == START + timedelta(hours=30)
    assert AuditEvent.objects.filter(action="field_report_file", object_id=str(seen.pk)).exists()
    assert AuditEvent.objects.filter(action="alarm_raise", object_id=str(alarm.pk)).count() == 1


def test_a_visit_with_nothing_sick_or_dead_adds_nothing(appeal, farm_pairing, people):
    appeal(START)
    appeal(START + timedelta(hours=20))
    farm_visit(farm_pairing, people, START + timedelta(hours=30))
    assert FieldReport.objects.count() == 0
    assert cluster_alarms() == []
    assert not AuditEvent.objects.filter(action="field_report_file").exists()


def test_a_visit_outside_the_window_or_the_village_does_not_count(
    appeal, farm_pairing, people, dawan
):
    shiqiao = Unit.objects.create(
        name="石桥村", code="shiqiao", kind="village", parent=dawan.parent
    )
    appeal(START)
    appeal(START + timedelta(hours=1), address=f"桥头镇{shiqiao.name}")
    farm_visit(farm_pairing, people, START + timedelta(hours=2), dead=1)
    assert cluster_alarms() == []  # one report in 石桥村, two in 大湾村
    appeal(START + timedelta(hours=80))  # 大湾村, but 78 hours after the visit
    assert cluster_alarms() == []


def test_a_visit_joins_an_alarm_citizens_already_raised(appeal, farm_pairing, people):
    for hours in (0, 1, 2):
        appeal(START + timedelta(hours=hours))
    [alarm] = cluster_alarms()
    farm_visit(farm_pairing, people, START + timedelta(hours=5), sick=3)
    [same] = cluster_alarms()
    assert same.pk == alarm.pk and same.count == 4 and same.field_reports.count() == 1
    # A further citizen's report counts the visit too.
    appeal(START + timedelta(hours=6))
    same.refresh_from_db()
    assert same.count == 5 and same.members.count() == 4


def test_a_visit_logged_offline_counts_on_its_day_and_completes_a_later_window(
    appeal, farm_pairing, people
):
    """A cadre saw dead pigs on Monday, logged it without signal and sent it on Wednesday:
    it counts on Monday, with the two citizens' reports of Monday and Tuesday."""
    monday = START.astimezone(LOCAL).date()
    appeal(START + timedelta(hours=4))
    appeal(START + timedelta(hours=26))
    farm_visit(farm_pairing, people, START + timedelta(hours=50), dead=4, day=monday)
    [alarm] = cluster_alarms()
    end_of_monday = datetime(monday.year, monday.month, monday.day, 23, 59, 59, tzinfo=LOCAL)
    assert FieldReport.objects.get().reported_at == end_of_monday
    assert alarm.count == 3 and alarm.window_end == START + timedelta(hours=26)
    assert seen_at(monday, START + timedelta(hours=1)) == START + timedelta(hours=1)


def test_the_same_visit_sent_twice_is_counted_once(appeal, farm_pairing, people):
    key = uuid.uuid4()
    for _attempt in range(2):
        with clock.at(START):
            visit_record(
                actor=people["vet_handler"],
                pairing=farm_pairing,
                visited_on=START.date(),
                form=VisitForm.FARM,
                client_uuid=key,
                dead_count=3,
            )
    assert FieldReport.objects.count() == 1


def test_the_alarm_page_names_the_source_without_the_household(
    client, appeal, farm_pairing, people
):
    appeal(START)
    appeal(START + timedelta(hours=1))
    farm_visit(farm_pairing, people, START + timedelta(hours=2), dead=2)
    client.force_login(people["dispatcher"])
    body = client.get(reverse("insight:alarms")).content.decode()
    assert "走访：大湾村生猪养殖场（存栏320）" in body
    for personal in ("张养殖", "13900001111", "大湾村3组18号"):
        assert personal not in body
    # No link to the household: the dispatcher may not open it.
    assert reverse("outreach:household", args=[farm_pairing.household_id]) not in body
    assert FieldReport.objects.filter(source_label__contains="张养殖").count() == 0


def test_field_reports_count_in_the_rise_rule(farm_pairing, people, categories, dawan):
    """The rise rule counts a visit's report like an appeal of the same category and area."""
    at = START + timedelta(days=1)
    for hours in range(0, 24, 4):
        insight_services.field_report_file(
            source_ref=f"test:{hours}",
            source_label="走访：测试",
            area=dawan,
            reported_at=at - timedelta(hours=hours),
            sick=1,
            dead=0,
        )
    summary = insight_services.warning_rise_scan(at=at)
    assert summary["raised"] >= 1
    rise = Alarm.objects.get(kind=Alarm.Kind.RISE, area=dawan)
    assert rise.count == 6 and rise.field_reports.count() == 6


@pytest.mark.django_db(transaction=True)
def test_two_farm_visits_racing_raise_one_alarm_counting_both(appeal, farm_pairing, people, dawan):
    """Two vets log sick animals on two farms of the village at the same moment, after two
    citizens' reports: one alarm, counting all four (real threads and connections)."""
    from .test_concurrency import race, user

    leader = get_user_model().objects.get(username="town_leader")
    with clock.at(START - timedelta(days=40)):
        second = pairing_assign(
            actor=leader,
            household=household_register(
                actor=leader,
                unit=dawan,
                head_name="李养殖",
                members=2,
                reasons=[Reason.LIVESTOCK_FARM],
                consent_on=(START - timedelta(days=40)).date(),
                species="生猪",
                herd_size=80,
            ),
            cadre=people["vet_leader"],
        )
    appeal(START)
    appeal(START + timedelta(hours=1))

    def visit(username, pairing_id):
        def job():
            with clock.at(START + timedelta(hours=2)):
                return visit_record(
                    actor=user(username),
                    pairing=pairing_id,
                    visited_on=START.date(),
                    form=VisitForm.FARM,
                    client_uuid=uuid.uuid4(),
                    sick_count=2,
                )

        return job

    results = race(visit("vet_handler", farm_pairing.pk), visit("vet_leader", second.pk))
    assert all(isinstance(r, tuple) for r in results), results
    [alarm] = cluster_alarms()
    assert alarm.count == 4
    assert (alarm.members.count(), alarm.field_reports.count()) == (2, 2)
