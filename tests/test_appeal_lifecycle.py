"""The appeal lifecycle as services (lianxin.appeals.services): intake, clocks, every
transition, its audit event, its notifications, and the overdue scan."""

import re
from datetime import datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from lianxin.appeals import services
from lianxin.appeals.models import (
    Appeal,
    Category,
    Extension,
    FollowUp,
    Satisfaction,
    Status,
    Track,
)
from lianxin.appeals.services import ACTION_PERMS
from lianxin.appeals.tasks import scan_overdue
from lianxin.core.calendar import LOCAL
from lianxin.core.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from lianxin.core.models import AuditEvent, Notification
from lianxin.core.queue import work_pending

from .appeals_helpers import (  # noqa: F401 - fast_passwords is an autouse fixture
    CONTACT,
    GOOD_REPLY,
    MONDAY_10,
    appeal_in,
    events_of,
    fast_passwords,
    fresh,
    submit,
    walk,
)

pytestmark = pytest.mark.django_db


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=LOCAL)


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


# --- Intake -------------------------------------------------------------------------------


def test_anonymous_submit_gets_a_dated_tracking_number_and_a_derived_query_code(monday, district):
    appeal = submit()
    appeal.refresh_from_db()
    assert appeal.status == Status.SUBMITTED
    assert re.fullmatch(r"20250303\d{7}", appeal.tracking_number)
    assert (appeal.contact_name, appeal.contact_phone, appeal.contact_email) == ("", "", "")
    assert appeal.submitted_by is None
    assert appeal.unit is None
    assert appeal.version == 1
    code = services.query_code_for(appeal.tracking_number)
    assert re.fullmatch(r"\d{6}", code)
    assert services.query_code_for(appeal.tracking_number) == code  # derived, not random
    assert services.query_code_matches(appeal, code)
    assert not services.query_code_matches(appeal, f"{(int(code) + 1) % 1_000_000:06d}")
    assert not services.query_code_matches(appeal, "")


def test_the_tracking_number_carries_the_local_date(district):
    # 07:00 in Beijing is still the previous day in UTC.
    with time_machine.travel(local(3, 3, 7), tick=False):
        appeal = submit()
    assert appeal.tracking_number.startswith("20250303")


def test_query_codes_differ_between_appeals(district):
    codes = {services.query_code_for(submit().tracking_number) for _ in range(5)}
    assert len(codes) == 5


def test_submit_with_contact_keeps_it_and_normalises_the_phone(district, people):
    appeal = submit(
        contact_name=" 张三 ",
        contact_phone="138 1234 5678",
        contact_email="zhangsan@example.net",
        address="东湖社区3栋",
        submitted_by=people["citizen"],
    )
    appeal.refresh_from_db()
    assert appeal.contact_name == "张三"
    assert appeal.contact_phone == "13812345678"
    assert appeal.contact_email == "zhangsan@example.net"
    assert appeal.address == "东湖社区3栋"
    assert appeal.submitted_by == people["citizen"]


def test_submit_writes_one_audit_event_without_personal_data(district):
    appeal = submit(**CONTACT)
    (event,) = events_of(appeal)
    assert (event.action, event.from_state, event.to_state) == ("submit", "", Status.SUBMITTED)
    assert event.actor is None
    assert "13812345678" not in str(event.data) and "张三" not in str(event.data)


@pytest.mark.parametrize(
    ("urgency", "contact", "handling"),
    [
        # Emergencies and urgent appeals run on the wall clock.
        ("emergency", local(3, 3, 10, 30), local(3, 3, 12)),
        ("urgent", local(3, 3, 12), local(3, 4, 10)),
        # Ordinary: 8 working hours to contact, 7 working days to handle.
        ("ordinary", local(3, 4, 10), local(3, 12, 17)),
        # Complex: 15 working days, across two weekends.
        ("complex", local(3, 4, 10), local(3, 24, 17)),
    ],
)
def test_deadlines_follow_urgency(monday, district, urgency, contact, handling):
    appeal = fresh(submit(urgency=urgency))
    assert appeal.contact_deadline == contact
    assert appeal.handling_deadline == handling


def test_a_category_time_limit_replaces_the_ordinary_default(monday, district, categories):
    Category.objects.create(code="roads", name="道路", handling_days=3, contact_hours=4)
    noise = fresh(submit(category="env-noise"))  # no limits of its own: the defaults
    roads = fresh(submit(category="roads"))
    assert (noise.contact_deadline, noise.handling_deadline) == (local(3, 4, 10), local(3, 12, 17))
    assert (roads.contact_deadline, roads.handling_deadline) == (local(3, 3, 14), local(3, 6, 17))
    assert roads.category.code == "roads"


