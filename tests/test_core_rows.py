"""core.rows: the hot path's INSERT and UPDATE without the ORM's query building store exactly
what `save()` stores, and fail as it fails."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from lianxin.appeals.models import Appeal
from lianxin.core import clock
from lianxin.core.models import Notification, Unit
from lianxin.core.rows import insert_row, insert_rows, on_commit, update_row, writes_held

pytestmark = pytest.mark.django_db


NOW = clock.now()


def appeal(number: str) -> Appeal:
    now = NOW
    return Appeal(
        tracking_number=number,
        title="楼道灯坏了",
        content="三单元楼道的灯坏了一周。",
        contact_name="王芳",
        contact_phone="13812345678",
        is_public=True,
        created_at=now,
        updated_at=now,
        contact_deadline=now,
        handling_deadline=now,
    )


def test_a_row_inserted_reads_back_as_one_saved(district):
    saved, inserted = appeal("20261206000001"), appeal("20261206000002")
    saved.save(force_insert=True)
    insert_row(inserted)
    assert inserted.pk and inserted.pk != saved.pk and not inserted._state.adding
    ignore = {"id", "tracking_number"}
    got, want = (
        {k: v for k, v in model_to_dict(Appeal.objects.get(pk=a.pk)).items() if k not in ignore}
        for a in (inserted, saved)
    )
    assert got == want


def test_a_broken_constraint_is_an_integrity_error(district):
    insert_row(appeal("20261206000003"))
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_row(appeal("20261206000003"))
    assert Appeal.objects.filter(tracking_number="20261206000003").count() == 1


def test_a_row_updated_reads_back_as_one_saved(district):
    saved, updated = appeal("20261206000004"), appeal("20261206000005")
    later = clock.now()
    for row in (saved, updated):
        row.save(force_insert=True)
        row.title, row.unit, row.dispatched_at = "路灯不亮", district["vet"], later
        row.content = "not among the fields: stays as stored"
    fields = ["title", "unit", "dispatched_at"]
    saved.save(update_fields=fields)
    update_row(updated, fields)
    ignore = {"id", "tracking_number"}
    got, want = (
        {k: v for k, v in model_to_dict(Appeal.objects.get(pk=a.pk)).items() if k not in ignore}
        for a in (updated, saved)
    )
    assert got == want and got["content"] == "三单元楼道的灯坏了一周。"
    assert got["unit"] == district["vet"].pk


def test_an_update_of_a_row_gone_or_of_no_column_is_refused(district):
    gone = appeal("20261206000006")
    gone.save(force_insert=True)
    Appeal.objects.filter(pk=gone.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        update_row(gone, ["title"])
    with pytest.raises(ValueError):
        update_row(district["vet"], ["id"])
    update_row(district["vet"], [])  # nothing to save, as save(update_fields=[])
    assert Unit.objects.get(pk=district["vet"].pk).name == district["vet"].name


def note(n: int) -> Notification:
    return Notification(channel="inapp", subject=f"message {n}", body="", status="sent")


def test_rows_held_are_inserted_when_written_one_statement_a_model(district):
    with writes_held() as held:  # no transaction needed to hold
        insert_row(note(0))
        insert_row(appeal("20261206000007"))
        insert_rows([note(1), note(2)])
        insert_row(note(3))
        insert_row(appeal("20261206000008"))
    assert not Notification.objects.exists() and not Appeal.objects.exists()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        held.write()
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 2  # the messages in one, the appeals in the other
    subjects = Notification.objects.order_by("id").values_list("subject", flat=True)
    assert list(subjects) == [f"message {n}" for n in range(4)]  # in the order given
    numbers = Appeal.objects.order_by("id").values_list("tracking_number", flat=True)
    assert list(numbers) == ["20261206000007", "20261206000008"]
    insert_row(note(4))  # and after the block, at once again
    assert Notification.objects.count() == 5


def test_rows_inserted_together_get_their_own_ids(district):
    """insert_rows sets each row's id from what the INSERT returned, in the order given."""
    notes = [note(n) for n in range(3)]
    insert_rows(notes)
    stored = dict(Notification.objects.values_list("pk", "subject"))
    assert [stored[n.pk] for n in notes] == [f"message {n}" for n in range(3)]
    assert not any(n._state.adding for n in notes)


def test_what_is_held_is_written_once_and_blocks_do_not_nest(
    district, django_capture_on_commit_callbacks
):
    ran = []
    with writes_held() as held:
        insert_row(note(0))
        on_commit(lambda: ran.append(Notification.objects.count()))
        with pytest.raises(RuntimeError), writes_held():
            pass
    assert not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        held.write()
        assert ran == []  # after commit only
        with pytest.raises(RuntimeError):
            held.write()
    assert ran == [1]


def test_rows_held_and_not_written_are_dropped(district):
    with writes_held():
        insert_row(note(0))
    with pytest.raises(ValueError), writes_held():
        insert_row(note(1))
        raise ValueError("the change fails")
    assert not Notification.objects.exists()
    with transaction.atomic():
        insert_row(note(2))
    assert list(Notification.objects.values_list("subject", flat=True)) == ["message 2"]


def test_updates_held_write_each_row_once_with_its_values_at_the_end(district):
    rows = [appeal(f"2026120600001{n}") for n in range(3)]
    for row in rows:
        row.save(force_insert=True)
    first, second, third = rows
    with writes_held() as held:
        first.title = "路灯不亮"
        update_row(first, ["title"])
        first.unit = district["vet"]
        update_row(first, ["unit", "title"])
        first.title = "路灯不亮（已核实）"  # changed after: the value at the end is written
        second.title, second.unit = "井盖丢了", district["env"]
        update_row(second, ["title", "unit"])
        third.content = "只改内容"
        update_row(third, ["content"])
    assert Appeal.objects.get(pk=first.pk).title == "楼道灯坏了"  # nothing written yet
    first.title = "改在块外"  # prepared when the block ended: not this
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        held.write()
    # Two statements: first and second have the same fields, so one of them updates both rows
    # (Django logs it as "2 times: UPDATE …").
    logged = [q["sql"] for q in queries.captured_queries]
    assert len(logged) == 2 and any(sql.startswith("2 times: UPDATE") for sql in logged)
    stored = {a.pk: a for a in Appeal.objects.filter(pk__in=[r.pk for r in rows])}
    assert (stored[first.pk].title, stored[first.pk].unit) == (
        "路灯不亮（已核实）",
        district["vet"],
    )
    assert (stored[second.pk].title, stored[second.pk].unit) == ("井盖丢了", district["env"])
    assert (stored[third.pk].title, stored[third.pk].content) == ("楼道灯坏了", "只改内容")


def test_an_update_held_of_a_row_gone_fails_the_write(district):
    kept, gone = appeal("20261206000020"), appeal("20261206000021")
    for row in (kept, gone):
        row.save(force_insert=True)
    Appeal.objects.filter(pk=gone.pk).delete()
    with writes_held() as held:
        for row in (kept, gone):
            row.title = "改了"
            update_row(row, ["title"])
    with pytest.raises(DatabaseError), transaction.atomic():
        held.write()
    assert Appeal.objects.get(pk=kept.pk).title == "楼道灯坏了"
