"""The demo case (畜禽养殖禁养区调整) plays through the services and leaves every page
something real to show."""

import pytest
from django.core.files.storage import default_storage

from lianxin.core.models import Role
from lianxin.demo import participation as demo
from lianxin.participation.models import (
    CorrectionStatus,
    DecisionStatus,
    HearingStatus,
    NoticeStatus,
)
from lianxin.participation.selectors import notice_counts
from lianxin.participation.services.hearings import draw_compute
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_the_demo_case(district, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_user("handler-vet", Role.HANDLER, district["vet"])
    make_user("leader-vet", Role.LEADER, district["vet"])
    make_user("citizen", Role.CITIZEN, district["root"])
    notice = demo.seed()
    assert notice.status == NoticeStatus.CLOSED
    assert notice_counts(notice) == {
        "comments": 6,
        "hidden": 1,
        "answered": 6,
        "adopted": 2,
        "partly": 3,
        "not_adopted": 1,
    }
    (attachment,) = notice.files.all()
    assert attachment.kind == "pdf" and attachment.name == "禁养区调整范围说明.pdf"
    with default_storage.open(attachment.stored_as) as stored:
        assert stored.read().startswith(b"%PDF-")
    assert notice.revisions.get().changes[0]["field"] == "channels"
    decision = notice.decision
    assert decision.status == DecisionStatus.PUBLICATION
    assert decision.steps.count() == 6 and decision.milestones.count() == 3
    assert decision.milestones.filter(completed_on__isnull=False).get().on_time
    assert decision.corrections.get().status == CorrectionStatus.OPEN
    hearing = decision.hearings.get()
    assert hearing.status == HearingStatus.HELD
    assert hearing.applicants.filter(selected=True).count() == 8
    assert draw_compute(hearing, demo.SEED).selected == hearing.draw.result["selected"]
    assert demo.seed() is None  # a second run changes nothing
