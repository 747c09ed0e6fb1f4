"""Democratic appraisal (民主评议) campaigns: their questionnaire, their states (draft, open,
closed, published) and the moderation of their comments. Codes and votes are in
appraisal_votes.py; see docs/evaluation/appraisal.md."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.access import SYSTEM, may
from lianxin.core.audit import audit_record
from lianxin.core.calendar import LOCAL
from lianxin.core.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from lianxin.core.models import Notification, Unit
from lianxin.core.text import visible
from lianxin.core.transitions import commit, lock, require_state

from .. import appraisal
from ..errors import Code
from ..models.appraisal import (
    AppraisalCampaign,
    AppraisalComment,
    AppraisalInvitation,
    AppraisalQuestion,
    AppraisalTally,
    AppraisalTarget,
)
from ..selectors import appraisal_cadre_choices, appraisal_unit_choices
from .common import year_value

MAX_TOKENS_PER_BATCH = 5000
MAX_COMMENT = 1000
_CampaignStatus = AppraisalCampaign.Status


def campaign_manager(actor: Any) -> None:
    """PermissionDenied unless `actor` may run democratic appraisals."""
    if actor is None or not may(actor, "evaluation.manage_appraisal"):
        raise PermissionDenied(
            _("Only the organisation department and administrators may run democratic appraisals."),
            code=Code.APPRAISAL_FORBIDDEN,
        )


def campaign_locked(
    campaign: AppraisalCampaign | int, allowed: list[str] | None = None, message: str = ""
) -> AppraisalCampaign:
    """The campaign's row, locked (votes lock it too: they run one at a time); with `allowed`,
    InvalidTransition unless it is in one of those states (`message` uses %(status)s)."""
    found = lock(
        AppraisalCampaign,
        campaign,
        missing=_("This appraisal campaign does not exist."),
        missing_code=Code.CAMPAIGN_NOT_FOUND,
    )
    if allowed is not None:
        require_state(found, allowed, message=message, code=Code.CAMPAIGN_STATE)
    return found


MAX_APPRAISAL_QUESTIONS = 30
MAX_APPRAISAL_TARGETS = 300


def _appraisal_moment(value, *, field: str, label, errors: dict):
    """A datetime from a form's "YYYY-MM-DDTHH:MM" (local time) or a datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=LOCAL)
    text = str(value or "").strip()
    if not text:
        errors[field] = _("%(label)s is required.") % {"label": label}
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=LOCAL)
    except ValueError:
        errors[field] = _("Give a date and time, e.g. 2026-03-01 09:00.")
        return None


def _appraisal_lines(value) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    lines = (visible(v) for v in (value or []))
    return [line for line in lines if line]


