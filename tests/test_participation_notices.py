"""Notices with comment periods (公示): paragraphs, comments, moderation, groups, answers and
the refusal to close while a comment has no answer."""

from datetime import timedelta

import pytest

from lianxin.core import clock
from lianxin.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from lianxin.core.models import AuditEvent
from lianxin.evaluation.measures import MEASURES
from lianxin.participation.errors import Code
from lianxin.participation.models import Comment, Notice, NoticeStatus
from lianxin.participation.selectors import notice_counts, share_comments_answered
from lianxin.participation.services import notices
from tests.participation_helpers import after, open_notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(district, people):
    return open_notice(district["vet"], people["vet_handler"])


def test_text_is_split_into_articles_and_paragraphs():
    parts = notices.split_paragraphs("标题\n\n第一条 甲。\n第二条 乙，\n续行。\n\n一、丙\n二、丁")
    assert parts == ["标题", "第一条 甲。", "第二条 乙，\n续行。", "一、丙", "二、丁"]


def test_notice_is_created_in_paragraphs_with_an_audit_event(notice):
    assert [p.number for p in notice.paragraphs.all()] == [1, 2, 3, 4]
    assert notice.paragraphs.get(number=3).text.endswith("关闭或搬迁。")
    assert AuditEvent.objects.filter(action="notice_create", object_id=str(notice.pk)).exists()


def test_a_short_period_for_a_major_decision_needs_a_reason(district, people):
    with pytest.raises(InvalidInput) as refused:
        open_notice(district["vet"], people["vet_handler"], days=10)
    assert refused.value.code == Code.PERIOD_TOO_SHORT
    assert "第十五条" in str(refused.value.message) or "30" in str(refused.value.message)
    assert not Notice.objects.exists()
    shortened = open_notice(
        district["vet"],
        people["vet_handler"],
        days=10,
        short_period_reason="非洲猪瘟疫情防控需要，缩短征求意见期限。",
    )
    assert shortened.short_period_reason.startswith("非洲猪瘟")


def test_only_the_units_staff_publish_notices(district, people):
    with pytest.raises(PermissionDenied):
        open_notice(district["vet"], people["env_handler"])
    with pytest.raises(PermissionDenied):
        open_notice(district["vet"], people["citizen"])


def test_comments_real_name_anonymous_and_on_a_paragraph(notice, people):
    from django.contrib.auth.models import AnonymousUser

    paragraph = notice.paragraphs.get(number=3)
    named = notices.notice_comment(
        notice_id=notice.pk, actor=people["citizen"], text="补助太低", paragraph_id=paragraph.pk
    )
    hidden_name = notices.notice_comment(
        notice_id=notice.pk, actor=people["citizen"], text="同意", anonymous=True
    )
    stranger = notices.notice_comment(notice_id=notice.pk, actor=AnonymousUser(), text="\u200b好")
    assert named.paragraph == paragraph and named.author_label == "c******"
    assert hidden_name.author_label == "" and hidden_name.author == people["citizen"]
    assert stranger.author is None and stranger.text == "好"
    assert AuditEvent.objects.filter(action="notice_comment").count() == 3


def test_a_comment_on_another_notices_paragraph_is_refused(notice, district, people):
    other = open_notice(district["vet"], people["vet_handler"])
    with pytest.raises(InvalidInput) as refused:
        notices.notice_comment(
            notice_id=notice.pk,
            actor=people["citizen"],
            text="x",
            paragraph_id=other.paragraphs.first().pk,
        )
    assert refused.value.code == Code.BAD_PARAGRAPH
    assert not Comment.objects.exists()


def test_a_comment_after_the_period_is_refused(notice, people):
    with after(notice), pytest.raises(InvalidTransition) as refused:
        notices.notice_comment(notice_id=notice.pk, actor=people["citizen"], text="晚了")
    assert refused.value.code == Code.NOTICE_CLOSED
    assert not Comment.objects.exists()


def test_moderation_hides_with_a_reason_and_never_deletes(notice, people):
    comment = notices.notice_comment(notice_id=notice.pk, actor=people["citizen"], text="广告")
    with pytest.raises(PermissionDenied):
        notices.comment_hide(comment_id=comment.pk, actor=people["env_handler"], reason="广告")
    notices.comment_hide(comment_id=comment.pk, actor=people["vet_handler"], reason="商业广告")
    comment.refresh_from_db()
    assert comment.hidden and comment.hidden_reason == "商业广告"
    with pytest.raises(InvalidTransition) as again:
        notices.comment_hide(comment_id=comment.pk, actor=people["supervisor"], reason="x")
    assert again.value.code == Code.ALREADY_HIDDEN
    assert notice_counts(notice)["hidden"] == 1 and notice_counts(notice)["comments"] == 0


