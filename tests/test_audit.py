"""The audit log (lianxin.core.audit): events written without a shared lock, sealed into a hash
chain in order by one sealer under a signed head, and `manage.py audit_verify`."""

import os
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Max
from django.utils import timezone

from lianxin.core import keys
from lianxin.core.audit import (
    GENESIS,
    ChainBroken,
    audit_breaks,
    audit_record,
    audit_seal,
    content_hash,
    event_hash,
    head_signature,
    link_hash,
)
from lianxin.core.models import AuditChainHead, AuditEvent, Unit
from lianxin.core.rows import writes_held

ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith("postgres")


@pytest.fixture
def unit(db):
    return Unit.objects.create(name="东城街道", code="east", kind="district")


def record(obj, count: int = 1, *, seal: bool = True, **fields) -> list[AuditEvent]:
    """`count` events in one transaction, then (by default) sealed; as stored."""
    with transaction.atomic():
        written = [
            audit_record(action="test", obj=obj, reason=f"reason {n}", **fields)
            for n in range(count)
        ]
    if seal:
        audit_seal()
    return list(AuditEvent.objects.filter(pk__in=[e.pk for e in written]).order_by("id"))


def verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def verify_error() -> str:
    with pytest.raises(CommandError) as excinfo:
        call_command("audit_verify", stdout=StringIO())
    return str(excinfo.value)


OUTSIDER_KEY = b"whoever writes to the database without holding the log's key"


def the_key() -> bytes:
    return keys.keys("audit-log")[0]


def forge(prev_hash: str, *, seq: int | None, key: bytes = OUTSIDER_KEY, **fields) -> AuditEvent:
    """An event written past audit_record, sealed-looking (`seq`) or not, with hashes computed
    for its own content under `key` (by default not the log's key)."""
    event = AuditEvent(
        created_at=timezone.now(),
        action="forged",
        object_type="core.unit",
        object_id="1",
        reason="forged",
        **fields,
    )
    event.content_hash = content_hash(event, key=key)
    event.save(force_insert=True)
    if seq is not None:
        event.seq, event.prev_hash = seq, prev_hash
        event.hash = link_hash(prev_hash, event.pk, event.content_hash)
        event.save(update_fields=["seq", "prev_hash", "hash"])
    return event


def next_seq() -> int:
    return (AuditEvent.objects.aggregate(m=Max("seq"))["m"] or 0) + 1


# --- Recording ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_events_are_chained_from_genesis_to_the_signed_head(unit):
    events = record(unit, 5)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == GENESIS
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    assert len({e.hash for e in events}) == 5
    head = AuditChainHead.objects.get(id=1)
    assert (head.seq, head.last_hash) == (5, events[-1].hash)
    assert head.mac == head_signature(5, events[-1].hash)
    for stored in AuditEvent.objects.all():
        assert event_hash(stored) == stored.hash
        assert content_hash(stored) == stored.content_hash


@pytest.mark.django_db
def test_a_writer_leaves_the_chain_to_the_sealer(unit):
    (event,) = record(unit, seal=False)
    assert (event.seq, event.prev_hash, event.hash) == (None, "", None)
    assert event.content_hash == content_hash(event)
    assert not AuditChainHead.objects.exists()  # nothing a writer would have to lock
    assert audit_seal() == 1
    assert audit_seal() == 0  # each event is sealed once
    event.refresh_from_db()
    assert (event.seq, event.prev_hash) == (1, GENESIS)


@pytest.mark.django_db
def test_a_later_transaction_continues_the_chain(unit):
    first = record(unit, 2)
    second = record(unit, 2)
    assert second[0].prev_hash == first[-1].hash
    assert list(audit_breaks()) == []


@pytest.mark.django_db
def test_events_are_sealed_in_the_order_of_their_ids_across_batches(unit):
    events = record(unit, 7, seal=False)
    assert audit_seal(batch=3) == 7
    sealed = list(AuditEvent.objects.order_by("seq"))
    assert [e.pk for e in sealed] == [e.pk for e in events]
    assert list(audit_breaks()) == []