def test_animal_epidemic_is_dispatched_to_the_vet_unit_automatically(
    monday, people, categories, district
):
    appeal = fresh(submit(category="animal-epidemic", title="村里死了好几头猪"))
    assert appeal.status == Status.DISPATCHED
    assert appeal.unit == district["vet"]
    assert appeal.dispatched_at == MONDAY_10
    # The category's own clocks: 2 working hours to contact, 1 working day to handle.
    assert appeal.contact_deadline == local(3, 3, 12)
    assert appeal.handling_deadline == local(3, 4, 17)
    submit_event, dispatch_event = events_of(appeal)
    assert (submit_event.action, submit_event.to_state) == ("submit", Status.SUBMITTED)
    assert (dispatch_event.action, dispatch_event.from_state, dispatch_event.to_state) == (
        "dispatch",
        Status.SUBMITTED,
        Status.DISPATCHED,
    )
    assert dispatch_event.actor_label == "auto"
    assert dispatch_event.data["auto"] is True
    assert dispatch_event.data["unit_id"] == district["vet"].pk
    told = Notification.objects.filter(channel="inapp", link=f"/appeals/{appeal.tracking_number}/")
    assert {n.recipient for n in told} == {people["vet_handler"]}


def test_a_category_without_auto_dispatch_waits_for_a_dispatcher(district, categories):
    appeal = fresh(submit(category="env-noise"))
    assert appeal.status == Status.SUBMITTED
    assert appeal.unit is None


@pytest.mark.parametrize("urgency", ["emergency", "ordinary"])
def test_xinfang_track_runs_on_the_statutory_clocks(monday, district, urgency):
    appeal = fresh(submit(track=Track.XINFANG, urgency=urgency))
    # Acceptance notice within 15 days: 18 March.
    assert appeal.contact_deadline == local(3, 18, 17)
    # Handling within 60 days: 2 May falls in the Labour Day holiday, so the period ends on
    # the next working day, 6 May.
    assert appeal.handling_deadline == local(5, 6, 17)


def test_an_idempotency_key_returns_the_same_appeal_and_writes_nothing_more(district):
    first, created = services.appeal_submit(title="噪音", content="夜里施工", idempotency_key="k-1")
    again, created_again = services.appeal_submit(
        title="噪音", content="夜里施工", idempotency_key="k-1"
    )
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Appeal.objects.count() == 1
    assert AuditEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "标" * 201}, "title"),
        ({"content": "字" * 5001}, "content"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"contact_email": "not-an-email"}, "contact_email"),
        ({"category": "no-such-category"}, "category"),
        ({"urgency": "whenever"}, "urgency"),
        ({"track": "rumour"}, "track"),
    ],
)
def test_invalid_intake_is_refused_and_writes_nothing(district, categories, fields, field):
    values = {"title": "楼道灯坏了", "content": "灯坏了", **fields}
    with pytest.raises(InvalidInput) as excinfo:
        services.appeal_submit(**values)
    assert field in excinfo.value.fields
    assert Appeal.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_title_and_content_at_their_limits_are_accepted(district):
    appeal = fresh(submit(title="标" * 200, content="字" * 5000))
    assert len(appeal.title) == 200 and len(appeal.content) == 5000


def test_markup_is_kept_as_text_and_control_characters_are_dropped(district):
    appeal = fresh(submit(title="<script>alert(1)</script>\x00", content="<b>a</b>\u200bb"))
    assert appeal.title == "<script>alert(1)</script>"
    assert appeal.content == "<b>a</b>b"


# --- Dispatch and handling ----------------------------------------------------------------


def test_dispatch_sends_the_appeal_to_a_unit_and_tells_its_handlers(monday, district, people):
    appeal = submit()
    dispatched = services.appeal_dispatch(
        appeal=appeal, unit=district["vet"], actor=people["dispatcher"], version=1
    )
    appeal = fresh(appeal)
    assert appeal.status == Status.DISPATCHED
    assert appeal.unit == district["vet"]
    assert appeal.dispatched_at == MONDAY_10
    assert appeal.version == 2 == dispatched.version
    event = events_of(appeal)[-1]
    assert (event.action, event.from_state, event.to_state) == (
        "dispatch",
        Status.SUBMITTED,
        Status.DISPATCHED,
    )
    assert event.actor == people["dispatcher"]
    assert event.data["unit"] == district["vet"].name
    told = Notification.objects.filter(channel="inapp")
    assert {n.recipient for n in told} == {people["vet_handler"]}


def test_dispatch_with_a_new_category_recomputes_the_deadlines(
    monday, district, people, categories
):
    appeal = submit(urgency="ordinary")
    Category.objects.create(code="roads", name="道路", handling_days=3)
    services.appeal_dispatch(
        appeal=appeal,
        unit=district["env"],
        actor=people["dispatcher"],
        category=Category.objects.get(code="roads"),
    )
    appeal = fresh(appeal)
    assert appeal.category.code == "roads"
    assert appeal.handling_deadline == local(3, 6, 17)


def test_dispatch_to_an_inactive_unit_is_refused(district, people):
    appeal = submit()
    district["env"].is_active = False
    district["env"].save()
    with pytest.raises(InvalidInput):
        services.appeal_dispatch(appeal=appeal, unit=district["env"], actor=people["dispatcher"])
    assert fresh(appeal).status == Status.SUBMITTED
    assert len(events_of(appeal)) == 1


