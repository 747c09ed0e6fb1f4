"""我的诉求: the pages of a citizen signed in by SMS code (core.citizens). Every appeal filed
with their number by any channel, open ones first; each one's page is the tracking page, with
its rating and withdrawal; the copy of their data and the deletion of their account."""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lianxin.core.calendar import Calendar
from lianxin.core.citizen_views import citizen_phone_keys
from lianxin.core.errors import Conflict, LianxinError
from lianxin.core.params import as_id

from . import citizen_export
from .models import Satisfaction
from .selectors import appeal_timeline, citizen_appeals
from .services.account import citizen_account_erase, citizen_data_export, unfinished_appeals
from .services.citizen import appeal_follow_up, appeal_withdraw

View = Callable[..., HttpResponse]


def citizen_required(view: View) -> View:
    """Only for a citizen signed in by SMS code (anyone else is sent to that sign-in); the
    view gets the lookup keys of their number after the request."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        keys = citizen_phone_keys(request)
        if not keys:
            return redirect("/my/signin/?" + urlencode({"next": request.get_full_path()}))
        return view(request, keys, *args, **kwargs)

    return never_cache(wrapper)


@citizen_required
def mine(request: HttpRequest, keys: list[str]) -> HttpResponse:
    appeals = citizen_appeals(request.user, keys)
    page = Paginator(appeals, 20).get_page(request.GET.get("page"))
    return render(request, "appeals/mine.html", {"page": page, "now": timezone.now()})


def _own(request: HttpRequest, keys: list[str], tracking_number: str) -> Any:
    appeal = citizen_appeals(request.user, keys).filter(tracking_number=tracking_number).first()
    if appeal is None:  # another person's appeal, or none: the same answer
        raise Http404
    return appeal


@citizen_required
def mine_detail(request: HttpRequest, keys: list[str], tracking_number: str) -> HttpResponse:
    """The tracking page of one of the citizen's appeals, its forms posting here: the same
    services as the query-code page, the citizen now known by their login."""
    appeal = _own(request, keys, tracking_number)
    if request.method == "POST":
        p = request.POST
        try:
            if p.get("action") == "followup":
                appeal_follow_up(
                    appeal=appeal,
                    actor=request.user,
                    by_citizen=True,
                    resolved=p.get("resolved") == "yes",
                    satisfaction=p.get("satisfaction", ""),
                    comment=p.get("comment", ""),
                    version=as_id(p.get("version")),
                )
                messages.success(request, _("Thank you for your rating."))
            elif p.get("action") == "withdraw":
                appeal_withdraw(
                    appeal=appeal,
                    actor=request.user,
                    by_citizen=True,
                    version=as_id(p.get("version")),
                )
                messages.success(request, _("Your appeal has been withdrawn."))
        except Conflict:
            # The citizen's own other window, most likely: not "someone else".
            messages.error(
                request,
                _(
                    "This appeal changed a moment ago, perhaps in another window. Here is how it stands now."
                ),
            )
        except LianxinError as exc:
            messages.error(request, exc.message)
        return redirect("appeals:mine-detail", tracking_number=appeal.tracking_number)
    return render(
        request,
        "appeals/track.html",
        {
            "appeal": appeal,
            "mine": True,
            "timeline": appeal_timeline(appeal, public=True),
            "satisfaction_choices": Satisfaction.choices,
            "estimated": Calendar.load().is_estimated(timezone.localdate(appeal.handling_deadline)),
        },
    )


@citizen_required
def mine_account(request: HttpRequest, keys: list[str]) -> HttpResponse:
    unfinished = unfinished_appeals(request.user, keys)
    return render(request, "appeals/mine_account.html", {"unfinished": unfinished})


@citizen_required
def mine_export(request: HttpRequest, keys: list[str], fmt: str) -> HttpResponse:
    if fmt not in ("json", "xlsx"):
        raise Http404
    data = citizen_data_export(user=request.user, phone_keys=keys, fmt=fmt)
    day = timezone.localdate().strftime("%Y%m%d")
    if fmt == "json":
        body, kind = citizen_export.as_json(data), "application/json; charset=utf-8"
    else:
        body = citizen_export.as_workbook(data)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="my-appeals-{day}.{fmt}"'
    return response


@require_POST
@citizen_required
def mine_delete(request: HttpRequest, keys: list[str]) -> HttpResponse:
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that you want to delete your account."))
        return redirect("appeals:mine-account")
    try:
        citizen_account_erase(user=request.user, phone_keys=keys)
    except LianxinError as exc:
        messages.error(request, exc.message)
        return redirect("appeals:mine-account")
    logout(request)
    messages.success(
        request,
        _("Your account is deleted and your contact details are erased from your appeals."),
    )
    return redirect("appeals:portal")