@pytest.mark.django_db
def test_events_held_are_sealed_in_the_order_recorded(unit):
    with writes_held() as held:  # recorded before the transaction, as routing does
        for n in range(4):
            audit_record(action="test", obj=unit, reason=f"reason {n}")
    assert not AuditEvent.objects.exists()  # written with what is held
    with transaction.atomic():
        held.write()
    events = list(AuditEvent.objects.order_by("id"))
    assert [e.reason for e in events] == [f"reason {n}" for n in range(4)]
    assert all(e.content_hash == content_hash(e) for e in events)
    assert audit_seal() == 4 and list(audit_breaks()) == []


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
    assert content_hash(reloaded) == event.content_hash == reloaded.content_hash
    assert event_hash(reloaded) == reloaded.hash
    assert "1 events" in verify()


@pytest.mark.django_db
def test_created_at_is_hashed_as_utc_whatever_the_timezone_on_read(unit):
    (event,) = record(unit)
    reloaded = AuditEvent.objects.get(pk=event.pk)
    reloaded.created_at = timezone.localtime(reloaded.created_at)  # Asia/Shanghai
    assert content_hash(reloaded) == event.content_hash


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
def test_an_altered_row_with_recomputed_hashes_is_named_without_the_key(unit):
    events = record(unit, 5)
    altered = AuditEvent.objects.get(pk=events[2].pk)
    altered.reason = "nothing to see here"
    altered.content_hash = content_hash(altered, key=OUTSIDER_KEY)
    altered.hash = link_hash(altered.prev_hash, altered.pk, altered.content_hash)
    altered.save(update_fields=["reason", "content_hash", "hash"])
    message = verify_error()
    assert f"event #{events[2].pk}" in message
    assert "content does not match its hash" in message


@pytest.mark.django_db
def test_an_altered_row_rehashed_with_the_key_is_caught_at_the_next_row(unit):
    events = record(unit, 5)
    altered = AuditEvent.objects.get(pk=events[2].pk)
    altered.reason = "nothing to see here"
    altered.content_hash = content_hash(altered, key=the_key())
    altered.hash = event_hash(altered)
    altered.save(update_fields=["reason", "content_hash", "hash"])
    message = verify_error()
    assert f"event #{events[3].pk}" in message
    assert "prev_hash does not match" in message


@pytest.mark.django_db
def test_an_event_altered_before_it_was_sealed_is_named(unit):
    events = record(unit, 3, seal=False)
    AuditEvent.objects.filter(pk=events[1].pk).update(reason="changed before the seal")
    message = verify_error()  # verify seals first
    assert f"event #{events[1].pk}" in message
    assert "content does not match its hash" in message


@pytest.mark.django_db
def test_two_events_swapped_in_the_trail_are_named(unit):
    """Pages show an object's trail in the order of ids; the seal covers the id."""
    events = record(unit, 4)
    first, second = events[1].pk, events[2].pk
    AuditEvent.objects.filter(pk=first).update(id=10_000)
    AuditEvent.objects.filter(pk=second).update(id=first)
    AuditEvent.objects.filter(pk=10_000).update(id=second)
    message = verify_error()  # names the first in the chain by the id it has now
    assert f"event #{second}" in message
    assert "id (the event was moved) does not match its hash" in message


@pytest.mark.django_db
def test_two_events_swapped_in_the_chain_are_named(unit):
    events = record(unit, 4)
    AuditEvent.objects.filter(pk=events[1].pk).update(seq=-1)
    AuditEvent.objects.filter(pk=events[2].pk).update(seq=events[1].seq)
    AuditEvent.objects.filter(pk=events[1].pk).update(seq=events[2].seq)
    message = verify_error()
    assert f"event #{events[2].pk}" in message
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
    forged = forge("f" * 64, seq=next_seq(), key=the_key())
    message = verify_error()
    assert f"event #{forged.pk}" in message
    assert "prev_hash does not match" in message


@pytest.mark.django_db
def test_a_forged_row_appended_behind_the_head_is_caught_by_the_chain_head(unit):
    events = record(unit, 3)
    forge(events[-1].hash, seq=next_seq(), key=the_key())  # chained, but the head not moved
    assert "chain head" in verify_error()


