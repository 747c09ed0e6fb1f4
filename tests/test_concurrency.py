"""Two concurrent transitions on one appeal cannot both win: real threads, real connections,
on SQLite (file database, IMMEDIATE transactions) and on PostgreSQL (row locks)."""

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from lianxin.appeals import services
from lianxin.appeals.models import Appeal, Status
from lianxin.appeals.tasks import scan_overdue
from lianxin.core.errors import Conflict, InvalidTransition
from lianxin.core.models import Notification

from .appeals_helpers import (  # noqa: F401 - fast_passwords is an autouse fixture
    events_of,
    fast_passwords,
    fresh,
    submit,
)

pytestmark = pytest.mark.django_db(transaction=True)


def race(*jobs: Callable[[], object]) -> list[object]:
    """Run the jobs in threads released together; each returns its result or the exception it
    raised. Every thread closes its own database connection."""
    start = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(n: int) -> None:
        try:
            start.wait(timeout=30)
            results[n] = jobs[n]()
        except BaseException as exc:  # handed to the main thread
            results[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


def user(username: str):
    """A user object of the calling thread's own (roles are cached on the object)."""
    return get_user_model().objects.get(username=username)


def audit_intact() -> bool:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue().startswith("audit log intact")


@pytest.fixture
def dispatched(district, people):
    appeal = submit()
    services.appeal_dispatch(appeal=appeal, unit=district["vet"], actor=people["dispatcher"])
    return fresh(appeal)


def test_two_accepts_with_the_same_version_one_wins_one_conflicts(dispatched):
    version = dispatched.version
    results = race(
        lambda: services.appeal_accept(
            appeal=dispatched.pk, actor=user("vet_handler"), version=version
        ),
        lambda: services.appeal_accept(
            appeal=dispatched.pk, actor=user("vet_leader"), version=version
        ),
    )
    winners = [r for r in results if isinstance(r, Appeal)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert (len(winners), len(losers)) == (1, 1), results
    appeal = fresh(dispatched)
    assert appeal.status == Status.HANDLING
    assert appeal.version == version + 1
    assert [e.action for e in events_of(appeal)].count("accept") == 1
    assert audit_intact()


def test_two_dispatches_with_the_same_version_one_wins_one_conflicts(district, people):
    appeal = submit()
    results = race(
        lambda: services.appeal_dispatch(
            appeal=appeal.pk, unit=district["vet"], actor=user("dispatcher"), version=1
        ),
        lambda: services.appeal_dispatch(
            appeal=appeal.pk, unit=district["env"], actor=user("admin"), version=1
        ),
    )
    winners = [r for r in results if isinstance(r, Appeal)]
    assert len(winners) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    appeal = fresh(appeal)
    assert appeal.status == Status.DISPATCHED
    assert appeal.unit_id == winners[0].unit_id  # the loser did not overwrite the winner
    assert appeal.version == 2
    assert [e.action for e in events_of(appeal)] == ["submit", "dispatch"]
    assert audit_intact()


def test_two_dispatches_without_a_version_cannot_both_win(district, people):
    # Without optimistic versions the row lock still serialises them: the second finds the
    # appeal already dispatched.
    appeal = submit()
    results = race(
        lambda: services.appeal_dispatch(
            appeal=appeal.pk, unit=district["vet"], actor=user("dispatcher")
        ),
        lambda: services.appeal_dispatch(
            appeal=appeal.pk, unit=district["env"], actor=user("admin")
        ),
    )
    winners = [r for r in results if isinstance(r, Appeal)]
    assert len(winners) == 1, results
    assert sum(isinstance(r, InvalidTransition) for r in results) == 1, results
    appeal = fresh(appeal)
    assert appeal.unit_id == winners[0].unit_id
    assert [e.action for e in events_of(appeal)] == ["submit", "dispatch"]
    assert audit_intact()


def test_accept_racing_return_one_wins(dispatched):
    version = dispatched.version
    results = race(
        lambda: services.appeal_accept(
            appeal=dispatched.pk, actor=user("vet_handler"), version=version
        ),
        lambda: services.appeal_return(
            appeal=dispatched.pk, actor=user("vet_leader"), reason="非本单位", version=version
        ),
    )
    winners = [r for r in results if isinstance(r, Appeal)]
    assert len(winners) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    appeal = fresh(dispatched)
    assert appeal.status == winners[0].status
    assert appeal.status in (Status.HANDLING, Status.SUBMITTED)
    assert len(events_of(appeal)) == len(events_of(dispatched)) == 3
    assert audit_intact()


def test_two_api_accepts_with_the_same_version_one_200_one_409(dispatched, people):
    version = dispatched.version
    url = f"/api/v1/appeals/{dispatched.tracking_number}/accept/"
    tokens = {
        who: Token.objects.create(user=people[who]).key for who in ("vet_handler", "vet_leader")
    }

    def accept(who: str):
        client = Client(HTTP_AUTHORIZATION=f"Token {tokens[who]}")
        response = client.post(url, {"version": version}, content_type="application/json")
        return response.status_code, response.json()

    results = race(lambda: accept("vet_handler"), lambda: accept("vet_leader"))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409], results
    (loser,) = [body for status, body in results if status == 409]
    assert loser["code"] == "conflict"
    (winner,) = [body for status, body in results if status == 200]
    assert winner["status"] == "handling"
    assert winner["version"] == version + 1
    appeal = fresh(dispatched)
    assert appeal.status == Status.HANDLING
    assert [e.action for e in events_of(appeal)].count("accept") == 1
    assert audit_intact()


def test_two_api_dispatches_on_a_live_server_one_200_one_409(live_server, district, people):
    appeal = submit()
    url = f"{live_server.url}/api/v1/appeals/{appeal.tracking_number}/dispatch/"
    tokens = {who: Token.objects.create(user=people[who]).key for who in ("dispatcher", "admin")}

    def dispatch(who: str, unit):
        request = urllib.request.Request(
            url,
            data=json.dumps({"unit": unit.pk, "version": 1}).encode(),
            method="POST",
            headers={"Authorization": f"Token {tokens[who]}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    results = race(
        lambda: dispatch("dispatcher", district["vet"]), lambda: dispatch("admin", district["env"])
    )
    assert sorted(status for status, _ in results) == [200, 409], results
    (loser,) = [body for status, body in results if status == 409]
    assert loser["code"] == "conflict"
    appeal = fresh(appeal)
    assert appeal.status == Status.DISPATCHED
    assert [e.action for e in events_of(appeal)] == ["submit", "dispatch"]
    assert audit_intact()


def test_two_submits_with_the_same_idempotency_key_make_one_appeal(district):
    def submit_once():
        return services.appeal_submit(
            title="夜间施工噪音", content="每晚十二点后还在施工", idempotency_key="retry-3c9e"
        )

    results = race(submit_once, submit_once)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted(created for _, created in results) == [False, True]
    assert results[0][0].pk == results[1][0].pk
    assert Appeal.objects.count() == 1
    assert len(events_of(results[0][0])) == 1
    assert audit_intact()


def test_two_overdue_scans_at_once_escalate_an_appeal_once(district, people):
    appeal, _ = services.appeal_submit(
        title="路灯不亮", content="已经一个月", created_at=timezone.now() - timedelta(days=40)
    )
    services.appeal_dispatch(appeal=appeal, unit=district["vet"], actor=people["dispatcher"])
    services.appeal_accept(appeal=appeal, actor=people["vet_handler"])
    Notification.objects.all().delete()

    results = race(scan_overdue, scan_overdue)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted(results) == [0, 1]
    assert [e.action for e in events_of(appeal)].count("escalate") == 1
    told = Notification.objects.filter(channel="inapp")
    assert sorted(n.recipient.username for n in told) == ["supervisor", "vet_leader"]
    assert audit_intact()
