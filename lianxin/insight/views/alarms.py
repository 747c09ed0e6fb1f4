"""预警 page: the active alarms a dispatcher, supervisor, administrator or unit leader may see,
their member appeals and field reports (farm visits), and the acknowledge / close buttons."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.core.access import may
from lianxin.core.errors import LianxinError

from ..models import Alarm, AlarmMember, AlarmReport
from ..services.warnings import alarm_acknowledge, alarm_close

SHOWN = {"active": Alarm.ACTIVE, "closed": (Alarm.Status.CLOSED,)}


def _forbidden() -> PermissionDenied:
    return PermissionDenied(
        _("Early warnings are for dispatchers, supervisors, leaders and the units they alert.")
    )


def _page(request, *, shown: str = "active", status: int = 200):
    members = AlarmMember.objects.select_related(
        "appeal", "appeal__category", "appeal__unit"
    ).order_by("appeal__created_at")
    alarms = (
        Alarm.objects.visible_to(request.user)
        .filter(status__in=SHOWN[shown])
        .select_related("category", "area", "area__parent", "unit", "acknowledged_by")
        .prefetch_related(
            Prefetch("members", queryset=members),
            Prefetch("field_reports", queryset=AlarmReport.objects.select_related("report")),
        )
        .order_by("kind", "-updated_at")[:200]
    )
    return render(request, "insight/alarms.html", {"alarms": alarms, "shown": shown}, status=status)


@login_required
def alarms(request):
    if not may(request.user, "insight.view_alarms"):
        raise _forbidden()
    shown = request.GET.get("show", "active")
    return _page(request, shown=shown if shown in SHOWN else "active")


@login_required
@require_POST
def alarm_act(request, pk: int, action: str):
    if not may(request.user, "insight.handle_alarm"):
        raise _forbidden()
    if action not in ("acknowledge", "close"):
        raise Http404
    if not Alarm.objects.visible_to(request.user).filter(pk=pk).exists():
        raise Http404
    act = alarm_acknowledge if action == "acknowledge" else alarm_close
    try:
        act(alarm=pk, actor=request.user, note=request.POST.get("note", ""))
    except LianxinError as exc:
        # Answer on the page itself with the error's status (409 for a wrong transition), so
        # that a stale button shows why nothing happened.
        messages.error(request, exc.message)
        return _page(request, status=exc.status)
    messages.success(request, _("Alarm updated."))
    return redirect(reverse("insight:alarms") + f"#alarm-{pk}")
