"""决策程序: a decision walks the statutory steps of 《重大行政决策程序暂行条例》 in order; a step
out of order, too short or without what the regulation asks it to record is refused, citing the
article it breaks."""

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.core.audit import audit_record
from lianxin.core.calendar import Calendar
from lianxin.core.errors import InvalidInput, InvalidTransition
from lianxin.core.models import Unit
from lianxin.core.text import clean_text
from lianxin.core.transitions import commit, lock, require_permission

from ..errors import Code
from ..models import (
    STEP_ORDER,
    Decision,
    DecisionStatus,
    ExpertOpinion,
    NoticeStatus,
    Step,
    StepKind,
)
from .common import article

# The article that requires each step (the one a step missing before the next one breaks).
ARTICLES = {
    StepKind.PARTICIPATION: "第十四条",
    StepKind.ARGUMENTATION: "第十九条",
    StepKind.RISK: "第二十二条",
    StepKind.LEGALITY: "第二十五条",
    StepKind.DISCUSSION: "第三十条",
    StepKind.PUBLICATION: "第三十二条",
    StepKind.EVALUATION: "第三十六条",
}
MIN_LEGALITY_WORKDAYS = 7  # art. 26
MAX_TEXT = 20_000


def decision_create(
    *, actor: Any, unit: Unit, title: str, summary: str, responsible: Any
) -> Decision:
    require_permission(actor, "participation.record_step", unit)
    with transaction.atomic():
        decision = Decision.objects.create(
            unit=unit,
            responsible=responsible,
            title=clean_text(title, field="title", max_length=200, label=_("Title")),
            summary=clean_text(summary, field="summary", max_length=MAX_TEXT, label=_("Summary")),
        )
        audit_record(
            actor=actor,
            action="decision_create",
            obj=decision,
            to_state=decision.status,
            data={"responsible": responsible.pk},
        )
    return decision


def review_workdays(started_on: date, ended_on: date) -> int:
    """Working days of a review, the first and the last day included."""
    return Calendar.load().workdays_between(started_on - timedelta(days=1), ended_on)


def _check_order(decision: Decision, kind: str) -> None:
    done = STEP_ORDER.index(decision.status) + 1 if decision.status != DecisionStatus.DRAFT else 0
    wanted = STEP_ORDER.index(kind)
    if wanted == done:
        return
    if wanted < done:
        raise InvalidTransition(
            _("The step “%(step)s” is already on record.") % {"step": StepKind(kind).label},
            code=Code.STEP_OUT_OF_ORDER,
        )
    missing = STEP_ORDER[done]
    raise InvalidTransition(
        _("%(rule)s: “%(missing)s” must be completed before “%(step)s”.")
        % {
            "rule": article(ARTICLES[StepKind(missing)]),
            "missing": StepKind(missing).label,
            "step": StepKind(kind).label,
        },
        code=Code.STEP_OUT_OF_ORDER,
    )


def _incomplete(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, code=Code.STEP_INCOMPLETE, fields={field: [message]})


def _check_content(
    decision: Decision,
    kind: str,
    started_on: date,
    ended_on: date,
    dissent: str,
    adoption: str,
    opinions: list[tuple[str, str]],
) -> None:
    if (
        kind == StepKind.PARTICIPATION
        and decision.notices.exclude(status=NoticeStatus.CLOSED).exists()
    ):
        raise _incomplete(
            _(
                "%(rule)s: the public comment period of the decision's notice has "
                "not been closed with its answers."
            )
            % {"rule": article("第十五条")},
            "notice",
        )
    if kind == StepKind.ARGUMENTATION and not opinions:
        raise _incomplete(
            _("%(rule)s: put each expert's opinion on record.") % {"rule": article("第二十一条")},
            "opinions",
        )
    if kind == StepKind.LEGALITY:
        days = review_workdays(started_on, ended_on)
        if days < MIN_LEGALITY_WORKDAYS:
            message = _(
                "%(rule)s: the legality review takes at least 7 working days; this one took %(n)d."
            ) % {"rule": article("第二十六条"), "n": days}
            raise InvalidInput(message, code=Code.STEP_TOO_SHORT, fields={"ended_on": [message]})
    if kind == StepKind.DISCUSSION and not dissent:
        raise _incomplete(
            _(
                "%(rule)s: record the dissenting opinions as they were said (or "
                "state that there were none)."
            )
            % {"rule": article("第三十条")},
            "dissent",
        )
    if kind == StepKind.PUBLICATION and not adoption:
        raise _incomplete(
            _(
                "%(rule)s: the publication states how the public's and the experts' "
                "opinions were adopted."
            )
            % {"rule": article("第三十二条")},
            "adoption",
        )


def decision_step(
    *,
    decision_id: int,
    actor: Any,
    kind: str,
    started_on: date,
    ended_on: date,
    summary: str,
    evidence: str = "",
    dissent: str = "",
    adoption: str = "",
    opinions: list[tuple[str, str]] | None = None,
    version: int | None = None,
) -> Step:
    """Records one statutory step; the decision's status becomes that step."""
    if kind not in StepKind.values:
        raise InvalidInput(_("Choose a step."), fields={"kind": [_("Choose a step.")]})
    if ended_on < started_on:
        raise InvalidInput(
            _("A step cannot end before it starts."), fields={"ended_on": [_("Before the start.")]}
        )
    summary = clean_text(summary, field="summary", max_length=MAX_TEXT, label=_("Summary"))
    evidence = clean_text(evidence, field="evidence", max_length=MAX_TEXT, required=False)
    dissent = clean_text(dissent, field="dissent", max_length=MAX_TEXT, required=False)
    adoption = clean_text(adoption, field="adoption", max_length=MAX_TEXT, required=False)
    cleaned = [
        (
            clean_text(e, field="expert", max_length=100, label=_("Expert")),
            clean_text(o, field="opinion", max_length=MAX_TEXT, label=_("Opinion")),
        )
        for e, o in (opinions or [])
        if str(e).strip() or str(o).strip()
    ]
    with transaction.atomic():
        decision = lock(Decision, decision_id, version=version, missing=_("No such decision."))
        require_permission(actor, "participation.record_step", decision)
        _check_order(decision, kind)
        _check_content(decision, kind, started_on, ended_on, dissent, adoption, cleaned)
        step = Step.objects.create(
            decision=decision,
            kind=kind,
            started_on=started_on,
            ended_on=ended_on,
            summary=summary,
            evidence=evidence,
            dissent=dissent,
            adoption=adoption,
            recorded_by=actor,
        )
        ExpertOpinion.objects.bulk_create(
            ExpertOpinion(step=step, expert=e, opinion=o) for e, o in cleaned
        )
        before = decision.status
        decision.status = kind
        commit(
            decision,
            action="decision_step",
            actor=actor,
            from_state=before,
            data={
                "step": kind,
                "started_on": started_on.isoformat(),
                "ended_on": ended_on.isoformat(),
                "opinions": len(cleaned),
            },
        )
    return step
