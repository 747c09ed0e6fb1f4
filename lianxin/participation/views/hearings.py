"""听证 page: the announcement, the method, quotas, applying, the published draw with every
applicant's probability; for the organiser: the draw and the minutes."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from lianxin.core.access import may
from lianxin.core.models import Role

from ..models import Decision, Hearing, Stake, Stance
from ..services import hearings as service
from .common import limit_public, posted_datetime, posted_id, run, units_for


def hearing_detail(request, pk: int):
    hearing = get_object_or_404(Hearing.objects.select_related("unit", "notice", "decision"), pk=pk)
    can_organise = may(request.user, "participation.organise_hearing", hearing)
    status = None
    if request.method == "POST":
        action = request.POST.get("action")
        post = request.POST
        if action == "apply":

            def apply():
                limit_public(request)
                service.hearing_apply(
                    hearing_id=hearing.pk,
                    actor=request.user,
                    name=post.get("name", ""),
                    stake=post.get("stake", ""),
                    statement=post.get("statement", ""),
                )

            status = run(
                request,
                apply,
                _("Your application is registered. The draw decides who takes part."),
            )
        elif action == "draw" and can_organise:
            status = run(
                request,
                lambda: service.hearing_draw(
                    hearing_id=hearing.pk, actor=request.user, seed=post.get("seed", "")
                ),
                _("The participants are drawn and published."),
            )
        elif action == "minutes" and can_organise:
            positions = [
                (s, st, t)
                for s, st, t in zip(
                    post.getlist("speaker"),
                    post.getlist("stance"),
                    post.getlist("summary"),
                    strict=False,
                )
                if s.strip() or t.strip()
            ]
            status = run(
                request,
                lambda: service.hearing_minutes(
                    hearing_id=hearing.pk,
                    actor=request.user,
                    minutes=post.get("minutes", ""),
                    positions=positions,
                ),
                _("The minutes are published."),
            )
        else:
            status = 403 if action in ("draw", "minutes") else 400
        if status is None:
            return redirect("participation:hearing", pk=hearing.pk)
        hearing.refresh_from_db()
    applicants = list(hearing.applicants.all())
    stakes = dict(Stake.choices)
    quotas = [
        (stakes[q.stake], q.seats, sum(1 for a in applicants if a.stake == q.stake))
        for q in hearing.quotas.all()
    ]
    return render(
        request,
        "participation/hearing.html",
        {
            "hearing": hearing,
            "quotas": quotas,
            "applicants": applicants,
            "draw": getattr(hearing, "draw", None),
            "stakes": Stake.choices,
            "stances": Stance.choices,
            "positions": hearing.positions.all(),
            "can_organise": can_organise,
            "typed": request.POST,
        },
        status=status,
    )


@login_required
def hearing_new(request):
    """The organiser announces a hearing: date, materials, method and quotas per stake."""
    units = units_for(request.user, Role.LEADER, anywhere=(Role.ADMIN,))
    if not units:
        raise PermissionDenied
    decisions = Decision.objects.filter(unit__in=units)
    status = None
    if request.method == "POST":
        post = request.POST
        created = {}

        def announce():
            unit = next((u for u in units if u.pk == posted_id(request, "unit")), None)
            if unit is None:
                raise PermissionDenied
            quotas = {}
            for stake, _label in Stake.choices:
                text = post.get(f"quota_{stake}", "").strip() or "0"
                quotas[stake] = (
                    int(text) if text.isascii() and text.isdigit() and len(text) < 4 else 0
                )
            created["hearing"] = service.hearing_announce(
                actor=request.user,
                unit=unit,
                title=post.get("title", ""),
                place=post.get("place", ""),
                held_at=posted_datetime(request, "held_at", _("Hearing date")),
                materials_at=posted_datetime(request, "materials_at", _("Materials published")),
                selection_method=post.get("selection_method", ""),
                quotas=quotas,
                materials=post.get("materials", ""),
                decision=decisions.filter(pk=posted_id(request, "decision") or 0).first(),
            )

        status = run(request, announce, _("The hearing is announced."))
        if status is None:
            return redirect("participation:hearing", pk=created["hearing"].pk)
    return render(
        request,
        "participation/hearing_new.html",
        {
            "units": units,
            "decisions": decisions,
            "stakes": Stake.choices,
            "typed": request.POST,
        },
        status=status,
    )