def test_accept_starts_the_handling(monday, district, people):
    appeal = appeal_in(Status.DISPATCHED, people, district)
    services.appeal_accept(appeal=appeal, actor=people["vet_handler"], version=appeal.version)
    appeal = fresh(appeal)
    assert appeal.status == Status.HANDLING
    assert appeal.accepted_at == MONDAY_10
    event = events_of(appeal)[-1]
    assert (event.action, event.from_state, event.to_state) == (
        "accept",
        Status.DISPATCHED,
        Status.HANDLING,
    )
    assert event.actor == people["vet_handler"]


def test_return_sends_the_appeal_back_to_the_dispatcher(district, people):
    appeal = appeal_in(Status.DISPATCHED, people, district)
    services.appeal_co_handle(appeal=appeal, units=[district["env"]], actor=people["dispatcher"])
    services.appeal_return(appeal=appeal, actor=people["vet_handler"], reason="不属本单位职责")
    appeal = fresh(appeal)
    assert appeal.status == Status.SUBMITTED
    assert appeal.unit is None
    assert appeal.return_count == 1
    assert list(appeal.co_units.all()) == []
    event = events_of(appeal)[-1]
    assert (event.action, event.from_state, event.to_state) == (
        "return",
        Status.DISPATCHED,
        Status.SUBMITTED,
    )
    assert event.reason == "不属本单位职责"
    assert event.data["unit_id"] == district["vet"].pk
    # It can be dispatched again, and returned again.
    walk(appeal, Status.DISPATCHED, people, district)
    services.appeal_return(appeal=appeal, actor=people["vet_handler"], reason="仍不属本单位")
    assert fresh(appeal).return_count == 2


def test_return_needs_a_reason(district, people):
    appeal = appeal_in(Status.DISPATCHED, people, district)
    with pytest.raises(InvalidInput):
        services.appeal_return(appeal=appeal, actor=people["vet_handler"], reason="  ")
    assert fresh(appeal).status == Status.DISPATCHED


def test_transfer_moves_the_appeal_to_another_unit(district, people):
    appeal = appeal_in(Status.HANDLING, people, district)
    services.appeal_transfer(
        appeal=appeal, unit=district["env"], actor=people["dispatcher"], reason="属环保职责"
    )
    appeal = fresh(appeal)
    assert appeal.status == Status.DISPATCHED
    assert appeal.unit == district["env"]
    event = events_of(appeal)[-1]
    assert (event.action, event.from_state, event.to_state) == (
        "transfer",
        Status.HANDLING,
        Status.DISPATCHED,
    )
    assert event.data["from_unit"] == district["vet"].name
    told = Notification.objects.filter(channel="inapp", recipient=people["env_handler"])
    assert told.count() == 1


def test_transfer_to_the_same_unit_is_refused(district, people):
    appeal = appeal_in(Status.DISPATCHED, people, district)
    with pytest.raises(InvalidInput):
        services.appeal_transfer(
            appeal=appeal, unit=district["vet"], actor=people["dispatcher"], reason="x"
        )


def test_co_handle_adds_units_and_keeps_the_state(district, people):
    appeal = appeal_in(Status.HANDLING, people, district)
    services.appeal_co_handle(
        appeal=appeal, units=[district["env"], district["vet"]], actor=people["vet_handler"]
    )
    appeal = fresh(appeal)
    assert appeal.status == Status.HANDLING
    assert list(appeal.co_units.all()) == [district["env"]]  # its own unit is not a co-unit
    event = events_of(appeal)[-1]
    assert (event.action, event.from_state, event.to_state) == (
        "co_handle",
        Status.HANDLING,
        Status.HANDLING,
    )
    assert (
        Notification.objects.filter(channel="inapp", recipient=people["env_handler"]).count() == 1
    )


def test_co_handle_with_only_the_own_unit_is_refused(district, people):
    appeal = appeal_in(Status.HANDLING, people, district)
    with pytest.raises(InvalidInput):
        services.appeal_co_handle(
            appeal=appeal, units=[district["vet"]], actor=people["vet_handler"]
        )


# --- Extensions ---------------------------------------------------------------------------


def test_approved_extension_moves_the_deadline_by_working_days(monday, district, people):
    appeal = appeal_in(Status.HANDLING, people, district)
    assert appeal.handling_deadline == local(3, 12, 17)  # Wednesday
    extension = services.extension_request(
        appeal=appeal, actor=people["vet_handler"], days=3, reason="需要现场检测"
    )
    assert extension.decision == Extension.Decision.PENDING
    assert events_of(appeal)[-1].action == "extension_request"
    services.extension_decide(appeal=appeal, actor=people["supervisor"], approve=True)
    appeal = fresh(appeal)
    # Thursday, Friday, then Monday: the weekend does not count.
    assert appeal.handling_deadline == local(3, 17, 17)
    assert appeal.status == Status.HANDLING
    extension.refresh_from_db()
    assert extension.decision == Extension.Decision.APPROVED
    assert extension.decided_by == people["supervisor"]
    event = events_of(appeal)[-1]
    assert (event.action, event.from_state, event.to_state) == (
        "extension_approve",
        Status.HANDLING,
        Status.HANDLING,
    )


