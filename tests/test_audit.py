"""The hash-chained audit log (lianxin.core.audit) and `manage.py audit_verify`."""

import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from lianxin.core.audit import GENESIS, audit_breaks, audit_record, event_hash
from lianxin.core.models import AuditChainHead, AuditEvent, Unit


@pytest.fixture
def unit(db):
    return Unit.objects.create(name="东城街道", code="east", kind="district")


def record(obj, count: int = 1, **fields) -> list[AuditEvent]:
    with transaction.atomic():
        return [
            audit_record(action="test", obj=obj, reason=f"reason {n}", **fields)
            for n in range(count)
        ]


def verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def verify_error() -> str:
    with pytest.raises(CommandError) as excinfo:
        call_command("audit_verify", stdout=StringIO())
    return str(excinfo.value)


def forge(prev_hash: str, **fields) -> AuditEvent:
    """An event written past audit_record, with a hash that is correct for its own content."""
    event = AuditEvent(
        created_at=timezone.now(),
        action="forged",
        object_type="core.unit",
        object_id="1",
        reason="forged",
        prev_hash=prev_hash,
        **fields,
    )
    event.hash = event_hash(event)
    event.save(force_insert=True)
    return event


# --- Recording ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_events_are_chained_from_genesis_to_the_head(unit):
    events = record(unit, 5)
    assert events[0].prev_hash == GENESIS
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    assert len({e.hash for e in events}) == 5
    assert AuditChainHead.objects.get(id=1).last_hash == events[-1].hash
    for stored in AuditEvent.objects.all():
        assert event_hash(stored) == stored.hash


@pytest.mark.django_db
def test_a_later_transaction_continues_the_chain(unit):
    first = record(unit, 2)
    second = record(unit, 2)
    assert second[0].prev_hash == first[-1].hash
    assert list(audit_breaks()) == []


@pytest.mark.django_db
def test_event_describes_the_object_and_the_change(unit):
    (event,) = record(unit, from_state="new", to_state="dispatched", actor_label="系统")
    event.refresh_from_db()
    assert event.object_type == "core.unit"
    assert event.object_id == str(unit.pk)
    assert (event.from_state, event.to_state) == ("new", "dispatched")
    assert event.actor is None
    assert event.actor_label == "系统"
    assert event.data == {}


@pytest.mark.django_db
def test_object_type_can_be_named_explicitly(unit):
    (event,) = record(unit, object_type="appeals.appeal")
    assert event.object_type == "appeals.appeal"
    assert list(audit_breaks()) == []


@pytest.mark.django_db
def test_an_authenticated_actor_is_recorded_with_their_username(unit):
    user = get_user_model().objects.create_user(username="vet_handler", password="pw")
    (event,) = record(unit, actor=user)
    event.refresh_from_db()
    assert event.actor == user
    assert event.actor_label == "vet_handler"


@pytest.mark.django_db
def test_an_anonymous_actor_is_recorded_as_nobody(unit):
    (event,) = record(unit, actor=AnonymousUser(), actor_label="群众")
    event.refresh_from_db()
    assert event.actor is None
    assert event.actor_label == "群众"


@pytest.mark.django_db(transaction=True)
def test_audit_record_outside_a_transaction_is_refused(unit):
    # transaction=True: the test itself is not wrapped in an atomic block.
    assert not connection.in_atomic_block
    with pytest.raises(RuntimeError, match="inside the service's transaction"):
        audit_record(action="test", obj=unit)
    assert not AuditEvent.objects.exists()
    assert not AuditChainHead.objects.exists()


@pytest.mark.django_db
def test_data_is_hashed_over_its_stored_json_form(unit):
    data = {
        "day": date(2026, 10, 1),
        "at": datetime(2026, 10, 1, 8, 30, tzinfo=UTC),
        "amount": Decimal("1234.50"),
        "nested": {"ratio": Decimal("0.1"), "items": [1, "二", None]},
    }
    (event,) = record(unit, data=data)
    reloaded = AuditEvent.objects.get(pk=event.pk)
    assert reloaded.data == {
        "day": "2026-10-01",
        "at": "2026-10-01T08:30:00Z",
        "amount": "1234.50",
        "nested": {"ratio": "0.1", "items": [1, "二", None]},
    }
    assert event_hash(reloaded) == event.hash == reloaded.hash
    assert "1 events" in verify()


@pytest.mark.django_db
def test_created_at_is_hashed_as_utc_whatever_the_timezone_on_read(unit):
    (event,) = record(unit)
    reloaded = AuditEvent.objects.get(pk=event.pk)
    reloaded.created_at = timezone.localtime(reloaded.created_at)  # Asia/Shanghai
    assert event_hash(reloaded) == event.hash


# --- Verification -------------------------------------------------------------------------


@pytest.mark.django_db
def test_verify_an_empty_log():
    assert verify().strip() == "audit log intact: 0 events"