@pytest.mark.django_db
def test_a_forged_row_left_for_the_sealer_is_named(unit):
    record(unit, 3)
    forged = forge("", seq=None)  # the sealer chains it, but its content hash is not the key's
    message = verify_error()
    assert f"event #{forged.pk}" in message
    assert "content does not match its hash" in message


@pytest.mark.django_db
def test_a_forged_row_put_in_place_of_a_deleted_one_names_the_following_event(unit):
    events = record(unit, 5)
    AuditEvent.objects.filter(pk=events[2].pk).delete()
    # Chains onto its predecessor at the deleted place, hashes self-consistent under the key.
    forge(events[1].hash, seq=events[2].seq, key=the_key(), id=events[2].pk)
    message = verify_error()
    assert f"event #{events[3].pk}" in message
    assert "prev_hash does not match" in message


@pytest.mark.django_db
def test_a_moved_head_without_the_key_is_caught_and_not_built_on(unit):
    events = record(unit, 3)
    AuditEvent.objects.filter(pk=events[-1].pk).delete()
    AuditChainHead.objects.filter(id=1).update(seq=2, last_hash=events[1].hash)
    assert "signature does not match" in verify_error()
    record(unit, seal=False)
    with pytest.raises(ChainBroken):
        audit_seal()
    assert AuditEvent.objects.filter(seq__isnull=True).count() == 1


# --- Sealing in time -----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unsealed_event_is_reported_once_older_than_the_bound(unit, settings):
    settings.AUDIT_UNSEALED_MAX_AGE = timedelta(minutes=5)
    sealed = record(unit, 2)
    (late,) = record(unit, seal=False)
    assert list(audit_breaks(seal=False)) == []  # young: the schedule seals it soon
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert [(b.event_id, b.reason) for b in audit_breaks(seal=False)] == [
            (late.pk, "not sealed into the chain in time")
        ]
        with pytest.raises(CommandError, match=f"event #{late.pk}: not sealed"):
            call_command("audit_verify", "--no-seal", stdout=StringIO())
        assert verify().strip() == "audit log intact: 3 events"  # verify seals it
    late.refresh_from_db()
    assert late.prev_hash == sealed[-1].hash


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


def run_threads(*jobs) -> list[BaseException]:
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job) -> None:
        try:
            start.wait(timeout=30)
            job()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def assert_one_chain_of(total: int) -> None:
    assert verify().strip() == f"audit log intact: {total} events"
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, total + 1))  # nothing lost or doubled
    # Each writer's events keep its order (sealed in the order of commits; ids interleave).
    per_writer: dict[str, list[int]] = {}
    for e in events:
        writer, _slash, n = e.reason.rpartition(" ")
        per_writer.setdefault(writer, []).append(int(n))
    assert all(ns == sorted(ns) for ns in per_writer.values())
    prev_hashes = [e.prev_hash for e in events]
    assert len(set(prev_hashes)) == total  # no two events share a predecessor: no fork
    assert set(prev_hashes) == {GENESIS} | {e.hash for e in events[:-1]}
    assert AuditChainHead.objects.get(id=1).last_hash == events[-1].hash


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_a_sealer_make_one_chain():
    unit = Unit.objects.create(name="东城街道", code="east", kind="district")
    writing = threading.Event()
    writing.set()

    def writer(n: int):
        def job() -> None:
            for i in range(EVENTS_PER_THREAD):
                with transaction.atomic():
                    audit_record(action="test", obj=unit, reason=f"thread {n} {i}")

        return job

    def sealer() -> None:
        while writing.is_set():
            audit_seal()

    writers = [writer(n) for n in range(THREADS)]

    def writers_then_stop() -> None:
        try:
            assert run_threads(*writers) == []
        finally:
            writing.clear()

    assert run_threads(writers_then_stop, sealer) == []
    total = THREADS * EVENTS_PER_THREAD
    reasons = sorted(AuditEvent.objects.values_list("reason", flat=True))
    assert reasons == sorted(
        f"thread {n} {i}" for n in range(THREADS) for i in range(EVENTS_PER_THREAD)
    )
    assert_one_chain_of(total)


