"""Health check, home page routing and the notification list."""

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .access import has_role
from .models import Role


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse({"status": "error", "database": str(exc) or type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def home(request):
    user = request.user
    if has_role(user, Role.DISPATCHER):
        return redirect("appeals:dispatch")
    if has_role(user, Role.HANDLER, Role.LEADER):
        return redirect("appeals:workbench")
    if has_role(user, Role.SUPERVISOR):
        return redirect("appeals:supervision")
    return redirect("appeals:portal")


@login_required
def notifications(request):
    items = request.user.notifications.filter(channel="inapp")[:100]
    return render(request, "core/notifications.html", {"items": items})
