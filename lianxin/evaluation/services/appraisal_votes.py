"""Democratic appraisal (民主评议) codes and votes: codes are issued on paper or by message,
and a vote leaves no time, id or order behind (docs/evaluation/appraisal.md). A vote is
deliberately not audited."""

from __future__ import annotations

import re
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import BooleanField, Case, F, IntegerField, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _

from lianxin.core.audit import audit_record
from lianxin.core.errors import InvalidInput
from lianxin.core.notify import notification_send
from lianxin.core.text import visible

from .. import appraisal
from ..errors import Code
from ..models.appraisal import (
    RATING_VALUES,
    AppraisalCampaign,
    AppraisalComment,
    AppraisalInvitation,
    AppraisalQuestion,
    AppraisalTally,
)
from .appraisal import MAX_COMMENT, MAX_TOKENS_PER_BATCH, campaign_locked, campaign_manager

_APPRAISAL_PHONE = re.compile(r"^1[3-9]\d{9}$")


def _new_invitations(campaign: AppraisalCampaign, count: int) -> list[str]:
    """`count` fresh codes for the campaign; only their keyed hashes are stored, inserted in
    hash order (random) so that the table's order says nothing about who got which code."""
    tokens = [appraisal.token_new() for _ in range(count)]
    rows = sorted((appraisal.token_hash(t), t) for t in tokens)
    AppraisalInvitation.objects.bulk_create(
        AppraisalInvitation(id=uuid.uuid4(), campaign=campaign, token_hash=h) for h, _t in rows
    )
    return tokens


def _issuable(campaign: AppraisalCampaign | int) -> AppraisalCampaign:
    """The campaign, locked, if codes may still be issued for it."""
    return campaign_locked(
        campaign,
        [AppraisalCampaign.Status.DRAFT, AppraisalCampaign.Status.OPEN],
        _("Codes can be issued only before voting closes (this campaign is %(status)s)."),
    )


@transaction.atomic
def appraisal_tokens_issue(*, campaign: AppraisalCampaign | int, count, actor) -> list[str]:
    """Issue `count` voting codes to be printed. The plain codes are returned this once and
    never stored; the audit log records only how many."""
    campaign_manager(actor)
    try:
        count = int(count)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= MAX_TOKENS_PER_BATCH:
        raise InvalidInput(
            _("Give a number of codes between 1 and %(max)d.") % {"max": MAX_TOKENS_PER_BATCH},
            code=Code.TOKEN_COUNT,
            fields={"count": _("Between 1 and %(max)d.") % {"max": MAX_TOKENS_PER_BATCH}},
        )
    campaign = _issuable(campaign)
    tokens = _new_invitations(campaign, count)
    audit_record(
        actor=actor,
        action="appraisal_tokens_issue",
        obj=campaign,
        data={"count": count, "channel": "print"},
    )
    return tokens


def _parse_recipients(recipients) -> tuple[list[str], list[str]]:
    if isinstance(recipients, str):
        recipients = re.split(r"[\s,;，；、]+", recipients)
    phones: list[str] = []
    emails: list[str] = []
    bad: list[str] = []
    for raw in recipients:
        item = str(raw).strip()
        if not item:
            continue
        if _APPRAISAL_PHONE.match(item.replace("-", "").replace(" ", "")):
            phone = item.replace("-", "").replace(" ", "")
            if phone not in phones:
                phones.append(phone)
            continue
        try:
            validate_email(item)
        except ValidationError:
            bad.append(item)
            continue
        if item.lower() not in emails:
            emails.append(item.lower())
    if bad:
        shown = "、".join(bad[:5]) + ("…" if len(bad) > 5 else "")
        raise InvalidInput(
            _("These are neither mobile numbers nor email addresses: %(items)s. Nothing was sent.")
            % {"items": shown},
            code=Code.RECIPIENTS_INVALID,
            fields={"recipients": shown},
        )
    return phones, emails


@transaction.atomic
def appraisal_tokens_send(
    *, campaign: AppraisalCampaign | int, recipients, vote_url: str, actor
) -> int:
    """Send one new code to each mobile number (SMS) or email address. The list is used for
    delivery only: no invitation row names its recipient, and the codes inside the messages
    are blanked when the campaign closes. Returns the number of messages queued."""
    campaign_manager(actor)
    phones, emails = _parse_recipients(recipients)
    total = len(phones) + len(emails)
    if not total:
        raise InvalidInput(
            _("Enter at least one mobile number or email address."),
            code=Code.RECIPIENTS_EMPTY,
            fields={"recipients": _("Empty.")},
        )
    if total > MAX_TOKENS_PER_BATCH:
        raise InvalidInput(
            _("Send to at most %(max)d people at a time.") % {"max": MAX_TOKENS_PER_BATCH},
            code=Code.RECIPIENTS_TOO_MANY,
        )
    campaign = _issuable(campaign)
    tokens = _new_invitations(campaign, total)
    subject = _("Democratic appraisal invitation")
    closes = appraisal.local_time(campaign.closes_at)
    for (channel, address), token in zip(
        [("sms", p) for p in phones] + [("email", e) for e in emails], tokens, strict=True
    ):
        body = _(
            "You are invited to the democratic appraisal “%(name)s”. Your one-time code is "
            "%(code)s. Open %(url)s to vote before %(closes)s. Your vote is anonymous."
        ) % {
            "name": campaign.name,
            "code": appraisal.token_display(token),
            "url": f"{vote_url}#t={token}",
            "closes": closes,
        }
        notification_send(
            channel=channel,
            address=address,
            subject=subject,
            body=body,
            link=reverse("evaluation:appraisal_vote"),
            forget_after_send=True,
        )
    audit_record(
        actor=actor,
        action="appraisal_tokens_issue",
        obj=campaign,
        data={"count": total, "channel": "message", "sms": len(phones), "email": len(emails)},
    )
    return total