def test_rejected_extension_keeps_the_deadline_and_a_new_request_is_possible(
    monday, district, people
):
    appeal = appeal_in(Status.HANDLING, people, district)
    services.extension_request(appeal=appeal, actor=people["vet_handler"], days=3, reason="忙")
    services.extension_decide(
        appeal=appeal, actor=people["dispatcher"], approve=False, reason="理由不足"
    )
    appeal = fresh(appeal)
    assert appeal.handling_deadline == local(3, 12, 17)
    assert events_of(appeal)[-1].action == "extension_reject"
    assert appeal.extensions.get().decision == Extension.Decision.REJECTED
    services.extension_request(appeal=appeal, actor=people["vet_handler"], days=2, reason="需检测")
    assert appeal.extensions.filter(decision=Extension.Decision.PENDING).count() == 1


def test_an_appeal_is_extended_only_once(district, people):
    appeal = appeal_in(Status.HANDLING, people, district)
    services.extension_request(appeal=appeal, actor=people["vet_handler"], days=3, reason="a")
    with pytest.raises(InvalidTransition):  # one is pending
        services.extension_request(appeal=appeal, actor=people["vet_handler"], days=3, reason="b")
    services.extension_decide(appeal=appeal, actor=people["supervisor"], approve=True)
    with pytest.raises(InvalidTransition):  # one was approved
        services.extension_request(appeal=appeal, actor=people["vet_handler"], days=3, reason="c")
    assert Extension.objects.filter(appeal=appeal).count() == 1


@pytest.mark.parametrize("days", [0, -1, 31, "many"])
def test_extension_days_out_of_range_are_refused(district, people, days):
    appeal = appeal_in(Status.HANDLING, people, district)
    with pytest.raises(InvalidInput):
        services.extension_request(
            appeal=appeal, actor=people["vet_handler"], days=days, reason="x"
        )
    assert not Extension.objects.exists()


def test_deciding_without_a_pending_request_is_an_invalid_transition(district, people):
    appeal = appeal_in(Status.HANDLING, people, district)
    with pytest.raises(InvalidTransition):
        services.extension_decide(appeal=appeal, actor=people["supervisor"], approve=True)


# --- Reply and follow-up ------------------------------------------------------------------


def test_reply_tells_the_citizen_by_sms_and_email_after_commit(
    district, people, django_capture_on_commit_callbacks
):
    appeal = appeal_in(Status.HANDLING, people, district, **CONTACT)
    Notification.objects.all().delete()  # the handlers' notices of the dispatch: not this test's
    mail.outbox.clear()
    with django_capture_on_commit_callbacks() as callbacks:
        services.appeal_reply(appeal=appeal, actor=people["vet_handler"], text=GOOD_REPLY)
        # Queued, not sent, while the transaction is open.
        sms = Notification.objects.get(channel="sms", address="13812345678")
        email = Notification.objects.get(channel="email", address="zhangsan@example.net")
        assert sms.status == email.status == Notification.Status.PENDING
        assert mail.outbox == []
    assert callbacks  # delivery waits for the commit
    for callback in callbacks:
        callback()
    work_pending()  # the worker: a Celery task with a broker, run_schedule without
    sms.refresh_from_db()
    email.refresh_from_db()
    assert sms.status == email.status == Notification.Status.SENT
    assert appeal.tracking_number in sms.subject
    assert [m.to for m in mail.outbox] == [["zhangsan@example.net"]]
    assert appeal.tracking_number in mail.outbox[0].subject
    appeal = fresh(appeal)
    assert appeal.status == Status.REPLIED
    assert appeal.reply == GOOD_REPLY
    event = events_of(appeal)[-1]
    assert (event.action, event.from_state, event.to_state) == (
        "reply",
        Status.HANDLING,
        Status.REPLIED,
    )


def test_reply_to_an_anonymous_appeal_notifies_no_citizen(
    district, people, django_capture_on_commit_callbacks
):
    appeal = appeal_in(Status.HANDLING, people, district)
    with django_capture_on_commit_callbacks(execute=True):
        services.appeal_reply(appeal=appeal, actor=people["vet_handler"], text="已处理。")
    assert not Notification.objects.filter(channel="sms").exists()
    assert not Notification.objects.filter(channel="email", recipient__isnull=True).exists()


def test_reply_needs_text(district, people):
    appeal = appeal_in(Status.HANDLING, people, district)
    with pytest.raises(InvalidInput):
        services.appeal_reply(appeal=appeal, actor=people["vet_handler"], text="")
    assert fresh(appeal).status == Status.HANDLING


def test_satisfied_follow_up_closes_the_appeal(monday, district, people):
    appeal = appeal_in(Status.REPLIED, people, district)
    services.appeal_follow_up(
        appeal=appeal,
        actor=people["dispatcher"],
        resolved=True,
        satisfaction=Satisfaction.SATISFIED,
        comment="很及时",
    )
    appeal = fresh(appeal)
    assert appeal.status == Status.CLOSED
    assert appeal.closed_at == MONDAY_10
    followup = FollowUp.objects.get(appeal=appeal)
    assert (followup.resolved, followup.satisfaction, followup.by) == (
        True,
        Satisfaction.SATISFIED,
        FollowUp.By.OPERATOR,
    )
    assert followup.operator == people["dispatcher"]
    assert followup.unit == district["vet"]
    event = events_of(appeal)[-1]
    assert (event.action, event.from_state, event.to_state) == (
        "followup",
        Status.REPLIED,
        Status.CLOSED,
    )


