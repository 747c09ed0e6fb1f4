"""core.rows.insert_row: the hot path's INSERT without the ORM's query building stores exactly
what `save()` stores, and a broken constraint is an IntegrityError as there."""

import pytest
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict

from lianxin.appeals.models import Appeal
from lianxin.core import clock
from lianxin.core.rows import insert_row

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
