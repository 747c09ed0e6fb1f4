"""决策 page: the statutory steps with their evidence, the positions heard, milestones,
correction requests and liability records; the forms of whoever may act on each."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from lianxin.core import clock
from lianxin.core.access import may
from lianxin.core.models import Role

from ..models import STEP_ORDER, Decision, DecisionStatus, Position, StepKind
from ..services import aftercare
from ..services import decisions as service
from ..services import hearings as hearings_service
from .common import limit_public, posted_date, posted_id, posted_int, run, units_for


def _next_step(decision: Decision):
    done = 0 if decision.status == DecisionStatus.DRAFT else STEP_ORDER.index(decision.status) + 1
    return STEP_ORDER[done] if done < len(STEP_ORDER) else None


def decision_detail(request, pk: int):
    decision = get_object_or_404(Decision.objects.select_related("unit", "responsible"), pk=pk)
    user, post = request.user, request.POST
    perms = {
        "can_step": may(user, "participation.record_step", decision),
        "can_answer": may(user, "participation.answer_correction", decision),
        "can_liability": may(user, "participation.record_liability", decision),
    }
    status = None

    def request_correction():
        limit_public(request)
        aftercare.correction_request(
            decision_id=decision.pk,
            actor=user,
            text=post.get("text", ""),
            anonymous=bool(post.get("anonymous")),
        )

    if request.method == "POST":
        action = post.get("action")
        actions = {
            "correction": (
                True,
                request_correction,
                _("Your request is registered; the unit answers it by the date shown."),
            ),
            "step": (
                perms["can_step"],
                lambda: service.decision_step(
                    decision_id=decision.pk,
                    actor=user,
                    kind=post.get("kind", ""),
                    started_on=posted_date(request, "started_on", _("Started on")),
                    ended_on=posted_date(request, "ended_on", _("Ended on")),
                    summary=post.get("summary", ""),
                    evidence=post.get("evidence", ""),
                    dissent=post.get("dissent", ""),
                    adoption=post.get("adoption", ""),
                    opinions=list(
                        zip(post.getlist("expert"), post.getlist("opinion"), strict=False)
                    ),
                ),
                _("The step is on record."),
            ),
            "milestone": (
                perms["can_step"],
                lambda: aftercare.milestone_add(
                    decision_id=decision.pk,
                    actor=user,
                    title=post.get("title", ""),
                    due_on=posted_date(request, "due_on", _("Due on")),
                ),
                _("Milestone added."),
            ),
            "progress": (
                perms["can_step"],
                lambda: aftercare.milestone_progress(
                    milestone_id=posted_id(request, "milestone") or 0,
                    actor=user,
                    progress=posted_int(request, "progress", _("Progress")),
                    evidence=post.get("evidence", ""),
                ),
                _("Progress recorded."),
            ),
            "answer": (
                perms["can_answer"],
                lambda: aftercare.correction_answer(
                    request_id=posted_id(request, "request") or 0,
                    actor=user,
                    answer=post.get("answer", ""),
                ),
                _("The answer is published."),
            ),
            "respond": (
                perms["can_step"],
                lambda: hearings_service.position_respond(
                    position_id=posted_id(request, "position") or 0,
                    actor=user,
                    response=post.get("response", ""),
                ),
                _("The response is published."),
            ),
            "liability": (
                perms["can_liability"],
                lambda: aftercare.liability_record(
                    decision_id=decision.pk,
                    actor=user,
                    finding=post.get("finding", ""),
                    measure=post.get("measure", ""),
                ),
                _("The liability record is kept."),
            ),
        }
        if action not in actions:
            status = 400
        elif not actions[action][0]:
            status = 403
        else:
            status = run(request, actions[action][1], actions[action][2])
            if status is None:
                return redirect("participation:decision", pk=decision.pk)
        decision.refresh_from_db()
    return render(
        request,
        "participation/decision.html",
        perms
        | {
            "decision": decision,
            "next_step": _next_step(decision),
            "step_kinds": StepKind.choices,
            "steps": decision.steps.prefetch_related("opinions"),
            "positions": Position.objects.filter(hearing__decision=decision).select_related(
                "hearing"
            ),
            "milestones": decision.milestones.all(),
            "corrections": decision.corrections.all(),
            "liabilities": decision.liabilities.select_related("cadre"),
            "notices": decision.notices.all(),
            "hearings": decision.hearings.all(),
            "published": decision.status in aftercare.PUBLISHED,
            "typed": post,
            "now": clock.now(),
        },
        status=status,
    )


@login_required
def decision_new(request):
    """A unit's leader opens the record of a major decision, as its responsible cadre."""
    units = units_for(request.user, Role.LEADER, anywhere=(Role.ADMIN,))
    if not units:
        raise PermissionDenied
    status = None
    if request.method == "POST":
        created = {}

        def create():
            unit = next((u for u in units if u.pk == posted_id(request, "unit")), None)
            if unit is None:
                raise PermissionDenied
            created["decision"] = service.decision_create(
                actor=request.user,
                unit=unit,
                title=request.POST.get("title", ""),
                summary=request.POST.get("summary", ""),
                responsible=request.user,
            )

        status = run(request, create, _("The decision record is opened."))
        if status is None:
            return redirect("participation:decision", pk=created["decision"].pk)
    return render(
        request,
        "participation/decision_new.html",
        {"units": units, "typed": request.POST},
        status=status,
    )