def test_a_citizen_follow_up_is_recorded_as_the_citizens(district, people):
    appeal = appeal_in(Status.REPLIED, people, district)
    services.appeal_follow_up(
        appeal=appeal, by_citizen=True, resolved=True, satisfaction=Satisfaction.BASIC
    )
    assert FollowUp.objects.get(appeal=appeal).by == FollowUp.By.CITIZEN
    event = events_of(appeal)[-1]
    assert (event.actor, event.actor_label) == (None, "citizen")


def test_dissatisfied_reopens_at_most_twice_then_closes(district, people):
    appeal = appeal_in(Status.REPLIED, people, district)
    for expected_reopens in (1, 2):
        services.appeal_follow_up(
            appeal=appeal,
            actor=people["dispatcher"],
            resolved=False,
            satisfaction=Satisfaction.DISSATISFIED,
        )
        appeal = fresh(appeal)
        assert appeal.status == Status.REOPENED
        assert appeal.reopen_count == expected_reopens
        assert appeal.unit == district["vet"]
        event = events_of(appeal)[-1]
        assert (event.action, event.from_state, event.to_state) == (
            "reopen",
            Status.REPLIED,
            Status.REOPENED,
        )
        walk(appeal, Status.REPLIED, people, district)
    services.appeal_follow_up(
        appeal=appeal,
        actor=people["dispatcher"],
        resolved=False,
        satisfaction=Satisfaction.DISSATISFIED,
    )
    appeal = fresh(appeal)
    assert appeal.status == Status.CLOSED
    assert appeal.reopen_count == 2
    assert FollowUp.objects.filter(appeal=appeal).count() == 3


def test_reopening_restarts_the_clocks_from_the_rating(district, people):
    with time_machine.travel(MONDAY_10, tick=False):
        appeal = appeal_in(Status.REPLIED, people, district)
    with time_machine.travel(local(3, 10, 10), tick=False):  # the next Monday
        services.appeal_follow_up(
            appeal=appeal,
            actor=people["dispatcher"],
            resolved=False,
            satisfaction=Satisfaction.DISSATISFIED,
        )
    appeal = fresh(appeal)
    assert appeal.contact_deadline == local(3, 11, 10)
    assert appeal.handling_deadline == local(3, 19, 17)


def test_a_follow_up_with_an_unknown_satisfaction_is_refused(district, people):
    appeal = appeal_in(Status.REPLIED, people, district)
    with pytest.raises(InvalidInput):
        services.appeal_follow_up(
            appeal=appeal, actor=people["dispatcher"], resolved=True, satisfaction="ecstatic"
        )
    assert fresh(appeal).status == Status.REPLIED
    assert not FollowUp.objects.exists()


def test_close_ends_a_replied_appeal_without_a_rating(district, people):
    appeal = appeal_in(Status.REPLIED, people, district)
    with pytest.raises(InvalidInput):
        services.appeal_close(appeal=appeal, actor=people["dispatcher"], reason="")
    services.appeal_close(appeal=appeal, actor=people["dispatcher"], reason="三次联系不上")
    appeal = fresh(appeal)
    assert appeal.status == Status.CLOSED
    assert appeal.closed_at is not None
    assert not FollowUp.objects.exists()
    event = events_of(appeal)[-1]
    assert (event.action, event.from_state, event.to_state, event.reason) == (
        "close",
        Status.REPLIED,
        Status.CLOSED,
        "三次联系不上",
    )


# --- Merge and withdraw -------------------------------------------------------------------


def test_merge_puts_a_duplicate_under_its_master(district, people):
    master = appeal_in(Status.HANDLING, people, district)
    duplicate = appeal_in(Status.DISPATCHED, people, district)
    services.appeal_merge(appeal=duplicate, master=master, actor=people["dispatcher"])
    duplicate = fresh(duplicate)
    assert duplicate.status == Status.MERGED
    assert duplicate.master == master
    assert duplicate.closed_at is not None
    assert fresh(master).status == Status.HANDLING
    event = events_of(duplicate)[-1]
    assert (event.action, event.from_state, event.to_state) == (
        "merge",
        Status.DISPATCHED,
        Status.MERGED,
    )
    assert event.data["master"] == master.tracking_number
    assert events_of(master)[-1].action == "accept"  # the master's history is untouched


def test_an_appeal_cannot_be_merged_into_itself(district, people):
    appeal = submit()
    with pytest.raises(InvalidInput):
        services.appeal_merge(appeal=appeal, master=appeal, actor=people["dispatcher"])
    assert fresh(appeal).status == Status.SUBMITTED


@pytest.mark.parametrize("master_state", [Status.MERGED, Status.WITHDRAWN])
def test_an_appeal_cannot_be_merged_into_a_merged_or_withdrawn_one(district, people, master_state):
    master = appeal_in(master_state, people, district)
    appeal = submit()
    with pytest.raises(InvalidTransition):
        services.appeal_merge(appeal=appeal, master=master, actor=people["dispatcher"])
    assert fresh(appeal).status == Status.SUBMITTED
    assert fresh(appeal).master is None