def _appraisal_campaign_clean(
    *,
    name,
    year,
    kind,
    opens_at,
    closes_at,
    intro,
    units,
    cadres,
    rating_questions,
    text_questions,
) -> dict:
    """Every field of a campaign checked at once: one InvalidInput with an error per field."""
    errors: dict[str, str] = {}
    name = visible(name or "")
    if not name:
        errors["name"] = _("Give the campaign a name.")
    elif len(name) > 200:
        errors["name"] = _("At most %(max)d characters.") % {"max": 200}
    try:
        year = year_value(year)
    except InvalidInput as error:
        errors["year"] = str(error.message)
    if kind not in AppraisalCampaign.Kind.values:
        errors["kind"] = _("Choose units or cadres.")
    opens = _appraisal_moment(opens_at, field="opens_at", label=_("Voting opens at"), errors=errors)
    closes = _appraisal_moment(
        closes_at, field="closes_at", label=_("Voting closes at"), errors=errors
    )
    if opens and closes and closes <= opens:
        errors["closes_at"] = _("Voting must close after it opens.")
    elif closes and closes <= clock.now():
        errors["closes_at"] = _("The closing time has already passed; set a later one.")
    chosen: list[Unit] | list = []
    if kind == AppraisalCampaign.Kind.UNITS:
        allowed = {u.pk: u for u in appraisal_unit_choices()}
        picked, field = units, "units"
    else:
        allowed = {u.pk: u for u in appraisal_cadre_choices()}
        picked, field = cadres, "cadres"
    try:
        ids = list(dict.fromkeys(int(v) for v in (picked or [])))
    except (TypeError, ValueError):
        ids = [0]
    if kind in AppraisalCampaign.Kind.values:
        if not ids:
            errors[field] = _("Choose at least one unit or cadre to appraise.")
        elif any(i not in allowed for i in ids) or len(ids) > MAX_APPRAISAL_TARGETS:
            errors[field] = _("Choose from the list.")
        else:
            chosen = [allowed[i] for i in ids]
    ratings, texts = _appraisal_lines(rating_questions), _appraisal_lines(text_questions)
    if not ratings:
        errors["rating_questions"] = _("Ask at least one question to be rated 1–5.")
    for field_name, lines in (("rating_questions", ratings), ("text_questions", texts)):
        if any(len(line) > 300 for line in lines):
            errors[field_name] = _("A question has at most %(max)d characters.") % {"max": 300}
    if len(ratings) + len(texts) > MAX_APPRAISAL_QUESTIONS:
        errors["rating_questions"] = _("At most %(max)d questions.") % {
            "max": MAX_APPRAISAL_QUESTIONS
        }
    intro = visible(intro or "")
    if len(intro) > 2000:
        errors["intro"] = _("At most %(max)d characters.") % {"max": 2000}
    if errors:
        raise InvalidInput(
            _("Please correct the marked fields."), code=Code.CAMPAIGN_INVALID, fields=errors
        )
    return {
        "name": name,
        "year": year,
        "kind": kind,
        "opens_at": opens,
        "closes_at": closes,
        "intro": intro,
        "targets": chosen,
        "ratings": ratings,
        "texts": texts,
    }


def _appraisal_campaign_fill(campaign: AppraisalCampaign, clean: dict) -> dict:
    campaign.targets.all().delete()
    campaign.questions.all().delete()
    unit_kind = campaign.kind == AppraisalCampaign.Kind.UNITS
    AppraisalTarget.objects.bulk_create(
        AppraisalTarget(campaign=campaign, order=n, **({"unit": t} if unit_kind else {"cadre": t}))
        for n, t in enumerate(clean["targets"])
    )
    questions = [(AppraisalQuestion.Kind.RATING, q) for q in clean["ratings"]] + [
        (AppraisalQuestion.Kind.TEXT, q) for q in clean["texts"]
    ]
    AppraisalQuestion.objects.bulk_create(
        AppraisalQuestion(campaign=campaign, order=n, kind=k, text=q)
        for n, (k, q) in enumerate(questions, start=1)
    )
    return {"targets": len(clean["targets"]), "questions": len(questions)}


