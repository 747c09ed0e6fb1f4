"""公示 / 公开征求意见: publishing a notice in paragraphs, comments, moderation, grouping,
answers, and closing once every comment has its answer."""

import re
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.audit import audit_record
from lianxin.core.errors import InvalidInput, InvalidTransition
from lianxin.core.models import Unit
from lianxin.core.text import clean_text
from lianxin.core.transitions import commit, lock, require_permission, require_state, transition

from ..errors import Code
from ..models import (
    Answer,
    Comment,
    CommentGroup,
    Decision,
    Notice,
    NoticeStatus,
    Outcome,
    Paragraph,
)
from .common import article, person_label

MIN_MAJOR_PERIOD = timedelta(days=30)  # art. 15
MAX_TEXT = 50_000
MAX_COMMENT = 2_000
MAX_REASON = 2_000
# A new article or numbered item starts a paragraph even without a blank line before it.
_HEADING = re.compile(
    r"^\s*(第[一二三四五六七八九十百零〇\d]+条|[一二三四五六七八九十]+、|\d+[.、．])"
)


def split_paragraphs(text: str) -> list[str]:
    """The paragraphs of a notice: blocks between blank lines, and each article (第X条) or
    numbered item on its own."""
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if not line.strip() or _HEADING.match(line):
            if current:
                paragraphs.append(current)
            current = [line.strip()] if line.strip() else []
        else:
            current.append(line.strip())
    if current:
        paragraphs.append(current)
    return ["\n".join(p) for p in paragraphs]


def notice_create(
    *,
    actor: Any,
    unit: Unit,
    title: str,
    text: str,
    opens_at: datetime,
    closes_at: datetime,
    is_major: bool = True,
    short_period_reason: str = "",
    channels: str = "",
    attachments: str = "",
    decision: Decision | None = None,
) -> Notice:
    """A notice of `unit`, split into paragraphs; `decision`: the decision record it prepares
    (its public-participation step waits for the notice to close)."""
    require_permission(actor, "participation.manage_notice", unit)
    title = clean_text(title, field="title", max_length=200, label=_("Title"))
    text = clean_text(text, field="text", max_length=MAX_TEXT, label=_("Full text"))
    reason = clean_text(
        short_period_reason, field="short_period_reason", max_length=MAX_REASON, required=False
    )
    if closes_at <= opens_at:
        raise InvalidInput(
            _("The comment period must end after it begins."),
            fields={"closes_at": [_("Before the start.")]},
        )
    if is_major and closes_at - opens_at < MIN_MAJOR_PERIOD and not reason:
        message = _(
            "%(rule)s: the comment period of a major decision is at least 30 days; a "
            "shorter one needs a stated reason, which is shown with the notice."
        ) % {"rule": article("第十五条")}
        raise InvalidInput(
            message, code=Code.PERIOD_TOO_SHORT, fields={"short_period_reason": [message]}
        )
    with transaction.atomic():
        notice = Notice.objects.create(
            title=title,
            text=text,
            unit=unit,
            is_major=is_major,
            opens_at=opens_at,
            closes_at=closes_at,
            short_period_reason=reason,
            channels=clean_text(channels, field="channels", max_length=1000, required=False),
            attachments=clean_text(
                attachments, field="attachments", max_length=2000, required=False
            ),
            created_by=actor,
            decision=decision,
        )
        Paragraph.objects.bulk_create(
            Paragraph(notice=notice, number=n, text=p)
            for n, p in enumerate(split_paragraphs(text), start=1)
        )
        audit_record(
            actor=actor,
            action="notice_create",
            obj=notice,
            to_state=notice.status,
            data={
                "paragraphs": notice.paragraphs.count(),
                "days": notice.period_days,
                "decision": decision.pk if decision else None,
            },
        )
    return notice


def _require_open(notice: Notice) -> None:
    now = clock.now()
    if notice.status != NoticeStatus.OPEN or now > notice.closes_at:
        raise InvalidTransition(
            _("The comment period of this notice is over; no more comments are taken."),
            code=Code.NOTICE_CLOSED,
        )
    if now < notice.opens_at:
        raise InvalidTransition(
            _("The comment period begins on %(date)s.")
            % {"date": date_format(notice.opens_at, "Y-m-d")},
            code=Code.NOTICE_NOT_STARTED,
        )


def notice_comment(
    *,
    notice_id: int,
    actor: Any,
    text: str,
    paragraph_id: int | None = None,
    anonymous: bool = False,
) -> Comment:
    """A comment on the whole text (no paragraph) or one paragraph, under the person's masked
    name when they are signed in and do not ask for anonymity."""
    text = clean_text(text, field="text", max_length=MAX_COMMENT, label=_("Comment"))
    signed_in = actor is not None and actor.is_authenticated
    with transaction.atomic():
        # The notice row is locked so that a comment cannot slip in while the notice closes.
        notice = lock(Notice, notice_id, missing=_("No such notice."))
        _require_open(notice)
        paragraph = None
        if paragraph_id is not None:
            paragraph = notice.paragraphs.filter(pk=paragraph_id).first()
            if paragraph is None:
                raise InvalidInput(
                    _("This paragraph is not part of the notice."), code=Code.BAD_PARAGRAPH
                )
        comment = Comment.objects.create(
            notice=notice,
            paragraph=paragraph,
            author=actor if signed_in else None,
            author_label="" if anonymous or not signed_in else person_label(actor),
            text=text,
        )
        audit_record(
            actor=actor if signed_in else None,
            actor_label="" if signed_in else "public",
            action="notice_comment",
            obj=comment,
            data={"notice": notice.pk, "paragraph": paragraph.number if paragraph else None},
        )
    return comment


