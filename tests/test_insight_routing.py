"""The router at intake: confident suggestions dispatch at once, the rest wait for a
dispatcher with the suggestion shown, and a dispatcher's other choice trains the next router."""

import csv
import random
from contextlib import contextmanager
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lianxin.appeals import services, tasks
from lianxin.appeals.models import Appeal, Category, Status
from lianxin.appeals.services import dispatch
from lianxin.appeals.services.common import deadlines
from lianxin.appeals.tasks import route_pending_appeals
from lianxin.core import clock, notify, queue
from lianxin.core.models import AuditEvent, Notification, Role, RoleAssignment, Unit
from lianxin.core.queue import work_pending
from lianxin.insight.models import RouterModel
from lianxin.insight.suggest import forget_router

from .conftest import make_user

TRAIN = Path(__file__).resolve().parent.parent / "data" / "teddy2020" / "train.csv"
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def rows():
    with TRAIN.open(encoding="utf-8") as f:
        return random.Random(11).sample(list(csv.DictReader(f)), 300)


@pytest.fixture
def router(settings, tmp_path, rows, district):
    """A real router trained on 300 real messages, and one category per label with a unit."""
    settings.VAR_DIR = tmp_path
    forget_router()
    path = tmp_path / "train.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows([r["text"], r["label"]] for r in rows)
    for n, label in enumerate(sorted({r["label"] for r in rows})):
        unit = Unit.objects.create(
            name=f"{label}局", code=f"u{n}", kind="department", parent=district["root"]
        )
        Category.objects.create(code=f"g{n}", name=label, default_unit=unit)
    call_command("router_train", "--data", str(path), "--folds", "3", stdout=StringIO())
    yield path
    forget_router()


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    """Submit as a request would, then let the router run after the intake commits: its task
    with a broker, the sweepers `run_schedule` runs without one."""

    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            appeal, _ = services.appeal_submit(**kwargs)
        work_pending()
        appeal.refresh_from_db()
        return appeal

    return run


def message(rows, label):
    return next(r["text"] for r in rows if r["label"] == label)


def test_a_confident_suggestion_dispatches_at_once(router, rows, settings, submit):
    settings.AUTO_DISPATCH_CONFIDENCE = 0.0
    appeal = submit(title="市民来信", content=message(rows, "教育文体"))
    assert appeal.status == Status.DISPATCHED
    assert appeal.category == appeal.suggested_category
    assert appeal.unit == appeal.category.default_unit
    actions = list(
        AuditEvent.objects.filter(
            object_type="appeals.appeal", object_id=str(appeal.pk)
        ).values_list("action", flat=True)
    )
    assert actions == ["submit", "suggest", "dispatch"]


def told(appeal):
    """(username, channel) of every message to an official about the appeal."""
    return sorted(
        Notification.objects.filter(
            recipient__isnull=False, body__contains=appeal.tracking_number
        ).values_list("recipient__username", "channel")
    )


def test_a_confident_dispatch_keeps_the_categorys_deadlines_and_tells_its_handlers(
    router, rows, settings, district, submit
):
    """The category's deadlines are saved with the dispatch (one UPDATE, no save of their
    own), and the unit's handlers are told, in-app and by email, not its leaders."""
    settings.AUTO_DISPATCH_CONFIDENCE = 0.0
    Category.objects.update(handling_days=2, contact_hours=1)
    make_user("handler", Role.HANDLER, district["root"])
    make_user("leader", Role.LEADER, district["root"])
    appeal = submit(title="市民来信", content=message(rows, "教育文体"))
    assert appeal.status == Status.DISPATCHED
    stored = (appeal.contact_deadline, appeal.handling_deadline)
    assert stored == deadlines(appeal, appeal.created_at)
    uncategorised = Appeal(urgency=appeal.urgency, track=appeal.track, category=None)
    assert appeal.handling_deadline < deadlines(uncategorised, appeal.created_at)[1]
    assert told(appeal) == [("handler", "email"), ("handler", "inapp")]


def test_a_unit_without_handlers_has_its_leaders_told(router, rows, settings, district, submit):
    settings.AUTO_DISPATCH_CONFIDENCE = 0.0
    leader = make_user("leader", Role.LEADER, district["root"])
    for unit in Unit.objects.exclude(pk=district["root"].pk):  # over the unit twice: told once
        RoleAssignment.objects.create(user=leader, role=Role.LEADER, unit=unit)
    make_user("left", Role.LEADER, district["root"], is_active=False)
    nomail = make_user("nomail", Role.LEADER, district["root"])
    nomail.email = ""
    nomail.save(update_fields=["email"])
    appeal = submit(title="市民来信", content=message(rows, "教育文体"))
    assert appeal.status == Status.DISPATCHED
    # In-app for both active leaders; email only where there is an address.
    assert told(appeal) == [("leader", "email"), ("leader", "inapp"), ("nomail", "inapp")]


