"""Side effects leave the process for real: mail over SMTP to a local server, and tasks through
a real Redis broker to a real Celery worker (when CELERY_BROKER_URL is set, as in CI)."""

import os
import socket
import time
from datetime import timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail
from django.utils import timezone

from lianxin.appeals import services
from lianxin.appeals.models import Appeal
from lianxin.core.models import Notification
from lianxin.core.queue import work_pending


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield inbox
    controller.stop()


def _replied_appeal(people, categories, **contact):
    appeal, _ = services.appeal_submit(
        title="路灯不亮", content="小区门口路灯坏了一个月", category=categories["noise"], **contact
    )
    services.appeal_dispatch(
        appeal=appeal, unit=categories["noise"].default_unit, actor=people["dispatcher"]
    )
    services.appeal_accept(appeal=appeal, actor=people["env_handler"])
    return services.appeal_reply(
        appeal=appeal,
        actor=people["env_handler"],
        text=(
            "您反映的小区门口路灯坏了一个月的问题，我局已于次日更换小区门口路灯的灯具，路灯现已恢复照明。"
            "根据《城市照明管理规定》第二十条，我们将每月巡查，保证路灯正常。"
        ),
    )


@pytest.mark.django_db(transaction=True)
def test_reply_mail_reaches_an_smtp_server_after_commit(smtp_server, people, categories):
    appeal = _replied_appeal(people, categories, contact_email="citizen@example.org")
    work_pending()  # the worker's pass (with a broker the task has sent it already)
    sent = [m for m in smtp_server.messages if m[0] == ["citizen@example.org"]]
    assert len(sent) == 1
    assert appeal.tracking_number in sent[0][1]
    n = Notification.objects.get(address="citizen@example.org")
    assert n.status == Notification.Status.SENT and n.sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_request_sends_nothing_and_the_worker_delivers(
    settings, smtp_server, people, categories
):
    settings.CELERY_BROKER_URL = ""
    appeal = _replied_appeal(people, categories, contact_email="citizen@example.org")
    n = Notification.objects.get(address="citizen@example.org")
    assert n.status == Notification.Status.PENDING and smtp_server.messages == []
    work_pending()
    assert not Notification.objects.filter(status=Notification.Status.PENDING).exists()
    n.refresh_from_db()
    assert n.status == Notification.Status.SENT
    to_citizen = [m[1] for m in smtp_server.messages if m[0] == ["citizen@example.org"]]
    assert len(to_citizen) == 1 and appeal.tracking_number in to_citizen[0]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_when_the_transaction_rolls_back(smtp_server, people, categories):
    from django.db import transaction

    appeal, _ = services.appeal_submit(
        title="t", content="c", contact_email="x@example.org", category=categories["noise"]
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        services.appeal_dispatch(
            appeal=appeal, unit=categories["noise"].default_unit, actor=people["dispatcher"]
        )
        raise RuntimeError("the caller's transaction fails after the service")
    assert smtp_server.messages == []
    assert Appeal.objects.get(pk=appeal.pk).status == "submitted"
    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failing_mail_server_leaves_the_notification_pending_for_retry(
    settings, people, categories
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    _replied_appeal(people, categories, contact_email="citizen@example.org")
    work_pending()
    n = Notification.objects.get(address="citizen@example.org")
    assert n.status == Notification.Status.PENDING and n.attempts == 1
    # It waits before the next attempt: the sweeper, every second, leaves it alone till then.
    assert n.claimed_until is not None and n.claimed_until > timezone.now()
    work_pending()
    assert Notification.objects.get(pk=n.pk).attempts == 1
    with time_machine.travel(n.claimed_until + timedelta(seconds=1)):
        work_pending()
    assert Notification.objects.get(pk=n.pk).attempts == 2


needs_broker = pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL"),
    reason="needs a Redis broker: CI runs it with CELERY_BROKER_URL set",
)


@needs_broker
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_notifications_and_scans_deadlines(people, categories):
    from celery.contrib.testing.worker import start_worker

    from lianxin.appeals.tasks import scan_overdue
    from lianxin.celery import app

    assert not app.conf.task_always_eager
    mail.outbox = []
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        appeal = _replied_appeal(people, categories, contact_email="citizen@example.org")
        n = wait_for(
            lambda: Notification.objects.get(address="citizen@example.org"),
            lambda n: n.status == Notification.Status.SENT,
        )
        assert n.status == Notification.Status.SENT
        assert any(appeal.tracking_number in m.subject for m in mail.outbox)

        late, _ = services.appeal_submit(title="超期", content="无人处理")
        Appeal.objects.filter(pk=late.pk).update(
            contact_deadline=late.created_at, handling_deadline=late.created_at
        )
        scan_overdue.delay()
        late = wait_for(lambda: Appeal.objects.get(pk=late.pk), lambda a: a.escalated_at)
        assert late.escalated_at is not None


def wait_for(read, done, seconds=20):
    """Poll until the worker has done its part (bounded)."""
    deadline = time.monotonic() + seconds
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.2)
        value = read()
    return value


