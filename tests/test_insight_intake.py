"""How new appeals reach the insight analysis: a task per appeal with a broker, a periodic
batch without one (so the citizen's request never waits for it)."""

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


def test_queue_mode_analyses_each_appeal_after_commit(district, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(**SAME)
    with django_capture_on_commit_callbacks(execute=True):
        second = submit(**SAME)
    assert AppealArea.objects.filter(appeal__in=[first, second]).count() == 2
    assert DuplicateCandidate.objects.filter(appeal=second, earlier=first).exists()
    assert analyse_new_appeals() == 0  # nothing left for the safety net


def test_batch_mode_leaves_the_request_alone_and_catches_up(
    settings, district, django_capture_on_commit_callbacks
):
    settings.INSIGHT_INTAKE_MODE = "batch"
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