@pytest.mark.skipif(not ON_POSTGRESQL, reason="runs in the PostgreSQL pass of CI (DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_a_writer_does_not_wait_for_another_writers_open_transaction():
    """On SQLite every write takes the database's lock; on PostgreSQL audited writes on
    different records no longer queue on a shared row."""
    unit = Unit.objects.create(name="东城街道", code="east", kind="district")
    first_written, second_done = threading.Event(), threading.Event()

    def slow_writer() -> None:
        with transaction.atomic():
            audit_record(action="test", obj=unit, reason="slow 0")
            first_written.set()
            # Held open until the other writer has committed (it used to wait here for ever).
            assert second_done.wait(timeout=20), "the second writer waited for the first"

    def quick_writer() -> None:
        assert first_written.wait(timeout=20)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")
        with transaction.atomic():
            audit_record(action="test", obj=unit, reason="quick 0")
        assert audit_seal() == 1  # the open transaction's event is not seen yet
        second_done.set()

    assert run_threads(slow_writer, quick_writer) == []
    assert_one_chain_of(2)
    # The slow writer's event took its id first, but was committed, and so sealed, last.
    assert list(AuditEvent.objects.order_by("seq").values_list("reason", flat=True)) == [
        "quick 0",
        "slow 0",
    ]
    assert AuditEvent.objects.order_by("id").first().reason == "slow 0"


@pytest.mark.skipif(not ON_POSTGRESQL, reason="runs in the PostgreSQL pass of CI (DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_many_writers_on_postgresql_all_commit_into_one_chain():
    units = [Unit.objects.create(name=f"街道{n}", code=f"u{n}", kind="district") for n in range(8)]
    writing = threading.Event()
    writing.set()

    def writer(n: int):
        def job() -> None:
            for i in range(25):
                with transaction.atomic():
                    audit_record(action="test", obj=units[n], reason=f"writer {n} {i}")

        return job

    def sealer() -> None:
        while writing.is_set():
            audit_seal(batch=7)

    def writers_then_stop() -> None:
        try:
            assert run_threads(*[writer(n) for n in range(len(units))]) == []
        finally:
            writing.clear()

    assert run_threads(writers_then_stop, sealer, sealer) == []
    assert AuditEvent.objects.count() == 8 * 25
    assert_one_chain_of(8 * 25)


# --- A log chained before the sealer -----------------------------------------------------


def legacy_hash(prev_hash: str, event: AuditEvent) -> str:
    """How events were chained when every writer locked the head (before 0008)."""
    import hashlib

    from lianxin.core.audit import _canonical

    return hashlib.sha256(prev_hash.encode() + _canonical(event)).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_a_log_chained_before_the_sealer_stays_verifiable_and_is_continued():
    executor = MigrationExecutor(connection)
    executor.migrate([("core", "0007_verbose_names")])
    old = MigrationExecutor(connection).loader.project_state(("core", "0007_verbose_names")).apps
    OldEvent, OldHead = old.get_model("core", "AuditEvent"), old.get_model("core", "AuditChainHead")
    prev = GENESIS
    try:
        for n in range(3):
            row = AuditEvent(
                created_at=timezone.now(),
                action="test",
                object_type="core.unit",
                object_id="1",
                reason=f"legacy {n}",
                prev_hash=prev,
            )
            stored = OldEvent.objects.create(
                created_at=row.created_at,
                action=row.action,
                object_type=row.object_type,
                object_id=row.object_id,
                reason=row.reason,
                data={},
                prev_hash=prev,
                hash=legacy_hash(prev, row),
            )
            prev = stored.hash
        OldHead.objects.create(id=1, last_hash=prev)
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
    assert verify().strip() == "audit log intact: 3 events"
    legacy = list(AuditEvent.objects.order_by("seq"))
    assert [e.content_hash for e in legacy] == ["", "", ""]
    unit = Unit.objects.create(name="东城街道", code="east", kind="district")
    (new,) = record(unit)
    assert (new.seq, new.prev_hash) == (legacy[-1].seq + 1, legacy[-1].hash)
    assert verify().strip() == "audit log intact: 4 events"
    AuditEvent.objects.filter(pk=legacy[1].pk).update(reason="rewritten")
    message = verify_error()
    assert f"event #{legacy[1].pk}" in message
    assert "content does not match its hash" in message
