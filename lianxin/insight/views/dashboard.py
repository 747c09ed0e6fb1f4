"""The leaders' dashboard and the list of appeals behind each of its figures."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.appeals.models import OPEN_STATES
from lianxin.core.access import may
from lianxin.core.models import Unit
from lianxin.core.params import as_id

from ..dashboard import (
    PERIODS,
    BadFilter,
    Period,
    dashboard_figures,
    drill_appeals,
    missed_deadlines,
)
from ..models import Alarm
from ..selectors import hot_issues_cached


def _period(request) -> Period:
    days = as_id(request.GET.get("days", 30))
    return Period.last(days if days in PERIODS else 30)


def _not_for_you() -> str:
    return _("The dashboard is for leaders, supervisors and dispatchers.")


def _forbidden() -> PermissionDenied:
    return PermissionDenied(_not_for_you())


@login_required
def dashboard(request):
    if not may(request.user, "insight.view_dashboard"):
        raise _forbidden()
    period = _period(request)
    figures = dashboard_figures(period)
    return render(
        request,
        "insight/dashboard.html",
        {
            "figures": figures,
            "periods": PERIODS,
            "days": (period.end - period.start).days + 1,
            "extras": dashboard_extras(request.user),
        },
    )


@login_required
def dashboard_data(request):
    """The same figures as JSON, for the charts and for other tools."""
    if not may(request.user, "insight.view_dashboard"):
        return JsonResponse({"code": "permission_denied", "detail": _not_for_you()}, status=403)
    figures = dashboard_figures(_period(request))
    return JsonResponse(figures, json_dumps_params={"ensure_ascii": False})


HOT_WINDOW = 7


def dashboard_extras(user) -> dict:
    """What the other insight capabilities add to the dashboard: open alarms and the week's hot
    issues (as last computed: the analysis runs in the background), each linking on."""
    alarms = Alarm.objects.visible_to(user).active().select_related("category", "area")
    hot = hot_issues_cached(HOT_WINDOW)
    return {
        "alarms": list(alarms.order_by("kind", "-updated_at")[:5]),
        "alarm_count": alarms.count(),
        "hot": hot["issues"][:5] if hot else None,
        "hot_days": HOT_WINDOW,
    }


@login_required
def drill(request):
    if not may(request.user, "insight.view_dashboard"):
        raise _forbidden()
    try:
        appeals = drill_appeals(request.user, request.GET)
    except BadFilter as exc:
        return HttpResponseBadRequest(_("Unknown filter value: %(value)s") % {"value": exc})
    now = timezone.now()
    page = Paginator(appeals.select_related("unit", "category"), 30).get_page(
        request.GET.get("page")
    )
    for appeal in page:
        appeal.missed = [
            {
                "which": MISSED[which],
                "deadline": deadline,
                "by": timesince(deadline, now, depth=2)
                if by.total_seconds() >= 60
                else _("less than a minute"),
            }
            for which, deadline, by in missed_deadlines(appeal, now)
        ]
        appeal.due = appeal.handling_deadline if appeal.status in OPEN_STATES else None
    unit = Unit.objects.filter(pk=request.GET["unit"]).first() if request.GET.get("unit") else None
    return render(
        request,
        "insight/drill.html",
        {
            "page": page,
            "filters": request.GET,
            "now": now,
            "unit": unit,
            "state": STATES.get(request.GET.get("state", "")),
        },
    )


# What the drill-down says it lists, and which deadline an appeal missed, in words.
STATES = {
    "open": gettext_lazy("Still open"),
    "overdue": gettext_lazy("Overdue now (contact or handling deadline)"),
    "contact_overdue": gettext_lazy("Contact overdue: not accepted by the contact deadline"),
    "handling_overdue": gettext_lazy("Handling overdue: not finished by the handling deadline"),
    "closed": gettext_lazy("Closed"),
    "dissatisfied": gettext_lazy("Followed up as dissatisfied"),
}
MISSED = {
    "contact": gettext_lazy("Contact deadline"),
    "handling": gettext_lazy("Handling deadline"),
}