def comment_hide(*, comment_id: int, actor: Any, reason: str) -> Comment:
    """Moderation: hidden from the public page with the reason shown, never deleted."""
    reason = clean_text(reason, field="reason", max_length=MAX_REASON, label=_("Reason"))

    def change(comment: Comment) -> list[str]:
        require_permission(actor, "participation.moderate_notice", comment.notice)
        if comment.hidden:
            raise InvalidTransition(_("This comment is already hidden."), code=Code.ALREADY_HIDDEN)
        comment.hidden, comment.hidden_reason = True, reason
        return ["hidden", "hidden_reason"]

    return transition(
        Comment,
        comment_id,
        action="comment_hide",
        actor=actor,
        change=change,
        reason=reason,
        related=["notice"],
        missing=_("No such comment."),
    )


def comments_group(
    *, notice_id: int, actor: Any, topic: str, comment_ids: list[int]
) -> CommentGroup:
    """Comments on one topic, to be answered together. Comments that already have their own
    answer stay out of it."""
    topic = clean_text(topic, field="topic", max_length=200, label=_("Topic"))
    with transaction.atomic():
        notice = lock(Notice, notice_id, missing=_("No such notice."))
        require_permission(actor, "participation.manage_notice", notice)
        require_state(notice, [NoticeStatus.OPEN])
        comments = notice.comments.filter(pk__in=comment_ids, answer__isnull=True, hidden=False)
        if not comments.exists():
            raise InvalidInput(
                _("Choose at least one unanswered comment for the group."),
                fields={"comments": [_("Choose at least one comment.")]},
            )
        group = CommentGroup.objects.create(notice=notice, topic=topic)
        ids = list(comments.values_list("pk", flat=True))
        comments.update(group=group)
        audit_record(
            actor=actor,
            action="comment_group",
            obj=group,
            data={"notice": notice.pk, "comments": ids},
        )
    return group


def _answer(actor: Any, outcome: str, reason: str) -> Answer:
    if outcome not in Outcome.values:
        raise InvalidInput(
            _("Choose whether the comment was adopted."),
            fields={"outcome": [_("Choose an outcome.")]},
        )
    reason = clean_text(reason, field="reason", max_length=MAX_REASON, label=_("Reason"))
    return Answer.objects.create(outcome=outcome, reason=reason, answered_by=actor)


def comment_answer(*, comment_id: int, actor: Any, outcome: str, reason: str) -> Comment:
    with transaction.atomic():
        comment = lock(Comment, comment_id, related=["notice"], missing=_("No such comment."))
        require_permission(actor, "participation.manage_notice", comment.notice)
        require_state(comment.notice, [NoticeStatus.OPEN])
        if comment.public_answer is not None:
            raise InvalidTransition(
                _("This comment already has its answer."), code=Code.ALREADY_ANSWERED
            )
        comment.answer = _answer(actor, outcome, reason)
        return commit(
            comment,
            action="comment_answer",
            actor=actor,
            fields=["answer"],
            reason=comment.answer.reason,
            data={"outcome": outcome},
        )


def group_answer(*, group_id: int, actor: Any, outcome: str, reason: str) -> CommentGroup:
    with transaction.atomic():
        group = lock(CommentGroup, group_id, related=["notice"], missing=_("No such group."))
        require_permission(actor, "participation.manage_notice", group.notice)
        require_state(group.notice, [NoticeStatus.OPEN])
        if group.answer_id:
            raise InvalidTransition(
                _("This group already has its answer."), code=Code.ALREADY_ANSWERED
            )
        group.answer = _answer(actor, outcome, reason)
        return commit(
            group,
            action="group_answer",
            actor=actor,
            fields=["answer"],
            reason=group.answer.reason,
            data={"outcome": outcome},
        )


def unanswered(notice: Notice) -> int:
    """Visible comments without an answer of their own or of their group."""
    return (
        notice.comments.filter(hidden=False, answer__isnull=True)
        .exclude(group__answer__isnull=False)
        .count()
    )


def notice_close(*, notice_id: int, actor: Any, summary: str, version: int | None = None) -> Notice:
    """Closed once the period is over and every comment or group has its published answer
    (art. 32); otherwise refused and nothing changes."""
    summary = clean_text(
        summary,
        field="summary",
        max_length=MAX_TEXT,
        label=_("How the comments were taken into account"),
    )

    def change(notice: Notice) -> list[str]:
        if clock.now() < notice.closes_at:
            raise InvalidTransition(
                _("The comment period runs until %(date)s; the notice cannot close before.")
                % {"date": date_format(notice.closes_at, "Y-m-d")},
                code=Code.PERIOD_RUNNING,
            )
        left = unanswered(notice)
        if left:
            raise InvalidTransition(
                _(
                    "%(n)d comment(s) still have no answer. Before the notice closes, every comment "
                    "or group of comments needs a published answer: adopted, partly adopted or not "
                    "adopted, with the reason (%(rule)s)."
                )
                % {"n": left, "rule": article("第三十二条")},
                code=Code.UNANSWERED,
            )
        notice.closing_summary, notice.closed_at = summary, clock.now()
        return ["closing_summary", "closed_at"]

    return transition(
        Notice,
        notice_id,
        action="notice_close",
        actor=actor,
        to=NoticeStatus.CLOSED,
        allowed=[NoticeStatus.OPEN],
        perm="participation.manage_notice",
        version=version,
        change=change,
        missing=_("No such notice."),
    )
