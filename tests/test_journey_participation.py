"""Journeys of public participation through the pages in Chromium: a citizen on a phone
comments on a paragraph and reads the unit's answer; the responsible unit answers and closes
(closing with a comment unanswered is refused with the reason, nothing changes); the organiser
draws a hearing's participants (a draw that cannot be made is refused, nothing changes); the
unit attaches a file and corrects a published notice, which a citizen downloads and reads."""

from datetime import timedelta

import pytest

from lianxin.core import clock
from lianxin.participation.models import (
    Comment,
    Draw,
    HearingStatus,
    NoticeAttachment,
    NoticeStatus,
)
from lianxin.participation.services import hearings, notices
from tests.browser import DESKTOP, PHONE, assert_clean, fits_width, login, open_page
from tests.participation_helpers import PDF, open_notice
from tests.test_participation_hearings import announce

pytestmark = pytest.mark.browser


def test_a_citizen_comments_on_a_paragraph_and_reads_the_answer(
    chromium, live_server, district, people
):
    notice = open_notice(district["vet"], people["vet_handler"])
    page = login(chromium, live_server, "citizen", viewport=PHONE)
    page.goto(f"{live_server.url}/participation/")
    page.click(f"a[href='/participation/notices/{notice.pk}/']")
    paragraph = notice.paragraphs.get(number=3)
    page.select_option("#paragraph", str(paragraph.pk))
    page.fill("#comment-text", "500米外延范围内的老养殖户怎么安置？")
    page.click("#comment-submit")
    assert "谢谢" in page.inner_text("ul.messages")
    assert "老养殖户" in page.inner_text("#p-3")
    assert "等待责任单位答复" in page.inner_text("#p-3")
    assert fits_width(page)
    comment = Comment.objects.get()
    assert comment.paragraph == paragraph and comment.author == people["citizen"]

    notices.comment_answer(
        comment_id=comment.pk,
        actor=people["vet_handler"],
        outcome="partly",
        reason="就近安排新场址，补助另行提高。",
    )
    page.reload()
    answer = page.inner_text(f"#comment-{comment.pk}")
    assert "部分采纳" in answer and "就近安排新场址" in answer
    assert fits_width(page)
    assert_clean(page)


def test_the_unit_answers_and_closes(chromium, live_server, district, people):
    start = clock.now() - timedelta(days=40)
    with clock.at(start):
        notice = notices.notice_create(
            actor=people["vet_handler"],
            unit=district["vet"],
            title="禁养区调整方案",
            text="第一条 甲。\n\n第二条 乙。",
            opens_at=start,
            closes_at=start + timedelta(days=35),
        )
    with clock.at(start + timedelta(days=3)):
        first = notices.notice_comment(notice_id=notice.pk, actor=None, text="补助太低")
        second = notices.notice_comment(notice_id=notice.pk, actor=None, text="期限太紧")
    page = login(chromium, live_server, "vet_handler", viewport=DESKTOP)
    page.goto(f"{live_server.url}/participation/notices/{notice.pk}/")
    page.click("#manage-link")
    page.fill(f"#reason-{first.pk}", "补助提高到每头400元。")
    page.select_option(f"#outcome-{first.pk}", "adopted")
    page.click(f"#answer-{first.pk}")
    assert "答复已发布" in page.inner_text("ul.messages")
    # Closing with a comment unanswered: refused with the rule, nothing changes.
    page.fill("#summary", "意见已逐条答复。")
    page.click("#close-submit")
    message = page.inner_text("ul.messages")
    assert "1条意见尚未答复" in message and "第三十二条" in message
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.OPEN and notice.closing_summary == ""
    page.fill(f"#reason-{second.pk}", "期限不变：水源保护不能等。")
    page.select_option(f"#outcome-{second.pk}", "not_adopted")
    page.click(f"#answer-{second.pk}")
    page.fill("#summary", "意见已逐条答复。")
    page.click("#close-submit")
    assert "公示已结束" in page.inner_text("ul.messages")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.CLOSED
    page.goto(f"{live_server.url}/participation/notices/{notice.pk}/")
    assert "意见已逐条答复" in page.inner_text("#closing")
    assert "采纳 1" in page.inner_text("#counts").replace("部分采纳", "")
    assert page.locator("#comment-form").count() == 0
    assert_clean(page)


