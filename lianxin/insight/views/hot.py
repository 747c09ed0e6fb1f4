"""热点问题 page: the hottest issues among recent appeals, each with its member appeals."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from lianxin.appeals.selectors import appeals_visible_to
from lianxin.core.access import may
from lianxin.core.params import as_id
from lianxin.insight.selectors import DEFAULT_WINDOW, WINDOWS, hot_issues_for


def _window(value: object) -> int:
    days = as_id(value)
    return days if days in WINDOWS else DEFAULT_WINDOW


@login_required
def hot_issues(request):
    if not may(request.user, "insight.view_hot_issues"):
        raise PermissionDenied(_("Hot issues are for dispatchers, leaders and supervisors."))
    days = _window(request.GET.get("days"))
    return render(
        request,
        "insight/hot.html",
        {
            "days": days,
            "windows": WINDOWS,
            "result": hot_issues_for(days),
        },
    )


@login_required
def hot_issue(request, days: int, rank: int):
    if not may(request.user, "insight.view_hot_issues"):
        raise PermissionDenied(_("Hot issues are for dispatchers, leaders and supervisors."))
    days = _window(days)
    result = hot_issues_for(days)
    issue = next((i for i in result["issues"] if i["rank"] == rank), None)
    if issue is None:
        raise Http404
    # Everyone here may see the ranking; an appeal itself only where the user may open it.
    numbers = [number for number, _title, _time in issue["members"]]
    visible = set(
        appeals_visible_to(request.user)
        .filter(tracking_number__in=numbers)
        .values_list("tracking_number", flat=True)
    )
    members = [
        {"tracking_number": n, "title": t, "time": tm}
        for n, t, tm in issue["members"]
        if n in visible
    ]
    return render(
        request,
        "insight/hot_issue.html",
        {
            "days": days,
            "issue": issue,
            "members": members,
            "hidden": len(numbers) - len(members),
            "computed_at": result["computed_at"],
        },
    )
