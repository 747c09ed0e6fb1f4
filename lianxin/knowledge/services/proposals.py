"""Articles from what the system already knows: a closed appeal whose reply the citizen rated
satisfied and which cites a policy is proposed as a draft by the unit's staff, with the
personal data taken out (scrub.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from lianxin.appeals.models import Appeal, FollowUp, Satisfaction, Status
from lianxin.core.errors import InvalidInput
from lianxin.core.transitions import require_permission

from ..errors import Code
from ..models import Article
from ..scrub import strip_personal
from .articles import article_create


def latest_satisfaction(appeal: Appeal) -> str | None:
    followup = FollowUp.objects.filter(appeal=appeal).order_by("-created_at", "-pk").first()
    return followup.satisfaction if followup else None


def reply_basis(appeal: Appeal) -> tuple[float, list[str]]:
    """The reply-quality scorer's basis score and citations, as stored with the reply."""
    review = appeal.reply_review or {}
    try:
        basis = float(review.get("basis") or 0)
    except (TypeError, ValueError):
        basis = 0.0
    citations = [str(c) for c in review.get("citations") or [] if str(c).strip()]
    return basis, citations


def worth_an_article(appeal: Appeal) -> bool:
    """Closed, the citizen's latest judgement satisfied, a reply citing a policy, not
    proposed before."""
    basis, _citations = reply_basis(appeal)
    return (
        appeal.status == Status.CLOSED
        and bool(appeal.reply)
        and basis >= float(settings.KNOWLEDGE_PROPOSAL_MIN_BASIS)
        and latest_satisfaction(appeal) == Satisfaction.SATISFIED
        and not Article.objects.filter(source_appeal=appeal.tracking_number).exists()
    )


def _basis_text(citations: list[str]) -> str:
    """The citations as one policy basis: an article ("第三十五条") stays with the document
    cited before it, as the reply wrote them: 《物业管理条例》第三十五条；国办发〔2020〕53号."""
    parts: list[str] = []
    for citation in dict.fromkeys(citations):
        if parts and citation.startswith("第"):
            parts[-1] += citation
        else:
            parts.append(citation)
    return "；".join(parts)


def article_propose(*, actor: Any, appeal: Appeal) -> Article:
    """A draft article of the appeal's unit from its question and reply, personal data
    removed, the reply's citations as its policy basis. Only the unit's staff; only a reply
    worth it (`worth_an_article`), else InvalidInput `not_proposable`."""
    if appeal.unit is None:
        raise InvalidInput(_("This appeal has no handling unit."), code=Code.NOT_PROPOSABLE)
    require_permission(actor, "knowledge.edit_article", appeal.unit)
    if not worth_an_article(appeal):
        raise InvalidInput(
            _(
                "Only a closed appeal whose citizen was satisfied and whose reply cites a "
                "policy can be proposed, once."
            ),
            code=Code.NOT_PROPOSABLE,
        )
    _basis, citations = reply_basis(appeal)
    personal = {"name": appeal.contact_name, "address": appeal.address}
    question = strip_personal(appeal.title, **personal)[:300]
    base = question
    n = 2
    while Article.objects.filter(unit=appeal.unit, question=question).exists():
        question = f"{base[:290]}（{n}）"
        n += 1
    return article_create(
        actor=actor,
        unit=appeal.unit,
        question=question,
        answer=strip_personal(appeal.reply, **personal),
        policy_basis=_basis_text(citations)[:300],
        note=_("Proposed from the reply to appeal %(tn)s") % {"tn": appeal.tracking_number},
        source_appeal=appeal.tracking_number,
    )
