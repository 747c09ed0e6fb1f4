"""How new appeals reach the insight analysis: a task per appeal with a broker, the sweeper
`run_schedule` runs every second without one (so the citizen's request never waits for it)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from lianxin.core import clock
from lianxin.insight.models import AnalysisCursor, AppealArea, DuplicateCandidate, DuplicateKey
from lianxin.insight.tasks import analyse_new_appeals
from tests.appeals_helpers import fast_passwords, submit  # noqa: F401

pytestmark = pytest.mark.django_db

SAME = {
    "title": "东湖社区三单元路灯坏了",
    "content": "东城街道东湖社区三单元门口路灯坏了一个月，晚上看不见路。",
}


def test_with_a_broker_each_appeal_is_analysed_by_its_task_after_commit(
    settings, district, django_capture_on_commit_callbacks
):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"  # the task runs eagerly here
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(**SAME)
    with django_capture_on_commit_callbacks(execute=True):
        second = submit(**SAME)
    assert AppealArea.objects.filter(appeal__in=[first, second]).count() == 2
    assert DuplicateCandidate.objects.filter(appeal=second, earlier=first).exists()
    assert analyse_new_appeals() == 0  # nothing left for the safety net


def test_without_a_broker_the_request_leaves_it_to_the_sweeper(
    settings, district, django_capture_on_commit_callbacks
):
    settings.CELERY_BROKER_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(**SAME)
        # History imported later gets a later id and an earlier time: still analysed.
        with clock.at(timezone.now() - timedelta(days=3)):
            history = submit(**SAME)
    assert not AppealArea.objects.exists() and not DuplicateKey.objects.exists()

    assert analyse_new_appeals() == 2
    assert AppealArea.objects.filter(appeal__in=[first, history]).count() == 2
    assert DuplicateCandidate.objects.filter(appeal=first, earlier=history).exists()
    assert AnalysisCursor.objects.get().last_appeal_id == history.pk
    assert analyse_new_appeals() == 0

    with django_capture_on_commit_callbacks(execute=True):
        third = submit(**SAME)
    assert analyse_new_appeals() == 1
    assert DuplicateCandidate.objects.filter(appeal=third).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_sweeper_reads_and_computes_outside_its_transaction(settings, district, monkeypatch):
    """On SQLite a transaction holds the whole database: the analysis must not compute in one
    (requests waited for it), and writes each appeal's results in one short transaction."""
    from django.db import connection

    from lianxin.insight import tasks

    settings.CELERY_BROKER_URL = ""
    first, second = submit(**SAME), submit(**SAME)
    seen: list[tuple[str, bool]] = []

    def watched(name, function):
        def call(*args, **kwargs):
            seen.append((name, connection.in_atomic_block))
            return function(*args, **kwargs)

        return call

    for module, name in [
        (tasks.duplicate_services, "duplicates_of"),
        (tasks.warning_services, "appeal_area_of"),
        (tasks.duplicate_services, "duplicates_store"),
        (tasks.warning_services, "appeal_area_store"),
    ]:
        monkeypatch.setattr(module, name, watched(name, getattr(module, name)))

    assert analyse_new_appeals() == 2
    assert seen == 2 * [
        ("duplicates_of", False),
        ("appeal_area_of", False),
        ("duplicates_store", True),
        ("appeal_area_store", True),
    ]
    # The second appeal, analysed after the first was written, found it.
    assert DuplicateCandidate.objects.filter(appeal=second, earlier=first).exists()
    assert AppealArea.objects.filter(appeal__in=[first, second]).count() == 2
