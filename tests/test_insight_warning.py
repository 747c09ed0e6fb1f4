"""预警: the animal cluster rule, the rise rule, the scan command, the alarm lifecycle and the
alarms page."""

from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from lianxin.appeals import services as appeal_services
from lianxin.core import clock
from lianxin.core.calendar import LOCAL
from lianxin.core.errors import InvalidTransition, PermissionDenied
from lianxin.core.models import AuditEvent, Notification, Role, Unit
from lianxin.core.queue import work_pending
from lianxin.insight import services, warning
from lianxin.insight.models import Alarm, AppealArea

from .appeals_helpers import fast_passwords  # noqa: F401  (autouse here)
from .conftest import make_user

pytestmark = pytest.mark.django_db

START = datetime(2025, 3, 3, 8, 0, tzinfo=LOCAL)


@pytest.fixture
def villages(district):
    town = Unit.objects.create(name="桥头镇", code="qiaotou", kind="town", parent=district["root"])
    dawan = Unit.objects.create(name="大湾村", code="dawan", kind="village", parent=town)
    shiqiao = Unit.objects.create(name="石桥村", code="shiqiao", kind="village", parent=town)
    return {"town": town, "dawan": dawan, "shiqiao": shiqiao}


@pytest.fixture
def report(django_capture_on_commit_callbacks, categories):
    """Submit a dead-pig report at a moment, running the on-commit intake signal, then the
    work it left (with a broker a task did it already; without one, the sweepers do)."""

    def submit(at: datetime, *, address="桥头镇大湾村", category="epidemic", **fields):
        values = {
            "title": "村里发现病死猪",
            "content": "养殖户门口有三头死猪，怀疑猪瘟。",
            "address": address,
            "created_at": at,
            "category": categories[category] if category else None,
            **fields,
        }
        with django_capture_on_commit_callbacks(execute=True):
            appeal, created = appeal_services.appeal_submit(**values)
        work_pending()
        assert created
        return appeal

    return submit


def cluster_alarms():
    return list(Alarm.objects.filter(kind=Alarm.Kind.CLUSTER))


# --- the cluster rule ------------------------------------------------------------------------


def test_three_dead_pig_reports_in_a_village_within_72_hours_raise_one_alarm(
    report, people, villages, categories
):
    appeals = [
        report(START),
        report(START + timedelta(hours=20)),
        report(START + timedelta(hours=60)),
    ]
    [alarm] = cluster_alarms()
    assert alarm.area == villages["dawan"]
    assert alarm.category == categories["epidemic"]
    assert alarm.unit.code == "vet"
    assert alarm.count == 3 and alarm.status == Alarm.Status.OPEN
    assert {m.appeal_id for m in alarm.members.all()} == {a.pk for a in appeals}
    assert AuditEvent.objects.filter(action="alarm_raise", object_id=str(alarm.pk)).count() == 1
    # The vet bureau's leader and handler are told at once, in the app and by email.
    told = Notification.objects.filter(link__startswith="/insight/alarms/")
    assert {(n.recipient.username, n.channel) for n in told} == {
        ("vet_leader", "inapp"),
        ("vet_leader", "email"),
        ("vet_handler", "inapp"),
        ("vet_handler", "email"),
    }
    assert {"vet_leader@example.org", "vet_handler@example.org"} <= {
        to for m in mail.outbox if "大湾村" in m.subject for to in m.to
    }


def test_two_reports_do_not_alarm(report, people, villages):
    report(START)
    report(START + timedelta(hours=5))
    assert cluster_alarms() == []
    assert AppealArea.objects.filter(area=villages["dawan"]).count() == 2


def test_three_reports_spread_over_four_days_do_not_alarm(report, people, villages):
    for hours in (0, 48, 96):
        report(START + timedelta(hours=hours))
    assert cluster_alarms() == []


def test_reports_in_different_villages_do_not_make_a_cluster(report, people, villages):
    report(START)
    report(START + timedelta(hours=1), address="桥头镇石桥村")
    report(START + timedelta(hours=2))
    assert cluster_alarms() == []


def test_a_fourth_report_updates_the_same_alarm(report, people, villages):
    for hours in (0, 10, 20):
        report(START + timedelta(hours=hours))
    [alarm] = cluster_alarms()
    before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    fourth = report(START + timedelta(hours=30))
    [same] = cluster_alarms()
    assert same.pk == alarm.pk and same.count == 4
    assert fourth.pk in {m.appeal_id for m in same.members.all()}
    assert AuditEvent.objects.filter(action="alarm_update", object_id=str(alarm.pk)).count() == 1
    # No second alert for the same cluster (the report itself reaches the unit as usual).
    assert not Notification.objects.filter(pk__gt=before, link__startswith="/insight/").exists()