def test_the_organiser_draws_the_hearing(chromium, live_server, district, people):
    hearing = announce(district["vet"], people["vet_leader"], {"farmer": 2, "resident": 1})
    for name, stake in (("张三", "farmer"), ("王五", "resident"), ("孙八", "resident")):
        hearings.hearing_apply(hearing_id=hearing.pk, actor=None, name=name, stake=stake)
    page = login(chromium, live_server, "vet_leader", viewport=DESKTOP)
    page.goto(f"{live_server.url}/participation/hearings/{hearing.pk}/")
    page.fill("#seed-input", "527")
    page.click("#draw-submit")
    assert "无法抽签" in page.inner_text("ul.messages")
    hearing.refresh_from_db()
    assert hearing.status == HearingStatus.ANNOUNCED and not Draw.objects.exists()
    # One more farmer applies on a phone; then the draw can be made.
    citizen = login(chromium, live_server, "citizen", viewport=PHONE)
    citizen.goto(f"{live_server.url}/participation/hearings/{hearing.pk}/")
    citizen.fill("#name", "李四")
    citizen.select_option("#stake", "farmer")
    citizen.click("#apply-form button[type=submit]")
    assert "报名成功" in citizen.inner_text("ul.messages")
    assert fits_width(citizen)
    page.goto(f"{live_server.url}/participation/hearings/{hearing.pk}/")  # not a re-POST
    page.fill("#seed-input", "527")
    page.click("#draw-submit")
    assert page.inner_text("#seed") == "527"
    table = page.inner_text("#draw table")
    assert "1.000" in table and "0.500" in table  # both farmers certain, residents 1 in 2
    hearing.refresh_from_db()
    assert hearing.status == HearingStatus.DRAWN
    assert hearing.applicants.filter(selected=True).count() == 3
    assert_clean(page)
    assert_clean(citizen)


def test_a_comment_sent_after_the_period_ended_is_refused(chromium, live_server, district, people):
    """The page was opened while comments were taken; the period ends before the citizen
    sends: refused with the reason, nothing stored."""
    start = clock.now() - timedelta(days=3)
    notice = notices.notice_create(
        actor=people["vet_handler"],
        unit=district["vet"],
        title="临时交通管制方案",
        text="第一条 甲。",
        opens_at=start,
        closes_at=clock.now() + timedelta(seconds=6),
        is_major=False,
    )
    page = login(chromium, live_server, "citizen", viewport=PHONE)
    page.goto(f"{live_server.url}/participation/notices/{notice.pk}/")
    page.fill("#comment-text", "建议错峰管制")
    page.wait_for_timeout(max(0, (notice.closes_at - clock.now()).total_seconds() * 1000) + 500)
    page.click("#comment-submit")
    assert "征求意见期已结束" in page.inner_text("ul.messages")
    assert not Comment.objects.exists()
    assert page.locator("#comment-form").count() == 0  # no form once the period is over
    assert page.locator("#not-accepting").is_visible()
    assert fits_width(page)
    assert_clean(page)


def test_the_unit_attaches_a_file_and_corrects_and_a_citizen_downloads_and_reads_it(
    chromium, live_server, district, people, settings, tmp_path
):
    """Staff attach a map to an open notice (an oversized file and a disguised one are refused
    with the reason, nothing stored), then correct a figure in a paragraph already commented on;
    a citizen on a phone downloads the map and sees the correction, dated and explained, with
    the text the comment was about still readable."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UPLOAD_MAX_BYTES = 4096
    notice = open_notice(district["vet"], people["vet_handler"])
    paragraph = notice.paragraphs.get(number=4)
    comment = notices.notice_comment(
        notice_id=notice.pk, actor=None, text="300元补助太低", paragraph_id=paragraph.pk
    )
    staff = login(chromium, live_server, "vet_handler", viewport=DESKTOP)
    staff.goto(f"{live_server.url}/participation/notices/{notice.pk}/")
    staff.click("#edit-link")

    def send(name: str, data: bytes) -> str:
        staff.set_input_files(
            "#files-input", files=[{"name": name, "mimeType": "application/pdf", "buffer": data}]
        )
        staff.click("#upload-submit")
        return staff.inner_text("ul.messages")

    message = send("全区禁养区范围图.pdf", PDF + b"0" * 10_000)
    assert "超过了单个文件的上限" in message and "全区禁养区范围图.pdf" in message
    message = send("补助标准.pdf", b"<html><script>alert(1)</script></html>")
    assert "不是PDF" in message and "按文件内容判断" in message
    assert not NoticeAttachment.objects.exists()
    assert not [p for p in (tmp_path / "media").rglob("*") if p.is_file()]
    assert "附件已随公示发布" in send("禁养区范围图.pdf", PDF)
    assert "禁养区范围图.pdf" in staff.inner_text("#files")

    staff.fill("#paragraph-4", paragraph.text.replace("300元", "350元"))
    staff.fill("#reason", "补助标准笔误，应为每头350元")
    staff.click("#correct-submit")
    assert "更正已发布" in staff.inner_text("ul.messages")
    assert_clean(staff)

    citizen = open_page(chromium, live_server, viewport=PHONE)
    citizen.goto(f"{live_server.url}/participation/notices/{notice.pk}/")
    assert "更正" in citizen.inner_text("#corrected-note")
    section = citizen.inner_text("#p-4")
    assert "350元" in section and "补助标准笔误" in section
    assert "针对更正前的文本" in citizen.inner_text(f"#comment-{comment.pk}")
    citizen.click("#p-4 details summary")
    assert "300元" in citizen.inner_text("#p-4 details")
    assert "补助标准笔误" in citizen.inner_text("#corrections")
    with citizen.expect_download() as info:
        citizen.click("#files a")
    download = info.value
    assert download.suggested_filename == "禁养区范围图.pdf"
    assert open(download.path(), "rb").read() == PDF
    assert fits_width(citizen)
    assert_clean(citizen)