@transaction.atomic
def appraisal_campaign_create(
    *,
    name: str,
    year,
    kind: str,
    opens_at,
    closes_at,
    intro: str = "",
    units=(),
    cadres=(),
    rating_questions,
    text_questions=(),
    actor,
) -> AppraisalCampaign:
    """A draft campaign with its units or cadres and its questionnaire; it takes no vote until
    it is opened. `rating_questions`/`text_questions` are lists or one question per line."""
    campaign_manager(actor)
    clean = _appraisal_campaign_clean(
        name=name,
        year=year,
        kind=kind,
        opens_at=opens_at,
        closes_at=closes_at,
        intro=intro,
        units=units,
        cadres=cadres,
        rating_questions=rating_questions,
        text_questions=text_questions,
    )
    campaign = AppraisalCampaign.objects.create(
        name=clean["name"],
        year=clean["year"],
        kind=clean["kind"],
        opens_at=clean["opens_at"],
        closes_at=clean["closes_at"],
        intro=clean["intro"],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    counts = _appraisal_campaign_fill(campaign, clean)
    audit_record(
        actor=actor,
        action="appraisal_create",
        obj=campaign,
        to_state=campaign.status,
        data={"name": campaign.name, "year": campaign.year, "kind": campaign.kind, **counts},
    )
    return campaign


@transaction.atomic
def appraisal_campaign_update(
    *,
    campaign: AppraisalCampaign | int,
    name: str,
    year,
    kind: str,
    opens_at,
    closes_at,
    intro: str = "",
    units=(),
    cadres=(),
    rating_questions,
    text_questions=(),
    actor,
) -> AppraisalCampaign:
    """Changes a draft campaign (its targets and questions are replaced); once opened the
    questionnaire is frozen."""
    campaign_manager(actor)
    campaign = campaign_locked(
        campaign,
        [_CampaignStatus.DRAFT],
        _("Only a draft campaign can be changed (this one is %(status)s)."),
    )
    clean = _appraisal_campaign_clean(
        name=name,
        year=year,
        kind=kind,
        opens_at=opens_at,
        closes_at=closes_at,
        intro=intro,
        units=units,
        cadres=cadres,
        rating_questions=rating_questions,
        text_questions=text_questions,
    )
    fields = ["name", "year", "kind", "opens_at", "closes_at", "intro"]
    for field in fields:
        setattr(campaign, field, clean[field])
    counts = _appraisal_campaign_fill(campaign, clean)
    # state_field="": an edit, not a move; its audit event names no state.
    return commit(
        campaign,
        action="appraisal_update",
        actor=actor,
        fields=fields,
        state_field="",
        data={"name": campaign.name, "year": campaign.year, "kind": campaign.kind, **counts},
    )


@transaction.atomic
def appraisal_campaign_open(*, campaign: AppraisalCampaign | int, actor) -> AppraisalCampaign:
    """Draft -> open: the questionnaire is frozen and a zeroed tally is laid out for every
    target × rating question, before anyone votes (so no row's creation marks a vote)."""
    campaign_manager(actor)
    campaign = campaign_locked(
        campaign,
        [_CampaignStatus.DRAFT],
        _("Only a draft campaign can be opened (this one is %(status)s)."),
    )
    targets = list(campaign.targets.all())
    questions = list(campaign.questions.all())
    if not targets or not questions:
        raise InvalidInput(
            _(
                "Add at least one unit or cadre to appraise and one "
                "question before opening the campaign."
            ),
            code=Code.CAMPAIGN_INCOMPLETE,
        )
    if campaign.closes_at <= clock.now():
        raise InvalidInput(
            _("The closing time has already passed; set a later one first."),
            code=Code.CAMPAIGN_CLOSING_PASSED,
        )
    rating = [q for q in questions if q.kind == AppraisalQuestion.Kind.RATING]
    AppraisalTally.objects.bulk_create(
        AppraisalTally(campaign=campaign, target=t, question=q) for t in targets for q in rating
    )
    campaign.status = _CampaignStatus.OPEN
    return commit(
        campaign,
        action="appraisal_open",
        actor=actor,
        from_state=_CampaignStatus.DRAFT,
        data={"targets": len(targets), "questions": len(questions)},
    )


@transaction.atomic
def appraisal_campaign_close(*, campaign: AppraisalCampaign | int, actor) -> AppraisalCampaign:
    """Open -> closed (early or after the closing time). The codes in the invitation messages
    sent for this campaign are blanked out: they are useless now, and kept they would tie a
    person to a code."""
    campaign_manager(actor)
    campaign = campaign_locked(
        campaign,
        [_CampaignStatus.OPEN],
        _("Only an open campaign can be closed (this one is %(status)s)."),
    )
    redacted = _appraisal_redact_messages(campaign)
    invitations = AppraisalInvitation.objects.filter(campaign=campaign)
    campaign.status = _CampaignStatus.CLOSED
    return commit(
        campaign,
        action="appraisal_closed",
        actor=actor,
        from_state=_CampaignStatus.OPEN,
        data={
            "codes_issued": invitations.count(),
            "votes": invitations.filter(used=True).count(),
            "messages_redacted": redacted,
        },
    )


def _appraisal_redact_messages(campaign: AppraisalCampaign) -> int:
    mine = set(
        AppraisalInvitation.objects.filter(campaign=campaign).values_list("token_hash", flat=True)
    )
    redacted = 0
    messages = Notification.objects.filter(link=reverse("evaluation:appraisal_vote"))
    for pk, body in messages.values_list("pk", "body").iterator():

        def blank(match):
            token = appraisal.token_normalize(match.group(0))
            hashes = appraisal.token_hashes(token) if token else []
            return "****" if any(h in mine for h in hashes) else match.group(0)

        new = appraisal.TOKEN_IN_TEXT_RE.sub(blank, body)
        if new != body:
            Notification.objects.filter(pk=pk).update(body=new)
            redacted += 1
    return redacted


@transaction.atomic
def appraisal_campaign_publish(*, campaign: AppraisalCampaign | int, actor) -> AppraisalCampaign:
    """Closed -> published: the results and the approved comments become public."""
    campaign_manager(actor)
    campaign = campaign_locked(
        campaign,
        [_CampaignStatus.CLOSED],
        _("Only a closed campaign can be published (this one is %(status)s)."),
    )
    pending = campaign.comments.filter(status=AppraisalComment.Status.PENDING).count()
    campaign.status = _CampaignStatus.PUBLISHED
    return commit(
        campaign,
        action="appraisal_published",
        actor=actor,
        from_state=_CampaignStatus.CLOSED,
        data={"comments_unmoderated": pending},
    )


@transaction.atomic
def appraisal_comment_moderate(
    *, comment: AppraisalComment | str, decision: str, actor
) -> AppraisalComment:
    """Approve or reject one comment; only approved comments are ever published."""
    if actor is None or not may(actor, "evaluation.moderate_appraisal_comment"):
        raise PermissionDenied(
            _(
                "Only the organisation department and administrators "
                "may moderate appraisal comments."
            ),
            code=Code.APPRAISAL_FORBIDDEN,
        )
    if decision not in (AppraisalComment.Status.APPROVED, AppraisalComment.Status.REJECTED):
        raise InvalidInput(_("Choose approve or reject."), code=Code.DECISION_INVALID)
    pk = comment.pk if isinstance(comment, AppraisalComment) else comment
    try:
        campaign_id = (
            AppraisalComment.objects.filter(pk=pk).values_list("campaign_id", flat=True).first()
        )
    except ValidationError:  # not a UUID
        campaign_id = None
    if campaign_id is None:
        raise NotFound(_("This comment does not exist."), code=Code.COMMENT_NOT_FOUND)
    # Votes rewrite all comments of the campaign: lock the campaign as they do, then re-read.
    campaign_locked(campaign_id)
    locked = lock(
        AppraisalComment,
        pk,
        missing=_("This comment does not exist."),
        missing_code=Code.COMMENT_NOT_FOUND,
    )
    before = locked.status
    locked.status = decision
    return commit(
        locked,
        action="appraisal_comment_moderate",
        actor=actor,
        from_state=before,
        data={"campaign": campaign_id},
    )


def appraisal_campaigns_close_due() -> int:
    """Close every open campaign past its closing time (Celery beat): votes are refused after
    it anyway, and closing blanks the codes in the invitations and counts the campaign's
    scores. Returns how many were closed."""
    due = AppraisalCampaign.objects.filter(status=_CampaignStatus.OPEN, closes_at__lte=clock.now())
    closed = 0
    for pk in due.values_list("pk", flat=True):
        try:
            appraisal_campaign_close(campaign=pk, actor=SYSTEM)
            closed += 1
        except InvalidTransition:
            pass  # closed by someone else meanwhile
    return closed