def test_uncategorised_reports_count_by_keywords(report, people, villages, settings):
    settings.CATEGORY_SUGGESTER = ""
    report(START, category=None, title="死鸡问题", content="村口扔了很多死鸡，怀疑禽流感")
    report(START + timedelta(hours=3))
    report(START + timedelta(hours=6), category=None, title="路灯坏了", content="村口路灯坏了")
    assert cluster_alarms() == []  # the street-light appeal is no animal report
    report(START + timedelta(hours=9))
    [alarm] = cluster_alarms()
    assert alarm.count == 3


def test_a_closed_cluster_needs_new_reports_to_alarm_again(report, people, villages):
    for hours in (0, 1, 2):
        report(START + timedelta(hours=hours))
    [alarm] = cluster_alarms()
    with clock.at(START + timedelta(hours=2, minutes=30)):
        services.alarm_close(alarm=alarm, actor=people["vet_leader"], note="已处置")
    report(START + timedelta(hours=3))  # the old three do not count again
    assert Alarm.objects.filter(status__in=Alarm.ACTIVE).count() == 0
    report(START + timedelta(hours=4))
    report(START + timedelta(hours=5))
    [new] = Alarm.objects.filter(status__in=Alarm.ACTIVE)
    assert new.pk != alarm.pk and new.count == 3


# --- the rise rule ---------------------------------------------------------------------------


def _series(start: date, counts: list[int]) -> dict[date, int]:
    return {start + timedelta(days=i): n for i, n in enumerate(counts) if n}


def test_a_clear_rise_alarms():
    start = date(2025, 1, 1)
    counts = [1 if i % 3 == 0 else 0 for i in range(56)] + [2, 3, 2, 4, 3, 2, 3]  # ~0.33 → 2.7/day
    rise = warning.rise_check(_series(start, counts), day=start + timedelta(days=62))
    assert rise is not None
    assert rise.count == 19 and rise.baseline_count == 19
    assert rise.expected == pytest.approx(19 * 7 / 56)
    assert rise.p_value < warning.RISE_ALPHA
    assert rise.window_start == start + timedelta(days=56)


def test_a_stable_series_does_not_alarm():
    start = date(2025, 1, 1)
    counts = [2, 3, 1, 2, 4, 2, 1] * 9  # the same week over and over
    for offset in range(56, 63):
        assert (
            warning.rise_check(_series(start, counts), day=start + timedelta(days=offset)) is None
        )


def test_a_few_reports_where_there_were_none_do_not_alarm():
    start = date(2025, 1, 1)
    assert (
        warning.rise_check(
            _series(start, [0] * 56 + [1, 0, 1, 0, 0, 1, 0]), day=start + timedelta(days=62)
        )
        is None
    )


def test_the_p_value_falls_as_the_recent_count_grows():
    ps = [warning.rise_pvalue(k, 10, recent_days=7, baseline_days=56) for k in range(0, 12)]
    assert ps[0] == 1.0
    assert all(a > b for a, b in zip(ps[1:], ps[2:], strict=False))


def test_area_is_the_finest_place_named_in_the_address_then_the_text_then_the_unit():
    places = [
        warning.Place(1, "桥头镇", "town"),
        warning.Place(2, "大湾村", "village", "桥头镇"),
        warning.Place(3, "大湾村", "village", "果园镇"),
        warning.Place(4, "东城街道", "street"),
    ]
    assert warning.derive_area(address="桥头镇大湾村3组", text="", places=places) == (2, "address")
    assert warning.derive_area(address="", text="东城街道某小区", places=places) == (4, "content")
    assert warning.derive_area(
        address="某路", text="无地名", places=places, unit=warning.Place(4, "东城街道", "street")
    ) == (4, "unit")
    assert warning.derive_area(
        address="某路",
        text="无地名",
        places=places,
        unit=warning.Place(9, "畜牧兽医局", "department"),
    ) == (None, "none")


def test_animal_reports_by_category_or_keywords():
    assert warning.is_animal_report(category_code="animal-epidemic", text="") == "animal-epidemic"
    assert warning.is_animal_report(category_code="env-noise", text="死猪") is None
    assert warning.is_animal_report(category_code=None, text="发现非洲猪瘟") == "animal-epidemic"
    assert warning.is_animal_report(category_code=None, text="楼道灯坏了") is None


# --- the scan command ------------------------------------------------------------------------


def _noise(at: datetime):
    appeal, _ = appeal_services.appeal_submit(
        title="广场舞噪音",
        content="东湖社区广场舞音响太吵",
        address="东城街道东湖社区",
        category="env-noise",
        created_at=at,
    )
    return appeal