@pytest.mark.django_db
def test_verify_an_intact_chain_prints_the_count(unit):
    record(unit, 3)
    record(unit, 4)
    assert verify().strip() == "audit log intact: 7 events"
    assert list(audit_breaks()) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reason", "nothing to see here"),
        ("action", "close"),
        ("to_state", "closed"),
        ("from_state", "new"),
        ("object_id", "999"),
        ("object_type", "core.other"),
        ("actor_label", "someone else"),
        ("data", {"amount": "1"}),
        ("created_at", datetime(2020, 1, 1, tzinfo=UTC)),
    ],
)
def test_an_altered_row_is_named(unit, field, value):
    events = record(unit, 5)
    AuditEvent.objects.filter(pk=events[2].pk).update(**{field: value})
    message = verify_error()
    assert f"event #{events[2].pk}" in message
    assert "content does not match its hash" in message


@pytest.mark.django_db
def test_an_altered_row_with_a_recomputed_hash_is_caught_at_the_next_row(unit):
    events = record(unit, 5)
    altered = AuditEvent.objects.get(pk=events[2].pk)
    altered.reason = "nothing to see here"
    AuditEvent.objects.filter(pk=altered.pk).update(reason=altered.reason, hash=event_hash(altered))
    message = verify_error()
    assert f"event #{events[3].pk}" in message
    assert "prev_hash does not match" in message


@pytest.mark.django_db
def test_a_deleted_middle_row_names_the_following_event(unit):
    events = record(unit, 5)
    AuditEvent.objects.filter(pk=events[2].pk).delete()
    message = verify_error()
    assert f"event #{events[3].pk}" in message
    assert "prev_hash does not match" in message
    assert [b.event_id for b in audit_breaks()] == [events[3].pk]


@pytest.mark.django_db
def test_a_deleted_first_row_names_the_new_first_event(unit):
    events = record(unit, 3)
    AuditEvent.objects.filter(pk=events[0].pk).delete()
    assert f"event #{events[1].pk}" in verify_error()


@pytest.mark.django_db
def test_a_deleted_last_row_is_caught_by_the_chain_head(unit):
    events = record(unit, 5)
    AuditEvent.objects.filter(pk=events[-1].pk).delete()
    message = verify_error()
    assert "chain head" in message
    assert "#" not in message
    breaks = list(audit_breaks())
    assert [b.event_id for b in breaks] == [None]


@pytest.mark.django_db
def test_a_deleted_whole_log_is_caught_by_the_chain_head(unit):
    record(unit, 3)
    AuditEvent.objects.all().delete()
    assert "chain head" in verify_error()


@pytest.mark.django_db
def test_a_forged_row_with_an_invented_prev_hash_is_named(unit):
    record(unit, 3)
    forged = forge("f" * 64)
    message = verify_error()
    assert f"event #{forged.pk}" in message
    assert "prev_hash does not match" in message


@pytest.mark.django_db
def test_a_forged_row_appended_behind_the_head_is_caught_by_the_chain_head(unit):
    events = record(unit, 3)
    forge(events[-1].hash)  # well chained, but the head was not moved
    assert "chain head" in verify_error()


@pytest.mark.django_db
def test_a_forged_row_put_in_place_of_a_deleted_one_names_the_following_event(unit):
    events = record(unit, 5)
    AuditEvent.objects.filter(pk=events[2].pk).delete()
    forge(events[1].hash, id=events[2].pk)  # chains onto its predecessor, hash self-consistent
    message = verify_error()
    assert f"event #{events[3].pk}" in message
    assert "prev_hash does not match" in message


@pytest.mark.django_db
def test_verification_reads_in_batches_without_losing_the_link(unit):
    events = record(unit, 7)
    assert list(audit_breaks(batch=2)) == []
    AuditEvent.objects.filter(pk=events[4].pk).delete()  # the link crosses a batch boundary
    assert [b.event_id for b in audit_breaks(batch=2)] == [events[5].pk]


@pytest.mark.django_db
def test_only_the_first_break_is_reported_and_all_are_found(unit):
    events = record(unit, 6)
    AuditEvent.objects.filter(pk=events[1].pk).update(reason="x")
    AuditEvent.objects.filter(pk=events[4].pk).update(reason="y")
    assert [b.event_id for b in audit_breaks()] == [events[1].pk, events[4].pk]
    message = verify_error()
    assert f"event #{events[1].pk}" in message
    assert f"event #{events[4].pk}" not in message


# --- Concurrency --------------------------------------------------------------------------

THREADS = 4
EVENTS_PER_THREAD = 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    unit = Unit.objects.create(name="东城街道", code="east", kind="district")
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(EVENTS_PER_THREAD):
                with transaction.atomic():
                    audit_record(action="test", obj=unit, reason=f"thread {n} event {i}")
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []

    total = THREADS * EVENTS_PER_THREAD
    assert verify().strip() == f"audit log intact: {total} events"
    events = list(AuditEvent.objects.order_by("id"))
    prev_hashes = [e.prev_hash for e in events]
    assert len(set(prev_hashes)) == total  # no two events share a predecessor: no fork
    assert set(prev_hashes) == {GENESIS} | {e.hash for e in events[:-1]}
    assert AuditChainHead.objects.get(id=1).last_hash == events[-1].hash