def test_an_unsure_suggestion_waits_for_a_dispatcher(router, rows, settings, submit):
    settings.AUTO_DISPATCH_CONFIDENCE = 1.01  # nothing is that sure
    appeal = submit(title="市民来信", content=message(rows, "环境保护"))
    assert appeal.status == Status.SUBMITTED and appeal.category is None
    assert appeal.suggested_category is not None and 0 < appeal.suggestion_confidence <= 1


def test_a_citizens_own_category_is_not_second_guessed(router, rows, categories, settings, submit):
    settings.AUTO_DISPATCH_CONFIDENCE = 0.0
    appeal = submit(title="t", content=message(rows, "教育文体"), category=categories["noise"])
    assert appeal.suggested_category is None and appeal.category == categories["noise"]


def test_a_dispatchers_correction_trains_the_next_router(router, rows, settings, people, submit):
    settings.AUTO_DISPATCH_CONFIDENCE = 1.01
    appeal = submit(title="市民来信", content=message(rows, "交通运输"))
    other = (
        Category.objects.exclude(pk=appeal.suggested_category_id)
        .filter(name__in={r["label"] for r in rows})
        .first()
    )
    services.appeal_dispatch(
        appeal=appeal, unit=other.default_unit, category=other, actor=people["dispatcher"]
    )
    call_command("router_train", "--data", str(router), "--folds", "3", stdout=StringIO())
    newest = RouterModel.objects.order_by("-version").first()
    assert newest.version == 2 and newest.training_rows == 301
    call_command(
        "router_train", "--data", str(router), "--folds", "3", "--no-corrections", stdout=StringIO()
    )
    assert RouterModel.objects.order_by("-version").first().training_rows == 300


def test_without_an_active_router_appeals_simply_wait(district, settings, submit):
    appeal = submit(title="t", content="没有可用的分类模型")
    assert appeal.status == Status.SUBMITTED and appeal.suggested_category is None
    assert Appeal.objects.count() == 1
    # The router has looked: the sweeper does not ask about it again every second.
    assert appeal.routed_at is not None
    assert route_pending_appeals() == 0