def test_the_scan_command_raises_a_rise_alarm_once(people, categories, district):
    scan_at = datetime(2025, 3, 31, 9, 0, tzinfo=LOCAL)
    for week in range(1, 9):  # one report a week in the baseline
        _noise(scan_at - timedelta(days=7 * week))
    for hours in range(0, 60, 6):  # ten in the last three days
        _noise(scan_at - timedelta(hours=hours + 1))
    call_command("warning_scan", "--at", "2025-03-31T09:00")
    [alarm] = Alarm.objects.all()
    assert alarm.kind == Alarm.Kind.RISE and alarm.area == district["community"]
    assert alarm.count == 10 and alarm.baseline_count == 8
    assert alarm.members.count() == 10
    call_command("warning_scan", "--at", "2025-03-31T10:00")  # the next hour: nothing new
    assert Alarm.objects.count() == 1
    _noise(scan_at + timedelta(minutes=30))
    call_command("warning_scan", "--at", "2025-03-31T11:00")
    [alarm] = Alarm.objects.all()
    assert alarm.count == 11


def test_a_rise_spread_over_villages_alarms_at_their_town(report, people, villages):
    """Three reports in each of two villages (too few for either) rise at their town."""
    scan_at = datetime(2025, 3, 31, 9, 0, tzinfo=LOCAL)
    river = {
        "category": "noise",
        "title": "河水发黑发臭",
        "content": "上游工厂往河里排污水，鱼都死了。",
    }
    report(scan_at - timedelta(days=30), address="桥头镇", **river)  # the baseline: one report
    for village in ("大湾村", "石桥村"):
        for hours in (5, 30, 55):
            report(scan_at - timedelta(hours=hours), address=f"桥头镇{village}", **river)
    summary = services.warning_rise_scan(at=scan_at)
    [alarm] = Alarm.objects.filter(kind=Alarm.Kind.RISE)
    assert alarm.area == villages["town"] and summary["raised"] == 1
    assert alarm.count == 6 and alarm.baseline_count == 1
    assert {m.appeal.warning_area.area for m in alarm.members.all()} == {
        villages["dawan"],
        villages["shiqiao"],
    }


def test_a_rise_in_one_village_alarms_there_and_not_again_at_its_town(report, people, villages):
    scan_at = datetime(2025, 3, 31, 9, 0, tzinfo=LOCAL)
    river = {"category": "noise", "title": "河水发黑发臭", "content": "上游工厂往河里排污水。"}
    for hours in range(5, 65, 10):
        report(scan_at - timedelta(hours=hours), address="桥头镇大湾村", **river)
    services.warning_rise_scan(at=scan_at)
    [alarm] = Alarm.objects.filter(kind=Alarm.Kind.RISE)
    assert alarm.area == villages["dawan"] and alarm.count == 6


def test_the_scan_command_stays_quiet_on_a_stable_series(people, categories):
    scan_at = datetime(2025, 3, 31, 9, 0, tzinfo=LOCAL)
    for day in range(63):
        if day % 2 == 0:
            _noise(scan_at - timedelta(days=day, hours=2))
    call_command("warning_scan", "--at", scan_at.isoformat())
    assert not Alarm.objects.exists()


def test_the_scan_command_rejects_a_bad_date():
    with pytest.raises(CommandError, match="ISO"):
        call_command("warning_scan", "--at", "yesterday")


# --- the alarm lifecycle ---------------------------------------------------------------------


@pytest.fixture
def alarm(report, people, villages):
    for hours in (0, 1, 2):
        report(START + timedelta(hours=hours))
    return Alarm.objects.get()


def test_acknowledge_then_close(alarm, people):
    alarm = services.alarm_acknowledge(alarm=alarm, actor=people["vet_leader"], note="已派人核查")
    assert alarm.status == Alarm.Status.ACKNOWLEDGED
    assert alarm.acknowledged_by == people["vet_leader"] and alarm.acknowledged_at
    alarm = services.alarm_close(alarm=alarm, actor=people["dispatcher"], note="排除疫情")
    assert alarm.status == Alarm.Status.CLOSED and alarm.closed_at
    assert "排除疫情" in alarm.note
    actions = list(
        AuditEvent.objects.filter(object_type="insight.alarm", object_id=str(alarm.pk)).values_list(
            "action", "from_state", "to_state"
        )
    )
    assert actions[-2:] == [
        ("alarm_acknowledge", "open", "acknowledged"),
        ("alarm_close", "acknowledged", "closed"),
    ]


def test_wrong_transitions_are_409(alarm, people):
    services.alarm_close(alarm=alarm, actor=people["dispatcher"])
    with pytest.raises(InvalidTransition) as closed:
        services.alarm_close(alarm=alarm, actor=people["dispatcher"])
    assert closed.value.code == "alarm_closed" and closed.value.status == 409
    with pytest.raises(InvalidTransition) as acked:
        services.alarm_acknowledge(alarm=alarm, actor=people["dispatcher"])
    assert acked.value.code == "alarm_not_open" and acked.value.status == 409