def test_withdraw_ends_an_open_appeal(district, people):
    appeal = appeal_in(Status.HANDLING, people, district)
    services.appeal_withdraw(appeal=appeal, actor=people["dispatcher"], reason="群众来电撤回")
    appeal = fresh(appeal)
    assert appeal.status == Status.WITHDRAWN
    assert appeal.closed_at is not None
    event = events_of(appeal)[-1]
    assert (event.action, event.from_state, event.to_state) == (
        "withdraw",
        Status.HANDLING,
        Status.WITHDRAWN,
    )


def test_a_citizen_can_withdraw_their_appeal(district):
    appeal = submit()
    services.appeal_withdraw(appeal=appeal, by_citizen=True)
    assert fresh(appeal).status == Status.WITHDRAWN
    assert events_of(appeal)[-1].actor_label == "citizen"


# --- Illegal transitions, permissions, conflicts ------------------------------------------

ALL_STATES = [
    Status.SUBMITTED,
    Status.DISPATCHED,
    Status.HANDLING,
    Status.REPLIED,
    Status.REOPENED,
    Status.CLOSED,
    Status.MERGED,
    Status.WITHDRAWN,
]
OPEN = [Status.SUBMITTED, Status.DISPATCHED, Status.HANDLING, Status.REOPENED]
# The lifecycle of ARCHITECTURE.md, written out independently of services.ALLOWED_FROM.
LEGAL_FROM = {
    "dispatch": [Status.SUBMITTED],
    "accept": [Status.DISPATCHED, Status.REOPENED],
    "return": [Status.DISPATCHED, Status.REOPENED],
    "transfer": [Status.DISPATCHED, Status.HANDLING, Status.REOPENED],
    "co_handle": [Status.DISPATCHED, Status.HANDLING, Status.REOPENED],
    "extension_request": [Status.HANDLING],
    "extension_decide": [Status.HANDLING],
    "reply": [Status.HANDLING],
    "followup": [Status.REPLIED],
    "close": [Status.REPLIED],
    "merge": OPEN,
    "withdraw": OPEN,
    "supervise": OPEN,
}


def run_action(action: str, appeal: Appeal, actor, district, version=None):
    """Call the service for `action` with valid arguments."""
    common = {"appeal": appeal, "actor": actor, "version": version}
    if action == "dispatch":
        return services.appeal_dispatch(**common, unit=district["env"])
    if action == "accept":
        return services.appeal_accept(**common)
    if action == "return":
        return services.appeal_return(**common, reason="不属本单位")
    if action == "transfer":
        return services.appeal_transfer(**common, unit=district["street"], reason="属街道")
    if action == "co_handle":
        return services.appeal_co_handle(**common, units=[district["street"]])
    if action == "extension_request":
        return services.extension_request(**common, days=2, reason="需检测")
    if action == "extension_decide":
        return services.extension_decide(**common, approve=True)
    if action == "reply":
        return services.appeal_reply(**common, text="已处理")
    if action == "followup":
        return services.appeal_follow_up(**common, resolved=True, satisfaction="satisfied")
    if action == "close":
        return services.appeal_close(**common, reason="联系不上")
    if action == "merge":
        return services.appeal_merge(**common, master=submit(title="主诉求"))
    if action == "withdraw":
        return services.appeal_withdraw(**common, reason="撤回")
    if action == "supervise":
        return services.appeal_supervise(**common, note="请加快办理")
    raise AssertionError(action)


ILLEGAL = [
    (action, state)
    for action, legal in LEGAL_FROM.items()
    for state in ALL_STATES
    if state not in legal
]
LEGAL = [(action, state) for action, legal in LEGAL_FROM.items() for state in legal]


UNIT_PERMS = {"appeals.handle_appeal", "appeals.review_reply"}


@pytest.mark.parametrize(("action", "state"), ILLEGAL)
def test_every_illegal_transition_raises_invalid_transition(district, people, chief, action, state):
    appeal = appeal_in(state, people, district)
    before = (appeal.status, appeal.version, len(events_of(appeal)))
    # The chief holds every role over the district: only the state can forbid the act...
    expected = InvalidTransition
    if appeal.unit_id is None and ACTION_PERMS[action] in UNIT_PERMS:
        # ...except handling an appeal no unit has: nobody may (a superuser no longer can).
        expected = PermissionDenied
    with pytest.raises(expected):
        run_action(action, appeal, chief, district)
    appeal = fresh(appeal)
    assert (appeal.status, appeal.version, len(events_of(appeal))) == before


@pytest.mark.parametrize(("action", "state"), LEGAL)
def test_every_legal_transition_appends_exactly_one_audit_event(
    district, people, chief, action, state
):
    appeal = appeal_in(state, people, district)
    if action == "extension_decide":
        services.extension_request(appeal=appeal, actor=people["vet_handler"], days=2, reason="x")
        appeal = fresh(appeal)
    before = len(events_of(appeal))
    run_action(action, appeal, chief, district, version=appeal.version)
    after = fresh(appeal)
    events = events_of(appeal)
    assert len(events) == before + 1
    assert (events[-1].from_state, events[-1].to_state) == (state, after.status)
    assert events[-1].actor == chief
    assert after.version == appeal.version + 1


