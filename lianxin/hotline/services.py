"""Every write of the hotline: a call taken, and the one outcome it ends with (answered
directly, an appeal created, or added to an existing appeal). Each is atomic and audited through
core.transitions; an appeal is made or added to through appeals' own services, in the call's
transaction, so a call never ends without what it claims to have done."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.appeals.models import Appeal, Category, Channel
from lianxin.appeals.services import PHONE_RE, appeal_submit, appeal_supplement
from lianxin.core import clock, text, transitions
from lianxin.core.access import may
from lianxin.core.audit import audit_record
from lianxin.core.errors import Conflict, InvalidInput, PermissionDenied
from lianxin.knowledge.models import Article, ArticleStatus

from . import questions
from .errors import Code
from .models import Call, Outcome, Source

LABELS = {
    "recording_ref": gettext_lazy("Recording reference"),
    "note": gettext_lazy("Note"),
}


def _text(value: Any, field: str, max_length: int, *, required: bool = False) -> str:
    return text.clean_text(
        value, field=field, max_length=max_length, required=required, label=str(LABELS[field])
    )


def clean_phone(phone: Any) -> str:
    value = re.sub(r"[\s()]", "", str(phone or ""))
    if not PHONE_RE.match(value) or len(value) > 20:
        raise InvalidInput(
            _("Enter the caller's number, e.g. 13812345678."),
            fields={"phone": [_("Enter the caller's number, e.g. 13812345678.")]},
        )
    return value


def open_call_of(operator: Any) -> Call | None:
    return (
        Call.objects.filter(operator=operator, outcome=Outcome.OPEN).order_by("started_at").first()
    )


def call_open(
    *, operator: Any, phone: Any, source: str = Source.CONSOLE, recording_ref: Any = ""
) -> tuple[Call, bool]:
    """Take a call. Returns (call, created). An operator is on one call at a time: typed on
    the console, the open call is returned; from the telephone system, a second call is a
    conflict (the operator records the first one's outcome)."""
    if not may(operator, "hotline.take_call"):
        raise PermissionDenied(_("Only hotline operators take calls."))
    phone = clean_phone(phone)
    recording_ref = _text(recording_ref, "recording_ref", 100)
    with transaction.atomic():
        # The operator's own row serialises their calls: two pushes at once make one call.
        get_user_model().objects.select_for_update().filter(pk=operator.pk).first()
        current = open_call_of(operator)
        if current is not None:
            if source == Source.TELEPHONY:
                raise Conflict(
                    _("You are still on another call: record its outcome first."),
                    code=Code.CALL_OPEN,
                )
            return current, False
        now = clock.now()
        call = Call.objects.create(
            operator=operator,
            phone=phone,
            source=source,
            recording_ref=recording_ref,
            started_at=now,
            created_at=now,
            updated_at=now,
        )
        # The number stays out of the audit log: the call row holds it.
        audit_record(
            actor=operator,
            action="call_open",
            obj=call,
            to_state=call.outcome,
            data={"source": source},
        )
    return call, True


def _lock_open(call: Call | int, actor: Any, version: int | None) -> Call:
    locked = transitions.lock(
        Call, call, version=version, missing=_("Call not found."), related=("operator",)
    )
    transitions.require_permission(
        actor,
        "hotline.handle_call",
        locked,
        message=_("This call is another operator's."),
        code=Code.NOT_YOUR_CALL,
    )
    transitions.require_state(
        locked,
        [Outcome.OPEN],
        field="outcome",
        message=_("This call is already recorded as %(status)s."),
        code=Code.CALL_CLOSED,
    )
    return locked


def _finish(
    call: Call, *, actor: Any, outcome: str, fields: list[str], data: dict[str, Any]
) -> Call:
    call.outcome = outcome
    call.ended_at = clock.now()
    return transitions.commit(
        call,
        action={
            Outcome.ANSWERED: "call_answer",
            Outcome.CREATED: "call_appeal",
            Outcome.ADDED: "call_add",
        }[Outcome(outcome)],
        actor=actor,
        from_state=Outcome.OPEN,
        fields=["ended_at", *fields],
        data=data,
        state_field="outcome",
    )


def _common(call: Call, recording_ref: Any, note: Any) -> list[str]:
    call.recording_ref = _text(recording_ref, "recording_ref", 100) or call.recording_ref
    call.note = _text(note, "note", 2000)
    return ["recording_ref", "note"]


def published_article(article: Any) -> Article | None:
    """The article by id, if it is published and valid today; None for no article."""
    if article in (None, ""):
        return None
    pk = article.pk if isinstance(article, Article) else str(article)
    today = timezone.localdate()
    found = (
        Article.objects.filter(
            pk=int(pk) if str(pk).isdigit() else 0,
            status=ArticleStatus.PUBLISHED,
            valid_from__lte=today,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .first()
    )
    if found is None:
        message = _("This knowledge-base article does not exist or is no longer valid.")
        raise InvalidInput(message, code=Code.UNKNOWN_ARTICLE, fields={"article": [message]})
    return found


def _category(category: Any) -> Category | None:
    if isinstance(category, Category) or not category:
        return category or None
    found = Category.objects.filter(code=str(category), is_active=True).first()
    if found is None:
        message = _("Unknown category: %(code)s") % {"code": str(category)[:50]}
        raise InvalidInput(message, fields={"category": [message]})
    return found


def call_answer(
    *,
    call: Call | int,
    actor: Any,
    article: Any = None,
    note: Any = "",
    category: Any = None,
    recording_ref: Any = "",
    version: int | None = None,
) -> Call:
    """直接答复: a consultation answered on the call, from a knowledge-base article (or, without
    one, what the operator said in the note). Not an appeal."""
    with transaction.atomic():
        call = _lock_open(call, actor, version)
        fields = _common(call, recording_ref, note)
        call.article = published_article(article)
        call.category = _category(category)
        if call.article is None and not call.note:
            message = _("Choose the knowledge-base article you answered from, or note the answer.")
            raise InvalidInput(message, code=Code.ANSWER_MISSING, fields={"article": [message]})
        return _finish(
            call,
            actor=actor,
            outcome=Outcome.ANSWERED,
            fields=[*fields, "article", "category"],
            data={"article": call.article.pk if call.article else None},
        )


def call_create_appeal(
    *,
    call: Call | int,
    actor: Any,
    title: Any,
    content: Any,
    urgency: Any,
    track: Any,
    category: Any = None,
    answers: dict[str, Any] | None = None,
    contact_name: Any = "",
    address: Any = "",
    is_public: bool = False,
    note: Any = "",
    recording_ref: Any = "",
    version: int | None = None,
) -> tuple[Call, Appeal]:
    """An appeal taken on the call (channel phone), with the caller's number, the category's
    answers under its content, and the urgency and track the operator chose. Dispatched at once
    or queued for the router and the dispatcher, as intake decides for every channel."""
    with transaction.atomic():
        call = _lock_open(call, actor, version)
        fields = _common(call, recording_ref, note)
        chosen = _category(category)
        call.answers = questions.clean_answers(chosen.code if chosen else None, answers or {})
        lines = questions.answers_text(chosen.code if chosen else None, call.answers)
        body = str(content or "").strip()
        appeal, _created = appeal_submit(
            title=title,
            content=f"{body}\n\n{lines}" if body and lines else body,
            category=chosen,
            urgency=urgency,
            track=track,
            channel=Channel.PHONE,
            contact_name=contact_name,
            contact_phone=call.phone,
            address=address,
            is_public=is_public,
            submitted_by=actor,
            # One appeal per call, however often the form is sent.
            source_ref=f"call-{call.pk}",
        )
        call.appeal = appeal
        call.category = appeal.category
        return (
            _finish(
                call,
                actor=actor,
                outcome=Outcome.CREATED,
                fields=[*fields, "appeal", "category", "answers"],
                data={"appeal": appeal.tracking_number},
            ),
            appeal,
        )


def call_add_to_appeal(
    *,
    call: Call | int,
    actor: Any,
    tracking_number: Any,
    note: Any,
    recording_ref: Any = "",
    version: int | None = None,
) -> tuple[Call, Appeal]:
    """A follow-up call: what the caller adds goes on the open appeal's timeline for its
    handler (appeals' 补充)."""
    with transaction.atomic():
        call = _lock_open(call, actor, version)
        fields = _common(call, recording_ref, note)
        number = str(tracking_number or "").strip()
        appeal = Appeal.objects.filter(tracking_number=number).first() if number else None
        if appeal is None:
            message = _("No appeal has the tracking number %(tn)s.") % {"tn": number[:20]}
            raise InvalidInput(message, code=Code.UNKNOWN_APPEAL, fields={"appeal": [message]})
        if not call.note:
            message = _("Note what the caller adds to the appeal.")
            raise InvalidInput(message, fields={"note": [message]})
        appeal = appeal_supplement(
            appeal=appeal, note=call.note, actor=actor, data={"call": call.pk}
        )
        call.appeal = appeal
        return (
            _finish(
                call,
                actor=actor,
                outcome=Outcome.ADDED,
                fields=[*fields, "appeal"],
                data={"appeal": appeal.tracking_number},
            ),
            appeal,
        )
