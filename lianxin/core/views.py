"""Health check, home page routing and the notification list."""

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .access import has_role
from .models import Role


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse({"status": "error", "database": str(exc) or type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


# Where each role's work starts, first match wins: a person lands on it after login (and from
# an error page's way back).
LANDINGS = [
    ((Role.DISPATCHER,), "appeals:dispatch"),
    ((Role.HANDLER, Role.LEADER), "appeals:workbench"),
    ((Role.SUPERVISOR,), "appeals:supervision"),
    ((Role.INSPECTOR,), "supervision:report-cases"),
    ((Role.ORGDEPT,), "evaluation:appraisal_list"),
]


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    for roles, landing in LANDINGS:
        if has_role(user, *roles):
            return redirect(landing)
    if user.is_staff and (user.is_superuser or has_role(user, Role.ADMIN)):
        return redirect("admin:index")
    return redirect("appeals:portal")


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    # login_required: the user is signed in, not AnonymousUser.
    items = request.user.notifications.filter(channel="inapp")[:100]  # type: ignore[union-attr]
    return render(request, "core/notifications.html", {"items": items})