@pytest.mark.parametrize(("action", "state"), LEGAL)
def test_a_stale_version_is_a_conflict_and_changes_nothing(district, people, chief, action, state):
    appeal = appeal_in(state, people, district)
    if action == "extension_decide":
        services.extension_request(appeal=appeal, actor=people["vet_handler"], days=2, reason="x")
        appeal = fresh(appeal)
    before = (appeal.status, appeal.version, len(events_of(appeal)))
    with pytest.raises(Conflict):
        run_action(action, appeal, chief, district, version=appeal.version - 1)
    appeal = fresh(appeal)
    assert (appeal.status, appeal.version, len(events_of(appeal))) == before


@pytest.mark.parametrize(
    ("action", "state", "who"),
    [
        ("dispatch", Status.SUBMITTED, "vet_handler"),
        ("accept", Status.DISPATCHED, "env_handler"),
        ("accept", Status.DISPATCHED, "dispatcher"),
        ("reply", Status.HANDLING, "supervisor"),
        ("followup", Status.REPLIED, "vet_handler"),
        ("supervise", Status.HANDLING, "dispatcher"),
        ("extension_decide", Status.HANDLING, "vet_handler"),
        ("withdraw", Status.HANDLING, "inspector"),
        ("close", Status.REPLIED, "citizen"),
    ],
)
def test_a_transition_by_the_wrong_person_is_denied(district, people, action, state, who):
    appeal = appeal_in(state, people, district)
    if action == "extension_decide":
        services.extension_request(appeal=appeal, actor=people["vet_handler"], days=2, reason="x")
    before = len(events_of(appeal))
    with pytest.raises(PermissionDenied):
        run_action(action, fresh(appeal), people[who], district)
    assert len(events_of(appeal)) == before


def test_a_full_lifecycle_leaves_a_verifiable_audit_log(district, people, categories):
    appeal = submit(category="env-noise", **CONTACT)
    steps = [
        lambda a: services.appeal_dispatch(
            appeal=a, unit=district["vet"], actor=people["dispatcher"], version=a.version
        ),
        lambda a: services.appeal_return(
            appeal=a, actor=people["vet_handler"], reason="非本单位", version=a.version
        ),
        lambda a: services.appeal_dispatch(
            appeal=a, unit=district["env"], actor=people["dispatcher"], version=a.version
        ),
        lambda a: services.appeal_transfer(
            appeal=a,
            unit=district["vet"],
            actor=people["dispatcher"],
            reason="转畜牧",
            version=a.version,
        ),
        lambda a: services.appeal_accept(appeal=a, actor=people["vet_handler"], version=a.version),
        lambda a: services.appeal_co_handle(
            appeal=a, units=[district["env"]], actor=people["vet_handler"], version=a.version
        ),
        lambda a: services.extension_request(
            appeal=a, actor=people["vet_handler"], days=2, reason="检测", version=a.version
        ),
        lambda a: services.extension_decide(
            appeal=a, actor=people["supervisor"], approve=True, version=a.version
        ),
        lambda a: services.appeal_supervise(
            appeal=a, actor=people["supervisor"], note="抓紧", version=a.version
        ),
        lambda a: services.appeal_reply(
            appeal=a, actor=people["vet_handler"], text=GOOD_REPLY, version=a.version
        ),
        lambda a: services.appeal_follow_up(
            appeal=a,
            actor=people["dispatcher"],
            resolved=False,
            satisfaction="dissatisfied",
            version=a.version,
        ),
        lambda a: services.appeal_accept(appeal=a, actor=people["vet_handler"], version=a.version),
        lambda a: services.appeal_reply(
            appeal=a, actor=people["vet_handler"], text=GOOD_REPLY, version=a.version
        ),
        lambda a: services.appeal_follow_up(
            appeal=a, by_citizen=True, resolved=True, satisfaction="satisfied", version=a.version
        ),
    ]
    expected = [
        ("dispatch", "submitted", "dispatched"),
        ("return", "dispatched", "submitted"),
        ("dispatch", "submitted", "dispatched"),
        ("transfer", "dispatched", "dispatched"),
        ("accept", "dispatched", "handling"),
        ("co_handle", "handling", "handling"),
        ("extension_request", "handling", "handling"),
        ("extension_approve", "handling", "handling"),
        ("supervise", "handling", "handling"),
        ("reply", "handling", "replied"),
        ("reopen", "replied", "reopened"),
        ("accept", "reopened", "handling"),
        ("reply", "handling", "replied"),
        ("followup", "replied", "closed"),
    ]
    for step, (action, from_state, to_state) in zip(steps, expected, strict=True):
        count = AuditEvent.objects.count()
        step(fresh(appeal))
        assert AuditEvent.objects.count() == count + 1
        event = AuditEvent.objects.order_by("-id").first()
        assert (event.action, event.from_state, event.to_state, event.object_id) == (
            action,
            from_state,
            to_state,
            str(appeal.pk),
        )
    assert fresh(appeal).status == Status.CLOSED
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().strip() == f"audit log intact: {1 + len(steps)} events"


# --- Overdue ------------------------------------------------------------------------------


