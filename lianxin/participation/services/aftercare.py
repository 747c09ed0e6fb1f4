"""After the decision: milestones with progress and evidence, requests for correction (纠错)
with a deadline to answer, and liability records (问责)."""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.audit import audit_record
from lianxin.core.calendar import Calendar
from lianxin.core.errors import InvalidInput, InvalidTransition
from lianxin.core.text import clean_text
from lianxin.core.transitions import lock, require_permission, transition

from ..errors import Code
from ..models import (
    CorrectionRequest,
    CorrectionStatus,
    Decision,
    DecisionStatus,
    LiabilityRecord,
    Milestone,
)
from .common import person_label

# The project's own clock for answering a correction request: the regulation (art. 35) sets
# none; 15 working days is the period the 信访 rules give an ordinary matter.
CORRECTION_WORKDAYS = 15
PUBLISHED = (DecisionStatus.PUBLICATION, DecisionStatus.EVALUATION)


def _require_published(decision: Decision) -> None:
    if decision.status not in PUBLISHED:
        raise InvalidTransition(
            _("This decision has not been published yet."), code=Code.NOT_PUBLISHED
        )


def milestone_add(*, decision_id: int, actor: Any, title: str, due_on: date) -> Milestone:
    title = clean_text(title, field="title", max_length=200, label=_("Title"))
    with transaction.atomic():
        decision = lock(Decision, decision_id, missing=_("No such decision."))
        require_permission(actor, "participation.record_step", decision)
        _require_published(decision)
        milestone = Milestone.objects.create(decision=decision, title=title, due_on=due_on)
        audit_record(
            actor=actor,
            action="milestone_add",
            obj=milestone,
            data={"decision": decision.pk, "due_on": due_on.isoformat()},
        )
    return milestone


def milestone_progress(
    *, milestone_id: int, actor: Any, progress: int, evidence: str, version: int | None = None
) -> Milestone:
    """Progress in per cent with its evidence; 100 % completes the milestone today."""
    evidence = clean_text(evidence, field="evidence", max_length=5000, label=_("Evidence"))
    if not 0 <= progress <= 100:
        raise InvalidInput(
            _("Progress is a percentage from 0 to 100."), fields={"progress": [_("From 0 to 100.")]}
        )

    def change(milestone: Milestone) -> list[str]:
        require_permission(actor, "participation.record_step", milestone.decision)
        if milestone.completed_on is not None:
            raise InvalidTransition(_("This milestone is already completed."))
        milestone.progress, milestone.evidence = progress, evidence
        if progress == 100:
            milestone.completed_on = clock.now().date()
        return ["progress", "evidence", "completed_on"]

    return transition(
        Milestone,
        milestone_id,
        action="milestone_progress",
        actor=actor,
        version=version,
        related=["decision"],
        change=change,
        data={"progress": progress},
        missing=_("No such milestone."),
    )


def correction_request(
    *, decision_id: int, actor: Any, text: str, anonymous: bool = False
) -> CorrectionRequest:
    text = clean_text(text, field="text", max_length=5000, label=_("Request"))
    signed_in = actor is not None and actor.is_authenticated
    with transaction.atomic():
        decision = lock(Decision, decision_id, missing=_("No such decision."))
        _require_published(decision)
        request = CorrectionRequest.objects.create(
            decision=decision,
            author=actor if signed_in else None,
            author_label="" if anonymous or not signed_in else person_label(actor),
            text=text,
            deadline=Calendar.load().add_workdays(clock.now(), CORRECTION_WORKDAYS),
        )
        audit_record(
            actor=actor if signed_in else None,
            actor_label="" if signed_in else "public",
            action="correction_request",
            obj=request,
            to_state=request.status,
            data={"decision": decision.pk},
        )
    return request


def correction_answer(
    *, request_id: int, actor: Any, answer: str, version: int | None = None
) -> CorrectionRequest:
    answer = clean_text(answer, field="answer", max_length=5000, label=_("Answer"))

    def change(request: CorrectionRequest) -> list[str]:
        request.answer, request.answered_by, request.answered_at = answer, actor, clock.now()
        return ["answer", "answered_by", "answered_at"]

    with transaction.atomic():
        request = lock(
            CorrectionRequest,
            request_id,
            related=["decision"],
            missing=_("No such correction request."),
        )
        require_permission(actor, "participation.answer_correction", request.decision)
        return transition(
            CorrectionRequest,
            request,
            action="correction_answer",
            actor=actor,
            to=CorrectionStatus.ANSWERED,
            allowed=[CorrectionStatus.OPEN],
            version=version,
            change=change,
            refused_code=Code.CORRECTION_ANSWERED,
            refused=_("This correction request was already answered."),
        )


def liability_record(
    *, decision_id: int, actor: Any, finding: str, measure: str, cadre: Any = None
) -> LiabilityRecord:
    """Names the cadre answerable for a decision found wrong (by default its responsible
    cadre): on record for life (art. 38)."""
    finding = clean_text(finding, field="finding", max_length=5000, label=_("Finding"))
    measure = clean_text(measure, field="measure", max_length=2000, label=_("Measure taken"))
    with transaction.atomic():
        decision = lock(Decision, decision_id, missing=_("No such decision."))
        require_permission(actor, "participation.record_liability", decision)
        record = LiabilityRecord.objects.create(
            decision=decision,
            cadre=cadre or decision.responsible,
            finding=finding,
            measure=measure,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action="liability_record",
            obj=record,
            data={"decision": decision.pk, "cadre": record.cadre_id},
        )
    return record