def test_closing_is_refused_while_a_comment_is_unanswered_and_nothing_changes(notice, people):
    staff = people["vet_handler"]
    first = notices.notice_comment(notice_id=notice.pk, actor=people["citizen"], text="补助太低")
    second = notices.notice_comment(notice_id=notice.pk, actor=None, text="补助应提高")
    third = notices.notice_comment(notice_id=notice.pk, actor=None, text="支持调整")
    group = notices.comments_group(
        notice_id=notice.pk, actor=staff, topic="补助标准", comment_ids=[first.pk, second.pk]
    )
    notices.group_answer(
        group_id=group.pk, actor=staff, outcome="partly", reason="补助标准提高到每头400元。"
    )
    with pytest.raises(InvalidTransition) as running:
        notices.notice_close(notice_id=notice.pk, actor=staff, summary="见各条答复")
    assert running.value.code == Code.PERIOD_RUNNING
    events = AuditEvent.objects.count()
    with after(notice), pytest.raises(InvalidTransition) as refused:
        notices.notice_close(notice_id=notice.pk, actor=staff, summary="见各条答复")
    assert refused.value.code == Code.UNANSWERED
    assert "1" in str(refused.value.message) and "第三十二条" in str(refused.value.message)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.OPEN and notice.closing_summary == ""
    assert AuditEvent.objects.count() == events
    notices.comment_answer(comment_id=third.pk, actor=staff, outcome="adopted", reason="感谢支持")
    with pytest.raises(InvalidTransition) as twice:
        notices.comment_answer(comment_id=first.pk, actor=staff, outcome="adopted", reason="x")
    assert twice.value.code == Code.ALREADY_ANSWERED
    with after(notice):
        closed = notices.notice_close(notice_id=notice.pk, actor=staff, summary="见各条答复")
    assert closed.status == NoticeStatus.CLOSED
    counts = notice_counts(closed)
    assert counts == {
        "comments": 3,
        "hidden": 0,
        "answered": 3,
        "adopted": 1,
        "partly": 2,
        "not_adopted": 0,
    }
    assert share_comments_answered(Notice.objects.all()) == 1.0
    assert AuditEvent.objects.filter(action="notice_close", to_state="closed").exists()


def test_an_answer_needs_an_outcome_and_a_reason(notice, people):
    comment = notices.notice_comment(notice_id=notice.pk, actor=None, text="意见")
    with pytest.raises(InvalidInput):
        notices.comment_answer(
            comment_id=comment.pk, actor=people["vet_handler"], outcome="maybe", reason="x"
        )
    with pytest.raises(InvalidInput):
        notices.comment_answer(
            comment_id=comment.pk, actor=people["vet_handler"], outcome="adopted", reason=" "
        )
    with pytest.raises(PermissionDenied):
        notices.comment_answer(
            comment_id=comment.pk, actor=people["env_handler"], outcome="adopted", reason="好"
        )
    comment.refresh_from_db()
    assert comment.answer is None


def test_a_hidden_comment_needs_no_answer_to_close(notice, people):
    comment = notices.notice_comment(notice_id=notice.pk, actor=None, text="spam")
    notices.comment_hide(comment_id=comment.pk, actor=people["vet_leader"], reason="无关内容")
    with clock.at(notice.closes_at + timedelta(hours=1)):
        assert (
            notices.notice_close(
                notice_id=notice.pk, actor=people["vet_leader"], summary="无有效意见"
            ).status
            == NoticeStatus.CLOSED
        )


def test_the_share_answered_is_an_indicator_of_the_unit_and_the_units_above(
    notice, people, district
):
    staff = people["vet_handler"]
    answered = notices.notice_comment(notice_id=notice.pk, actor=None, text="支持调整")
    notices.notice_comment(notice_id=notice.pk, actor=None, text="补助太低")
    notices.comment_answer(comment_id=answered.pk, actor=staff, outcome="adopted", reason="感谢")
    year = notice.closes_at.year
    units = [district["vet"], district["root"], district["env"]]
    by_unit = MEASURES["notice_responses"].values(units, year)
    assert by_unit == {
        district["vet"].pk: 50.0,
        district["root"].pk: 50.0,
        district["env"].pk: None,
    }  # 1 of 2 answered; env published nothing
    assert MEASURES["notice_responses"].values(units, year + 1)[district["vet"].pk] is None
