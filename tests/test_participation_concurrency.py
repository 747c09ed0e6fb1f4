"""Two people acting on one notice or hearing at the same moment cannot both win: real
threads, real connections, on SQLite (file database, IMMEDIATE transactions) and on
PostgreSQL (row locks), as in tests/test_concurrency.py."""

from datetime import timedelta

import pytest

from lianxin.core import clock
from lianxin.core.errors import Conflict, InvalidInput, InvalidTransition
from lianxin.participation.errors import Code
from lianxin.participation.models import (
    Draw,
    HearingStatus,
    NoticeAttachment,
    NoticeRevision,
    NoticeStatus,
)
from lianxin.participation.services import corrections, hearings, notices
from tests.participation_helpers import PDF, open_notice, upload
from tests.test_concurrency import audit_intact, race, user
from tests.test_participation_hearings import announce

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_two_draws_of_one_hearing_one_wins(district, people):
    hearing = announce(district["vet"], people["vet_leader"], {"farmer": 1, "resident": 1})
    for name, stake in (("张三", "farmer"), ("李四", "farmer"), ("王五", "resident")):
        hearings.hearing_apply(hearing_id=hearing.pk, actor=None, name=name, stake=stake)
    results = race(
        lambda: hearings.hearing_draw(hearing_id=hearing.pk, actor=user("vet_leader"), seed="1"),
        lambda: hearings.hearing_draw(hearing_id=hearing.pk, actor=user("admin"), seed="2"),
    )
    winners = [r for r in results if isinstance(r, Draw)]
    losers = [r for r in results if isinstance(r, InvalidTransition)]
    assert (len(winners), len(losers)) == (1, 1), results
    assert losers[0].code == Code.HEARING_NOT_OPEN
    hearing.refresh_from_db()
    assert hearing.status == HearingStatus.DRAWN
    (draw,) = Draw.objects.all()
    assert draw.seed == winners[0].seed  # the loser's seed was never applied
    assert hearing.applicants.filter(selected=True).count() == 2
    assert audit_intact()


def test_two_uploads_for_the_last_free_place_one_is_stored(district, people, media, settings):
    settings.NOTICE_ATTACHMENTS_MAX = 2
    notice = open_notice(district["vet"], people["vet_handler"])
    corrections.notice_attach(
        notice_id=notice.pk, actor=people["vet_handler"], files=[upload(PDF, "第一份.pdf")]
    )
    results = race(
        lambda: corrections.notice_attach(
            notice_id=notice.pk, actor=user("vet_handler"), files=[upload(PDF, "甲.pdf")]
        ),
        lambda: corrections.notice_attach(
            notice_id=notice.pk, actor=user("vet_leader"), files=[upload(PDF, "乙.pdf")]
        ),
    )
    assert sum(isinstance(r, list) for r in results) == 1, results
    (refused,) = [r for r in results if isinstance(r, InvalidInput)]
    assert refused.code == "too_many_files"
    assert NoticeAttachment.objects.count() == 2
    assert len([p for p in media.rglob("*") if p.is_file()]) == 2  # nothing of the loser's
    assert audit_intact()


def test_two_corrections_from_the_same_form_one_wins_one_conflicts(district, people):
    notice = open_notice(district["vet"], people["vet_handler"])
    version = notice.version
    results = race(
        lambda: corrections.notice_correct(
            notice_id=notice.pk,
            actor=user("vet_handler"),
            reason="错字",
            version=version,
            title="甲",
        ),
        lambda: corrections.notice_correct(
            notice_id=notice.pk,
            actor=user("vet_leader"),
            reason="错字",
            version=version,
            title="乙",
        ),
    )
    (winner,) = [r for r in results if isinstance(r, NoticeRevision)]
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    notice.refresh_from_db()
    assert notice.title == winner.changes[0]["new"] and notice.version == version + 1
    assert NoticeRevision.objects.count() == 1
    assert audit_intact()


def test_closing_racing_an_extension_one_wins(district, people):
    """The period has just ended: one clerk closes the notice while another extends it.
    Either it is closed (and the extension refused as final) or extended (and the closing
    refused as the period runs again), never both."""
    start = clock.now() - timedelta(days=10)
    with clock.at(start):
        notice = notices.notice_create(
            actor=people["vet_handler"],
            unit=district["vet"],
            title="临时交通管制方案",
            text="第一条 甲。",
            opens_at=start,
            closes_at=clock.now() + timedelta(days=9, hours=23),
            is_major=False,
        )
    results = race(
        lambda: notices.notice_close(
            notice_id=notice.pk, actor=user("vet_handler"), summary="无意见"
        ),
        lambda: corrections.notice_correct(
            notice_id=notice.pk,
            actor=user("vet_leader"),
            reason="应群众要求延长",
            closes_at=clock.now() + timedelta(days=7),
        ),
    )
    refused = [r for r in results if isinstance(r, InvalidTransition)]
    assert len(refused) == 1, results
    notice.refresh_from_db()
    if notice.status == NoticeStatus.CLOSED:
        assert refused[0].code == Code.NOTICE_FINAL and not NoticeRevision.objects.exists()
    else:
        assert refused[0].code == Code.PERIOD_RUNNING and NoticeRevision.objects.count() == 1
    assert audit_intact()