def test_overdue_counts_the_contact_clock_until_accepted_and_the_handling_clock_after(
    district, people
):
    with time_machine.travel(MONDAY_10, tick=False):
        waiting = submit()  # contact by Tue 10:00, handling by Wed 12 March 17:00
        handling = appeal_in(Status.HANDLING, people, district)
        replied = appeal_in(Status.REPLIED, people, district)
        closed = appeal_in(Status.CLOSED, people, district)
    assert list(Appeal.objects.overdue(local(3, 4, 9, 59))) == []
    assert list(Appeal.objects.overdue(local(3, 4, 10, 1))) == [waiting]
    assert waiting.is_overdue(local(3, 4, 10, 1)) and not handling.is_overdue(local(3, 4, 10, 1))
    later = set(Appeal.objects.overdue(local(3, 12, 17, 1)))
    assert later == {waiting, handling}
    assert replied not in later and closed not in later


def test_scan_overdue_escalates_once_and_tells_the_leader_and_the_supervisor(
    district, people, django_capture_on_commit_callbacks
):
    with time_machine.travel(MONDAY_10, tick=False):
        late = appeal_in(Status.HANDLING, people, district)
        on_time = appeal_in(Status.HANDLING, people, district, urgency="complex")
    Notification.objects.all().delete()
    mail.outbox.clear()
    with time_machine.travel(local(3, 13, 9), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert scan_overdue() == 1
        work_pending()
        late = fresh(late)
        assert late.escalated_at == local(3, 13, 9)
        event = events_of(late)[-1]
        assert (event.action, event.actor, event.actor_label) == ("escalate", None, "system")
        assert (event.from_state, event.to_state) == (Status.HANDLING, Status.HANDLING)
        assert fresh(on_time).escalated_at is None
        told = Notification.objects.filter(channel="inapp")
        assert {n.recipient for n in told} == {people["vet_leader"], people["supervisor"]}
        assert all(late.tracking_number in n.subject for n in told)
        assert sorted(m.to[0] for m in mail.outbox) == [
            people["supervisor"].email,
            people["vet_leader"].email,
        ]
        # The next scan finds nothing new to escalate.
        events, notifications = AuditEvent.objects.count(), Notification.objects.count()
        with django_capture_on_commit_callbacks(execute=True):
            assert scan_overdue() == 0
        assert AuditEvent.objects.count() == events
        assert Notification.objects.count() == notifications
        assert len(mail.outbox) == 2


def test_an_approved_extension_clears_the_escalation(district, people):
    with time_machine.travel(MONDAY_10, tick=False):
        appeal = appeal_in(Status.HANDLING, people, district)
    with time_machine.travel(local(3, 13, 9), tick=False):
        assert scan_overdue() == 1
        services.extension_request(
            appeal=appeal, actor=people["vet_handler"], days=5, reason="检测"
        )
        services.extension_decide(appeal=appeal, actor=people["supervisor"], approve=True)
        appeal = fresh(appeal)
        assert appeal.escalated_at is None
        assert appeal.handling_deadline == local(3, 19, 17)
        assert not appeal.is_overdue()
        assert scan_overdue() == 0
    with time_machine.travel(local(3, 20, 9), tick=False):
        assert scan_overdue() == 1  # late again after the extended deadline


def test_escalation_skips_appeals_that_are_no_longer_overdue(district, people):
    with time_machine.travel(MONDAY_10, tick=False):
        appeal = appeal_in(Status.HANDLING, people, district)
    assert services.appeal_escalate_overdue(appeal=appeal.pk, now=local(3, 12, 16)) is None
    assert (
        services.appeal_escalate_overdue(appeal=appeal.pk, now=local(3, 12, 16) + timedelta(days=1))
        is not None
    )
    assert services.appeal_escalate_overdue(appeal=appeal.pk, now=local(3, 14, 9)) is None


def test_auto_dispatch_to_an_inactive_unit_leaves_the_appeal_for_a_dispatcher(district, categories):
    # A unit closed by an administrator must not make citizens' appeals in its category fail:
    # the appeal is taken in and waits for a dispatcher.
    district["vet"].is_active = False
    district["vet"].save()
    appeal, created = services.appeal_submit(
        title="村里死了好几头猪", content="请来看看", category="animal-epidemic"
    )
    assert created
    appeal = fresh(appeal)
    assert appeal.status == Status.SUBMITTED
    assert appeal.unit is None
    assert [e.action for e in events_of(appeal)] == ["submit"]


def test_a_xinfang_extension_counts_statutory_days_up_to_30(monday, district, people):
    appeal = appeal_in(Status.HANDLING, people, district, track=Track.XINFANG)
    assert appeal.handling_deadline == local(5, 6, 17)
    with pytest.raises(InvalidInput):
        services.extension_request(appeal=appeal, actor=people["vet_handler"], days=31, reason="x")
    services.extension_request(appeal=appeal, actor=people["vet_handler"], days=30, reason="复杂")
    services.extension_decide(appeal=appeal, actor=people["supervisor"], approve=True)
    # 30 calendar days after 6 May is Thursday 5 June, a working day.
    assert fresh(appeal).handling_deadline == local(6, 5, 17)