def test_only_people_who_see_an_alarm_may_handle_it(alarm, people):
    with pytest.raises(PermissionDenied):
        services.alarm_acknowledge(alarm=alarm, actor=people["env_handler"])


def test_the_page_buttons_acknowledge_and_answer_409_on_a_stale_one(client, alarm, people):
    client.force_login(people["vet_leader"])
    url = reverse("insight:alarm-act", args=[alarm.pk, "acknowledge"])
    response = client.post(url, {"note": "收到"})
    assert response.status_code == 302
    alarm.refresh_from_db()
    assert alarm.status == Alarm.Status.ACKNOWLEDGED and alarm.note == "收到"
    again = client.post(url)
    assert again.status_code == 409
    close = client.post(reverse("insight:alarm-act", args=[alarm.pk, "close"]))
    assert close.status_code == 302
    alarm.refresh_from_db()
    assert alarm.status == Alarm.Status.CLOSED


# --- the page --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["dispatcher", "supervisor", "admin", "vet_leader"])
def test_the_page_lists_the_alarm_with_its_appeals(client, alarm, people, who):
    client.force_login(people[who])
    response = client.get(reverse("insight:alarms"))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="alarm-{alarm.pk}"' in body
    for member in alarm.members.select_related("appeal"):
        assert reverse("appeals:detail", args=[member.appeal.tracking_number]) in body


def test_the_alerted_units_handler_reads_the_alarm_but_leaves_acting_to_the_leader(
    client, alarm, people
):
    """The cluster alert goes to 畜牧兽医局's handlers too: its link must open for them."""
    client.force_login(people["vet_handler"])
    page = client.get(reverse("insight:alarms"))
    assert page.status_code == 200 and f'id="alarm-{alarm.pk}"' in page.content.decode()
    assert reverse("insight:alarm-act", args=[alarm.pk, "close"]) not in page.content.decode()
    act = client.post(reverse("insight:alarm-act", args=[alarm.pk, "close"]))
    assert act.status_code == 403
    alarm.refresh_from_db()
    assert alarm.status == Alarm.Status.OPEN


@pytest.mark.parametrize("who", ["env_handler", "street_handler", "inspector", "citizen"])
def test_the_page_is_forbidden_to_other_roles(client, alarm, people, who):
    client.force_login(people[who])
    assert client.get(reverse("insight:alarms")).status_code == 403
    act = client.post(reverse("insight:alarm-act", args=[alarm.pk, "close"]))
    assert act.status_code == 403
    alarm.refresh_from_db()
    assert alarm.status == Alarm.Status.OPEN


def test_another_units_leader_sees_the_page_but_not_the_vet_alarm(client, alarm, district):
    env_leader = make_user("env_leader", Role.LEADER, district["env"])
    client.force_login(env_leader)
    response = client.get(reverse("insight:alarms"))
    assert response.status_code == 200
    assert f'id="alarm-{alarm.pk}"' not in response.content.decode()
    act = client.post(reverse("insight:alarm-act", args=[alarm.pk, "close"]))
    assert act.status_code == 404


def test_a_town_leader_sees_the_alarms_of_its_villages(client, alarm, villages):
    leader = make_user("town_leader", Role.LEADER, villages["town"])
    client.force_login(leader)
    assert f'id="alarm-{alarm.pk}"' in client.get(reverse("insight:alarms")).content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("insight:alarms"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_demo_district_looks_like_an_ordinary_day(demo):
    """The demo once crowded its open work into the last days: every category rose at once and
    16 "significant rise" alarms greeted the first visitor. Appeals now arrive evenly; the only
    alarms are the village with three dead-pig reports and a farm visit that found sick pigs
    (the outreach demo): a cluster, and, four reports in a week where there were none, a
    rise of the same village. No other place or category rises."""
    from lianxin.appeals.models import Appeal
    from lianxin.insight.services import warning_rise_scan
    from lianxin.insight.tasks import analyse_new_appeals

    while analyse_new_appeals():
        pass
    warning_rise_scan()
    alarms = sorted(Alarm.objects.values_list("kind", "area__name"))
    assert alarms == [(Alarm.Kind.CLUSTER, "大湾村"), (Alarm.Kind.RISE, "大湾村")]

    now = clock.now()
    replayed = Appeal.objects.exclude(source_ref__startswith="hot:").exclude(
        source_ref__startswith="demo-cluster:"
    )
    last_week = replayed.filter(created_at__gte=now - timedelta(days=7)).count()
    weeks_before = replayed.filter(
        created_at__gte=now - timedelta(days=63), created_at__lt=now - timedelta(days=7)
    ).count()
    assert last_week <= 2 * weeks_before / 8 + 2, (last_week, weeks_before)
