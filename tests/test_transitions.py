"""core.transitions: the one way a record changes state (lock, check, change, audit)."""

import pytest
from django.db import connection, transaction
from django.db.models import signals
from django.test.utils import CaptureQueriesContext

from lianxin.appeals.models import Appeal, Status
from lianxin.core import transitions
from lianxin.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied
from lianxin.core.models import AuditEvent
from lianxin.core.rows import writes_held
from tests.appeals_helpers import events_of, fast_passwords, fresh, submit  # noqa: F401


def move(appeal, actor, **extra):
    return transitions.transition(
        Appeal,
        appeal.pk,
        action="dispatch",
        actor=actor,
        to=Status.DISPATCHED,
        allowed=[Status.SUBMITTED],
        perm="appeals.dispatch_appeal",
        **extra,
    )


def test_a_move_saves_the_state_bumps_the_version_and_audits_it(people):
    appeal = submit()

    def change(a):
        a.title = "楼道灯坏了（已核实）"
        return ["title"]

    moved = move(
        appeal,
        people["dispatcher"],
        version=appeal.version,
        reason="分给兽医局",
        change=change,
        data=lambda a: {"title": a.title},
    )
    stored = fresh(appeal)
    assert (stored.status, stored.version) == (Status.DISPATCHED, appeal.version + 1)
    assert moved.version == stored.version
    event = events_of(appeal)[-1]
    assert (event.action, event.from_state, event.to_state, event.reason) == (
        "dispatch",
        Status.SUBMITTED,
        Status.DISPATCHED,
        "分给兽医局",
    )
    assert stored.title == "楼道灯坏了（已核实）"
    assert event.data == {"title": "楼道灯坏了（已核实）"}


@pytest.mark.parametrize("case", ["stale", "state", "permission", "change_refuses"])
def test_a_refused_move_changes_nothing_and_audits_nothing(people, case):
    appeal = submit()
    before = (fresh(appeal).status, fresh(appeal).version, len(events_of(appeal)))
    actor, extra, error = people["dispatcher"], {}, None
    if case == "stale":
        extra, error = {"version": appeal.version - 1}, Conflict
    elif case == "state":
        Appeal.objects.filter(pk=appeal.pk).update(status=Status.CLOSED)
        before = (Status.CLOSED, *before[1:])
        error = InvalidTransition
    elif case == "permission":
        actor, error = people["citizen"], PermissionDenied
    else:

        def change(a):
            a.title = "已改"
            raise InvalidTransition("不行", code="refused_by_change")

        extra, error = {"change": change}, InvalidTransition
    with pytest.raises(error):
        move(appeal, actor, **extra)
    stored = fresh(appeal)
    assert (stored.status, stored.version, len(events_of(appeal))) == before
    assert stored.title == appeal.title


def test_the_state_message_names_the_current_state(people):
    appeal = submit()
    Appeal.objects.filter(pk=appeal.pk).update(status=Status.CLOSED)
    with pytest.raises(InvalidTransition) as refused:
        move(
            appeal,
            people["dispatcher"],
            refused="不能分派：诉求%(status)s。",
            refused_code="cannot_dispatch",
        )
    assert refused.value.code == "cannot_dispatch"
    assert str(refused.value.message) == f"不能分派：诉求{fresh(appeal).get_status_display()}。"


def test_a_missing_record_is_not_found(people):
    with pytest.raises(NotFound):
        move(Appeal(pk=10**9), people["dispatcher"])


@pytest.mark.django_db(transaction=True)
def test_commit_outside_a_transaction_is_a_programming_error(people):
    appeal = submit()
    with pytest.raises(RuntimeError):
        transitions.commit(appeal, action="dispatch", actor=people["dispatcher"])
    with transaction.atomic():
        locked = transitions.lock(Appeal, appeal)
        locked.status = Status.DISPATCHED
        transitions.commit(
            locked, action="dispatch", actor=people["dispatcher"], from_state=Status.SUBMITTED
        )
    assert fresh(appeal).status == Status.DISPATCHED


@pytest.mark.django_db
def test_lock_many_locks_the_rows_that_exist_in_one_query(people):
    first, second = submit(), submit()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = transitions.lock_many(Appeal, [second.pk, 10**9, first.pk])
    assert list(locked) == [first.pk, second.pk]  # in the order of their keys
    assert len(queries) == 1
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in queries[0]["sql"]


@pytest.mark.django_db
def test_a_receiver_of_the_models_save_signal_hears_a_commit(people):
    """commit writes the fields with core.rows.update_row, which sends no signal; a model
    someone listens to is saved through the ORM, so the receiver still hears of it."""
    heard = []

    def receiver(sender, instance, update_fields, **kwargs):
        heard.append((instance.pk, sorted(update_fields)))

    appeal = submit()
    move(appeal, people["dispatcher"])  # nobody listens: nothing sent
    signals.post_save.connect(receiver, sender=Appeal)
    try:
        second = submit()
        heard.clear()
        move(second, people["dispatcher"])
    finally:
        signals.post_save.disconnect(receiver, sender=Appeal)
    assert heard == [(second.pk, ["status", "updated_at", "version"])]
    assert (fresh(appeal).status, fresh(second).status) == (Status.DISPATCHED,) * 2


@pytest.mark.django_db
def test_a_model_with_its_own_save_is_saved_through_it(district, monkeypatch):
    """Unit keeps its subtree's paths in its save(): commit goes through it, not past it, even
    with no receiver listening to its saves."""
    for signal in (signals.pre_save, signals.post_save):
        monkeypatch.setattr(signal, "has_listeners", lambda sender=None: False)
    vet, saved = district["vet"], []
    own_save = type(vet).save
    monkeypatch.setattr(
        type(vet), "save", lambda self, *a, **kw: saved.append(kw) or own_save(self, *a, **kw)
    )
    with transaction.atomic():
        locked = transitions.lock(type(vet), vet.pk)
        locked.name = "畜牧兽医中心"
        transitions.commit(locked, action="rename", actor=None, fields=["name"])
    assert len(saved) == 1 and "name" in saved[0]["update_fields"]
    assert type(vet).objects.get(pk=vet.pk).name == "畜牧兽医中心"


def test_a_model_saved_through_its_own_save_is_refused_within_writes_held(district):
    """Held writes wait for the caller's transaction; Unit's save() would write at once."""
    vet = district["vet"]
    vet.name = "畜牧兽医中心"
    with pytest.raises(RuntimeError), writes_held():
        transitions.commit(vet, action="rename", actor=None, fields=["name"])
    assert type(vet).objects.get(pk=vet.pk).name != "畜牧兽医中心"
    assert not AuditEvent.objects.filter(action="rename").exists()