def test_without_a_broker_the_request_leaves_routing_to_the_sweeper(
    router, rows, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_BROKER_URL = ""
    settings.AUTO_DISPATCH_CONFIDENCE = 0.0
    with django_capture_on_commit_callbacks(execute=True):
        appeal, _ = services.appeal_submit(title="市民来信", content=message(rows, "教育文体"))
    appeal.refresh_from_db()
    assert appeal.status == Status.SUBMITTED and appeal.routed_at is None  # nothing ran yet
    assert route_pending_appeals() == 1  # run_schedule's next pass
    appeal.refresh_from_db()
    assert appeal.status == Status.DISPATCHED and appeal.category == appeal.suggested_category
    assert route_pending_appeals() == 0


def test_one_pass_routes_a_backlog_larger_than_a_batch_and_tells_each_unit_its_own(
    router, rows, settings, district, monkeypatch, django_capture_on_commit_callbacks
):
    """A burst arrives faster than one batch a second: the sweeper goes on until none is left,
    each appeal looked at once (even when all arrived in the same instant), each dispatched
    to its category's unit with its own two events, and each unit's handlers told, or its
    leaders when it has none."""
    settings.CELERY_BROKER_URL = ""
    settings.AUTO_DISPATCH_CONFIDENCE = 0.0
    monkeypatch.setattr(tasks, "ROUTE_BATCH", 4)
    monkeypatch.setattr(dispatch, "ROUTE_CHUNK", 3)
    education = Category.objects.get(name="教育文体").default_unit
    make_user("teacher", Role.HANDLER, education)
    make_user("chief", Role.LEADER, district["root"])
    labels = sorted({r["label"] for r in rows})
    texts = [r["text"] for label in labels for r in rows if r["label"] == label][:: len(rows) // 10]
    same_instant = clock.now() - timedelta(seconds=5)
    with django_capture_on_commit_callbacks(execute=True):
        appeals = [
            services.appeal_submit(title="市民来信", content=t, created_at=same_instant)[0]
            for t in texts
        ]
    assert len(appeals) == 10
    queued = []
    monkeypatch.setattr(notify, "enqueue", lambda task, pk: queued.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        assert route_pending_appeals() == 10
    assert route_pending_appeals() == 0
    # The emails are queued by their ids, which the messages get only when the chunk ends.
    emails = Notification.objects.filter(channel="email", recipient__isnull=False)
    assert sorted(queued) == sorted(emails.values_list("pk", flat=True)) and len(queued) == 10
    for appeal in appeals:
        appeal.refresh_from_db()
        assert appeal.status == Status.DISPATCHED
        assert appeal.unit == appeal.category.default_unit
        actions = AuditEvent.objects.filter(object_id=str(appeal.pk), object_type="appeals.appeal")
        assert [e.action for e in actions.order_by("id")] == ["submit", "suggest", "dispatch"]
        who = "teacher" if appeal.unit == education else "chief"
        assert told(appeal) == [(who, "email"), (who, "inapp")]
    assert {a.unit for a in appeals} != {education}  # both kinds of unit were met


def test_routing_writes_a_chunk_in_a_few_statements_whatever_its_size(
    router, rows, settings, district, monkeypatch, django_capture_on_commit_callbacks
):
    """The lock, the officials, the appeals' UPDATEs (the suggestion and the dispatch in one,
    every row in one statement), the audit events and the messages to the officials: one
    statement each for the chunk, not one for each appeal."""
    settings.CELERY_BROKER_URL = ""
    settings.AUTO_DISPATCH_CONFIDENCE = 0.0
    monkeypatch.setattr(dispatch, "ROUTE_CHUNK", 50)
    make_user("chief", Role.LEADER, district["root"])
    texts = [r["text"] for r in rows]

    def statements(count):
        with django_capture_on_commit_callbacks(execute=True):
            for text in texts[:count]:
                services.appeal_submit(title="市民来信", content=text)
        texts[:count] = []
        with CaptureQueriesContext(connection) as queries:
            assert route_pending_appeals() == count
        return len(queries)

    statements(2)  # the catalogue and the calendar read once, for every pass after
    small = statements(4)
    assert statements(8) == small


def test_routing_holds_the_database_only_to_check_and_write(
    router, rows, settings, district, django_capture_on_commit_callbacks
):
    """The suggestions, the dispatches, their events and messages are built before the chunk's
    transaction; inside it only the appeals' versions are read (and locked), then written:
    on SQLite the transaction holds the whole database while citizens' appeals wait."""
    settings.CELERY_BROKER_URL = ""
    settings.AUTO_DISPATCH_CONFIDENCE = 0.0
    make_user("chief", Role.LEADER, district["root"])
    with django_capture_on_commit_callbacks(execute=True):
        for row in rows[:6]:
            services.appeal_submit(title="市民来信", content=row["text"])
    depth = len(connection.atomic_blocks)  # the test's own transaction
    seen = []

    def record(execute, sql, params, many, context):
        seen.append((len(connection.atomic_blocks) > depth, sql.split()[0]))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert route_pending_appeals() == 6
    inside = [
        verb for in_chunk, verb in seen if in_chunk and verb in ("SELECT", "UPDATE", "INSERT")
    ]
    # The versions; every appeal's suggestion and dispatch; the events; the messages.
    assert inside == ["SELECT", "UPDATE", "INSERT", "INSERT"]


def test_an_appeal_a_dispatcher_took_meanwhile_is_left_as_they_dispatched_it(
    router, rows, settings, district, people, monkeypatch, django_capture_on_commit_callbacks
):
    """A dispatcher dispatches one of the chunk's appeals after the sweeper read it and before
    its transaction: the sweeper finds its version moved and builds the chunk again from the
    locked rows. The dispatcher's choice stands, with no suggestion, event or message of the
    sweeper's for it; the others are routed, each once."""
    settings.CELERY_BROKER_URL = ""
    settings.AUTO_DISPATCH_CONFIDENCE = 0.0
    make_user("chief", Role.LEADER, district["root"])
    with django_capture_on_commit_callbacks(execute=True):
        appeals = [
            services.appeal_submit(title="市民来信", content=row["text"])[0] for row in rows[:3]
        ]
    taken = appeals[0]
    other = Category.objects.filter(default_unit__isnull=False).order_by("code").last()
    real = dispatch.writes_held

    @contextmanager
    def then_the_dispatcher(*args, **kwargs):
        with real(*args, **kwargs) as held:
            yield held
        if not Appeal.objects.filter(pk=taken.pk, status=Status.DISPATCHED).exists():
            services.appeal_dispatch(
                appeal=taken.pk,
                unit=other.default_unit,
                category=other,
                actor=people["dispatcher"],
            )

    monkeypatch.setattr(dispatch, "writes_held", then_the_dispatcher)
    assert route_pending_appeals() == 2
    taken.refresh_from_db()
    assert (taken.category, taken.unit) == (other, other.default_unit)
    assert taken.suggested_category is None
    for appeal in appeals:
        events = AuditEvent.objects.filter(object_id=str(appeal.pk), object_type="appeals.appeal")
        actions = [e.action for e in events.order_by("id")]
        assert actions == (
            ["submit", "dispatch"] if appeal == taken else ["submit", "suggest", "dispatch"]
        )
        told_about = Notification.objects.filter(body__contains=appeal.tracking_number)
        assert told_about.count() == len(set(told_about.values_list("recipient", "channel")))


URGENT_WHEN_ASKED: list[int] = []


def suggester_that_notes_the_urgency(text):
    URGENT_WHEN_ASKED.append(queue._urgent)
    return None


def test_the_routing_pass_is_urgent_work_from_its_first_query(district, settings):
    """The other background work of the process waits from the start of the pass, the
    router's model included, not only while its chunks are written (core.queue.urgent_work)."""
    settings.CELERY_BROKER_URL = ""
    settings.CATEGORY_SUGGESTER = f"{__name__}.suggester_that_notes_the_urgency"
    services.appeal_submit(title="t", content="路灯不亮")
    URGENT_WHEN_ASKED.clear()
    assert route_pending_appeals() == 0  # looked at, nothing suggested
    assert URGENT_WHEN_ASKED == [1] and queue._urgent == 0