def _clean_answers(campaign: AppraisalCampaign, ratings: dict, texts: dict):
    targets = set(campaign.targets.values_list("pk", flat=True))
    kinds = dict(campaign.questions.values_list("pk", "kind"))
    clean_ratings: dict[tuple[int, int], int] = {}
    clean_texts: dict[tuple[int, int], str] = {}
    for (target, question), value in (ratings or {}).items():
        if value in (None, ""):
            continue  # "don't know": no rating
        try:
            value = int(value)
        except (TypeError, ValueError):
            value = 0
        if (
            target not in targets
            or kinds.get(question) != AppraisalQuestion.Kind.RATING
            or value not in RATING_VALUES
        ):
            raise InvalidInput(
                _("A rating on the form is not valid. Please choose 1 to 5 stars."),
                code=Code.RATING_INVALID,
            )
        clean_ratings[(target, question)] = value
    for (target, question), text in (texts or {}).items():
        text = visible(text or "")
        if not text:
            continue
        if target not in targets or kinds.get(question) != AppraisalQuestion.Kind.TEXT:
            raise InvalidInput(
                _("A comment on the form does not belong to this campaign."),
                code=Code.COMMENT_INVALID,
            )
        if len(text) > MAX_COMMENT:
            raise InvalidInput(
                _("A comment may have at most %(max)d characters.") % {"max": MAX_COMMENT},
                code=Code.COMMENT_TOO_LONG,
            )
        clean_texts[(target, question)] = text
    if not clean_ratings and not clean_texts:
        raise InvalidInput(
            _("Please rate at least one item before you submit."), code=Code.BALLOT_EMPTY
        )
    return clean_ratings, clean_texts


def appraisal_vote(*, token: str, ratings: dict, texts: dict | None = None) -> None:
    """Cast the ballot of one code: `ratings` maps (target id, question id) to 1–5 (missing
    or "" = don't know), `texts` maps (target id, question id) to a comment.

    In one transaction, with the campaign row locked (votes in a campaign run one at a time):
    the code is marked used, and EVERY code row of the campaign rewritten; EVERY tally row of the campaign is rewritten (+1 where rated, +0
    elsewhere); EVERY comment of the campaign is deleted and written again, new ones among
    them, in the order of their random ids. Afterwards no row carries anything of this vote's
    own — no id, time, order, or (PostgreSQL) transaction id that only its rows share. Returns
    nothing: a receipt would be a link. Not audited, on purpose."""
    with transaction.atomic():
        invitation = appraisal.invitation_check(token, lock=True)
        campaign = invitation.campaign
        ratings, texts = _clean_answers(campaign, ratings, texts or {})
        # All codes of the campaign are rewritten, not just this one: in PostgreSQL an updated
        # row gets a new place in the table and the transaction's id (xmin), which would mark
        # this code as the one used by this transaction, and the codes' order of use.
        AppraisalInvitation.objects.filter(campaign=campaign).update(
            used=Case(
                When(pk=invitation.pk, then=Value(True)),
                default=F("used"),
                output_field=BooleanField(),
            )
        )

        tallies = dict(
            ((t, q), pk)
            for pk, t, q in AppraisalTally.objects.filter(campaign=campaign).values_list(
                "pk", "target_id", "question_id"
            )
        )
        if any(key not in tallies for key in ratings):
            raise InvalidInput(
                _("The questionnaire changed; please reload the page."), code=Code.BALLOT_STALE
            )
        increments = {}
        for v in RATING_VALUES:
            ids = [tallies[key] for key, value in ratings.items() if value == v]
            one = (
                Case(When(pk__in=ids, then=Value(1)), default=Value(0), output_field=IntegerField())
                if ids
                else Value(0)
            )
            increments[f"c{v}"] = F(f"c{v}") + one
        AppraisalTally.objects.filter(campaign=campaign).update(**increments)

        comments = list(
            AppraisalComment.objects.filter(campaign=campaign).values(
                "id", "target_id", "question_id", "text", "status"
            )
        )
        comments += [
            {
                "id": uuid.uuid4(),
                "target_id": t,
                "question_id": q,
                "text": text,
                "status": AppraisalComment.Status.PENDING,
            }
            for (t, q), text in texts.items()
        ]
        AppraisalComment.objects.filter(campaign=campaign).delete()
        AppraisalComment.objects.bulk_create(
            AppraisalComment(campaign=campaign, **row)
            for row in sorted(comments, key=lambda row: row["id"].int)
        )