@pytest.mark.django_db(transaction=True)
def test_no_database_lock_is_held_while_talking_to_the_mail_server(settings, people, categories):
    """While the SMTP exchange goes on, another request can write the same notification's row
    (on SQLite: any row): the delivery holds no lock during the network call."""
    import threading

    from django.db import close_old_connections, connection
    from django.utils import timezone

    outcome = {}

    def write_meanwhile():
        try:
            started = time.monotonic()
            Notification.objects.filter(address="citizen@example.org").update(
                read_at=timezone.now()
            )
            outcome["waited"] = time.monotonic() - started
        finally:
            connection.close()

    class SlowInbox(Inbox):
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            writer = threading.Thread(target=write_meanwhile)
            writer.start()
            writer.join(timeout=8)
            outcome.setdefault("waited", None)  # still blocked: the lock is held
            return await super().handle_DATA(server, session, envelope)

    inbox = SlowInbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    try:
        _replied_appeal(people, categories, contact_email="citizen@example.org")
        work_pending()
    finally:
        controller.stop()
        close_old_connections()
    assert outcome["waited"] is not None and outcome["waited"] < 2, outcome
    n = Notification.objects.get(address="citizen@example.org")
    assert n.status == Notification.Status.SENT and n.read_at is not None


def test_mail_has_a_timeout(settings):
    from django.core.mail import get_connection

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert get_connection().timeout and get_connection().timeout <= 30


def test_queuing_with_the_broker_down_fails_fast_and_says_so(caplog, monkeypatch, settings):
    from celery import Celery

    # Celery prefers the CELERY_BROKER_URL variable (set in CI's PostgreSQL pass) to the broker
    # an app is given: without it, this app's broker is the dead one below.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    from lianxin.core.queue import enqueue

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nobody listens here
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"  # a broker is configured
    dead = Celery("dead-broker", broker=f"redis://127.0.0.1:{port}/0", set_as_current=False)
    dead.conf.update(
        task_publish_retry=False,
        broker_connection_timeout=1,
        broker_transport_options={"socket_connect_timeout": 1},
    )

    @dead.task(name="probe")
    def probe_task(value):
        return value

    from lianxin.core.queue import broker_back

    broker_back()
    started = time.monotonic()
    assert enqueue(probe_task, 1) is False
    assert time.monotonic() - started < 10
    assert "broker unavailable" in caplog.text
    # The next tasks within the retry window do not wait for the broker at all.
    started = time.monotonic()
    assert enqueue(probe_task, 2) is False and enqueue(probe_task, 3) is False
    assert time.monotonic() - started < 0.1
    broker_back()


def suggest_noise(text: str):
    return ("噪音污染", 0.5)


def test_an_appeal_whose_routing_task_was_lost_is_routed_by_the_sweeper(settings, categories):
    from lianxin.appeals.tasks import route_pending_appeals

    settings.CATEGORY_SUGGESTER = "tests.test_delivery.suggest_noise"
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"  # only read, never connected to
    # Submitted in a test transaction: its on-commit routing task never runs, as when the
    # broker was down at intake.
    appeal, _ = services.appeal_submit(title="夜里噪音", content="工地夜间施工")
    assert route_pending_appeals() == 0  # too fresh: its own task may still come
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert route_pending_appeals() == 1
    appeal.refresh_from_db()
    assert appeal.suggested_category == categories["noise"]
    assert route_pending_appeals() == 0


def test_the_cache_with_redis_down_is_a_miss_not_an_error(caplog):
    from lianxin.core.cache import ResilientRedisCache

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nobody listens here
    cache = ResilientRedisCache(
        f"redis://127.0.0.1:{port}/0",
        {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}},
    )
    started = time.monotonic()
    cache.set("figures", 42)
    assert cache.get("figures", "recomputed") == "recomputed"
    assert cache.get_many(["a", "b"]) == {}
    assert time.monotonic() - started < 10
    assert "cache unavailable" in caplog.text


def _schedule_process(tmp_path):
    """`manage.py run_schedule` as `make serve` starts it, on this test's database, embedded
    (no broker), with the test suggester (tests.test_delivery.suggest_noise)."""
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "REDIS_URL")}
    env.update(
        DATABASE_URL=url,
        CATEGORY_SUGGESTER="tests.test_delivery.suggest_noise",
        DJANGO_SETTINGS_MODULE="lianxin.settings",
    )
    root = Path(__file__).resolve().parent.parent
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_schedule", "--tick", "0.2"],
        cwd=root,
        env=env,
        stdout=(tmp_path / "schedule.log").open("w"),
        stderr=subprocess.STDOUT,
    )


@pytest.mark.django_db(transaction=True)
def test_run_schedule_takes_up_what_intake_left_even_after_a_restart(
    settings, people, categories, tmp_path
):
    """Without a broker the request only writes; the schedule process, started later (as after
    a restart), finds the appeal and the notification in the database and does their work."""
    settings.CELERY_BROKER_URL = ""
    settings.CATEGORY_SUGGESTER = "tests.test_delivery.suggest_noise"
    appeal, _ = services.appeal_submit(
        title="夜里噪音", content="工地夜间施工", contact_email="citizen@example.org"
    )
    reply = _replied_appeal(people, categories, contact_email="other@example.org")
    assert Appeal.objects.get(pk=appeal.pk).routed_at is None
    assert Notification.objects.filter(status=Notification.Status.PENDING).exists()
    worker = _schedule_process(tmp_path)
    try:
        appeal = wait_for(lambda: Appeal.objects.get(pk=appeal.pk), lambda a: a.routed_at, 60)
        sent = wait_for(
            lambda: Notification.objects.filter(status=Notification.Status.PENDING).count(),
            lambda pending: pending == 0,
            60,
        )
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    log = (tmp_path / "schedule.log").read_text()
    assert appeal.suggested_category == categories["noise"], log
    assert appeal.routed_at >= appeal.created_at
    assert sent == 0, log
    assert Notification.objects.get(address="other@example.org").status == "sent"
    assert reply.status == "replied"
