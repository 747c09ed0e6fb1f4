"""Pages: the citizen portal, the handler workbench, the dispatcher console, the supervision board.

Every action form posts to `appeal_act`, which runs the action's service from the same table
as the API (`actions.ACTIONS`)."""

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from lianxin.core import uploads
from lianxin.core.access import has_role, may, units_where
from lianxin.core.calendar import Calendar
from lianxin.core.errors import InvalidInput, LianxinError
from lianxin.core.models import Role, Unit
from lianxin.core.params import as_id
from lianxin.core.ratelimit import client_address

from .actions import ACTIONS
from .api import citizen_appeal
from .forms import SubmitForm
from .models import Appeal, AppealPhoto, Category, Channel, Satisfaction, Status, Urgency
from .selectors import (
    appeal_actions,
    appeal_contact,
    appeal_photo_for,
    appeal_timeline,
    appeal_whereabouts,
    appeals_visible_to,
    citizen_photo_token,
    citizen_photos,
    dispatch_units,
    shown_photos,
)
from .services.citizen import appeal_follow_up, appeal_withdraw, query_code_for
from .services.intake import appeal_submit


def portal(request: HttpRequest) -> HttpResponse:
    recent = Appeal.objects.public().select_related("unit", "category")[:5]
    return render(request, "appeals/portal.html", {"recent": recent})


@csrf_exempt  # the upload handler must be set before the CSRF check reads the body
def submit(request: HttpRequest) -> HttpResponse:
    photos: list[Any] = []
    unread: LianxinError | None = None
    if request.method == "POST":
        try:
            photos = uploads.read_files(request, "photos")
        except LianxinError as exc:
            unread = exc  # past Django's limits: refused with the form, nothing stored
    return _submit(request, photos, unread)


@csrf_protect
def _submit(request: HttpRequest, photos: list[Any], unread: LianxinError | None) -> HttpResponse:
    form = SubmitForm(request.POST or None)
    photo_error = unread.message if unread is not None else ""
    if request.method == "POST" and form.is_valid() and unread is None:
        data = dict(form.cleaned_data)
        photos_public = data.pop("photos_public", False)
        try:
            appeal, _created = appeal_submit(
                **data,
                channel=Channel.WEB,
                submitted_by=request.user,
                idempotency_key=request.POST.get("idempotency_key") or None,
                photos=photos,
                photos_public=photos_public,
            )
        except LianxinError as exc:
            if "files" in exc.fields:
                photo_error = exc.message
            for field, errors in exc.fields.items():
                if field == "files":
                    continue
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            return render(
                request,
                "appeals/submitted.html",
                {
                    "appeal": appeal,
                    "query_code": query_code_for(appeal.tracking_number),
                    "photo_count": appeal.photos.count(),
                },
            )
    return render(
        request,
        "appeals/submit.html",
        {
            "form": form,
            "photo_error": photo_error,
            # A browser never fills a file input again: the citizen is told to choose anew.
            "photos_again": bool(photos) and not photo_error,
            "photos_max": settings.APPEAL_PHOTOS_MAX,
        },
        status=400 if photo_error else 200,
    )


def _photo_links(photos: Iterable[AppealPhoto], *, signed: bool = False) -> list[dict[str, Any]]:
    """Each photo with the address that shows it; `signed` for the citizen on the tracking
    page, who proved the query code but has no account."""
    links = []
    for photo in photos:
        url = reverse("appeals:photo", args=[photo.pk])
        if signed:
            url += "?" + urlencode({"t": citizen_photo_token(photo)})
        links.append({"photo": photo, "url": url})
    return links


def appeal_photo(request: HttpRequest, pk: int) -> FileResponse:
    """One photo of an appeal, for whoever `appeal_photo_for` lets see it (staff of the
    appeal, the citizen through the tracking page's link, anyone for a public one)."""
    photo = appeal_photo_for(request.user, as_id(pk) or 0, token=request.GET.get("t", "")[:200])
    if photo is None:
        raise Http404
    return uploads.download(
        photo.stored_as,
        name=f"{photo.appeal.tracking_number}-{photo.pk}.{photo.file_type}",
        kind=photo.file_type,
        inline=True,
    )


def track(request: HttpRequest) -> HttpResponse:
    tn = (request.POST.get("tracking_number") or request.GET.get("tracking_number") or "").strip()
    code = (request.POST.get("query_code") or "").strip()
    context: dict[str, Any] = {"tracking_number": tn, "query_code": code}
    if request.method == "POST":
        try:
            appeal = citizen_appeal(tn, code, requester=client_address(request))
        except LianxinError as exc:  # wrong code, or locked after too many wrong codes
            context["code_error"] = exc.message  # shown beside the code, what was typed kept
        else:
            if action := request.POST.get("action"):
                try:
                    if action == "followup":
                        appeal = appeal_follow_up(
                            appeal=appeal,
                            by_citizen=True,
                            resolved=request.POST.get("resolved") == "yes",
                            satisfaction=request.POST.get("satisfaction", ""),
                            comment=request.POST.get("comment", ""),
                        )
                        messages.success(request, _("Thank you for your rating."))
                    elif action == "withdraw":
                        appeal = appeal_withdraw(appeal=appeal, by_citizen=True)
                        messages.success(request, _("Your appeal has been withdrawn."))
                except LianxinError as exc:
                    messages.error(request, exc.message)
            context.update(
                appeal=appeal,
                query_code=code,
                photos=_photo_links(citizen_photos(appeal), signed=True),
                timeline=appeal_timeline(appeal, public=True),
                satisfaction_choices=Satisfaction.choices,
                estimated=Calendar.load().is_estimated(
                    timezone.localdate(appeal.handling_deadline)
                ),
            )
    return render(request, "appeals/track.html", context)


def board(request: HttpRequest) -> HttpResponse:
    qs = (
        Appeal.objects.public()
        .select_related("unit", "category")
        .prefetch_related(Prefetch("photos", queryset=shown_photos(), to_attr="shown_photos"))
    )
    if category := request.GET.get("category"):
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    groups = Category.objects.filter(parent__isnull=True, is_active=True)
    return render(
        request, "appeals/board.html", {"page": page, "groups": groups, "category": category}
    )


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    units = units_where(request.user, Role.HANDLER, Role.LEADER)
    if not units:
        raise PermissionDenied(_("The workbench is for handlers and unit leaders."))
    qs = (
        appeals_visible_to(request.user)
        .filter(
            status__in=[
                Status.DISPATCHED,
                Status.HANDLING,
                Status.REOPENED,
                Status.REVIEWING,
                Status.REPLIED,
            ]
        )
        .order_by("handling_deadline")
    )
    if request.GET.get("overdue"):
        qs = qs.overdue()
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request, "appeals/workbench.html", {"page": page, "units": units, "now": timezone.now()}
    )


@login_required
def dispatch_console(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, Role.DISPATCHER, Role.ADMIN):
        raise PermissionDenied(_("The dispatcher console is for dispatchers."))
    queue = (
        appeals_visible_to(request.user)
        .filter(status=Status.SUBMITTED)
        .select_related("category__default_unit", "suggested_category__default_unit")
        .order_by("handling_deadline")
    )
    page = Paginator(queue, 30).get_page(request.GET.get("page"))
    replied = (
        appeals_visible_to(request.user).filter(status=Status.REPLIED).order_by("replied_at")[:30]
    )
    return render(
        request,
        "appeals/dispatch.html",
        {
            "page": page,
            "units": dispatch_units().in_tree_order(),
            "replied": replied,
            "categories": Category.objects.filter(is_active=True).select_related("parent"),
            "now": timezone.now(),
        },
    )


@login_required
def supervision(request: HttpRequest) -> HttpResponse:
    if not may(request.user, "appeals.view_supervision_board"):
        raise PermissionDenied(_("The supervision board is for supervisors."))
    now = timezone.now()
    visible = appeals_visible_to(request.user)
    overdue = visible.overdue(now).order_by("handling_deadline")
    due_soon = visible.due_within(timedelta(hours=24), now).order_by("handling_deadline")
    by_unit = overdue.values("unit__name").annotate(n=Count("id")).order_by("-n")[:20]
    return render(
        request,
        "appeals/supervision.html",
        {
            "overdue": Paginator(overdue, 30).get_page(request.GET.get("page")),
            "due_soon": due_soon[:30],
            "by_unit": by_unit,
            "now": now,
        },
    )


@login_required
def appeal_detail(request: HttpRequest, tracking_number: str) -> HttpResponse:
    appeal = _visible_appeal(request.user, tracking_number)
    if appeal is None:
        return _not_here(request, tracking_number)
    return _render_detail(request, appeal)


def _visible_appeal(user: Any, tracking_number: str) -> Appeal | None:
    return (
        appeals_visible_to(user)
        .prefetch_related("co_units", "extensions", "followups", "photos")
        .filter(tracking_number=tracking_number)
        .first()
    )


def _not_here(request: HttpRequest, tracking_number: str) -> HttpResponse:
    """An appeal the user may not see: where it went, if it once was theirs, else 404."""
    moved = appeal_whereabouts(request.user, tracking_number)
    if moved is None:
        raise Http404
    return render(
        request, "appeals/moved.html", {"moved": moved, "tracking_number": tracking_number}
    )


# The inputs of the action forms. A service's error about one of them is shown beside it.
FORM_FIELDS = {
    "unit",
    "units",
    "category",
    "reason",
    "days",
    "approve",
    "text",
    "resolved",
    "satisfaction",
    "comment",
    "master",
    "note",
    "files",
}


def _render_detail(
    request: HttpRequest,
    appeal: Appeal,
    *,
    posted: str | None = None,
    error: LianxinError | None = None,
) -> HttpResponse:
    """The appeal page. After a failed action (`posted`, `error`) the form that was sent is
    shown again, open, with what was typed or chosen and each message beside its field."""
    forms: list[tuple[str, dict[str, Any]]] = []
    for action in appeal_actions(request.user, appeal):
        form: dict[str, Any] = {"open": False, "data": {}, "errors": {}, "error": "", "units": []}
        if action == posted and error is not None:
            p = request.POST
            errors = {k: v for k, v in error.fields.items() if k in FORM_FIELDS}
            others = [m for k, v in error.fields.items() if k not in FORM_FIELDS for m in v]
            form.update(
                open=True,
                data=p,
                errors=errors,
                units=p.getlist("units"),
                error=" ".join(map(str, others)) if errors or others else error.message,
            )
        forms.append((action, form))
    if forms and not any(f["open"] for _a, f in forms):
        forms[0][1]["open"] = True
    return render(
        request,
        "appeals/detail.html",
        {
            "appeal": appeal,
            "contact": appeal_contact(request.user, appeal),
            "photos": _photo_links(appeal.photos.all()),
            "timeline": appeal_timeline(appeal, public=False),
            "forms": forms,
            "units": dispatch_units().in_tree_order(),
            "categories": Category.objects.filter(is_active=True).select_related("parent"),
            "satisfaction_choices": Satisfaction.choices,
            "urgencies": Urgency.choices,
            "now": timezone.now(),
            "estimated": Calendar.load().is_estimated(timezone.localdate(appeal.handling_deadline)),
        },
        status=error.status if error else 200,
    )


def _unit_or_error(pk: Any, field: str = "unit") -> Unit:
    unit_id = as_id(pk)
    unit = dispatch_units().filter(pk=unit_id).first() if unit_id is not None else None
    if unit is None:
        raise InvalidInput(_("Choose a unit."), fields={field: [_("Choose a unit.")]})
    return unit


def _category_or_none(code: str | None) -> Category | None:
    return Category.objects.filter(code=code).first() if code else None


def _master_or_error(user: Any, tracking_number: str) -> Appeal:
    master = appeals_visible_to(user).filter(tracking_number=tracking_number.strip()).first()
    if master is None:
        raise InvalidInput(
            _("Master appeal not found."), fields={"master": [_("Master appeal not found.")]}
        )
    return master


# Each action's arguments from its page form (the service is in actions.ACTIONS).
FORM_ARGUMENTS: dict[str, Callable[[QueryDict, Any], dict[str, Any]]] = {
    "dispatch": lambda p, user: {
        "unit": _unit_or_error(p.get("unit")),
        "category": _category_or_none(p.get("category")),
    },
    "accept": lambda p, user: {},
    "return": lambda p, user: {"reason": p.get("reason", "")},
    "transfer": lambda p, user: {
        "unit": _unit_or_error(p.get("unit")),
        "reason": p.get("reason", ""),
    },
    "co_handle": lambda p, user: {
        "units": [_unit_or_error(pk, "units") for pk in p.getlist("units")]
    },
    "extension_request": lambda p, user: {"days": p.get("days"), "reason": p.get("reason", "")},
    "extension_decide": lambda p, user: {
        "approve": p.get("approve") == "yes",
        "reason": p.get("reason", ""),
    },
    "reply": lambda p, user: {
        "text": p.get("text", ""),
        "photos_public": p.get("photos_public") == "on",
    },
    "review": lambda p, user: {"approve": p.get("approve") == "yes", "reason": p.get("reason", "")},
    "followup": lambda p, user: {
        "resolved": p.get("resolved") == "yes",
        "satisfaction": p.get("satisfaction", ""),
        "comment": p.get("comment", ""),
    },
    "close": lambda p, user: {"reason": p.get("reason", "")},
    "merge": lambda p, user: {"master": _master_or_error(user, p.get("master", ""))},
    "withdraw": lambda p, user: {"reason": p.get("reason", "")},
    "supervise": lambda p, user: {"note": p.get("note", "")},
}


def _done(action: str, appeal: Appeal) -> str:
    """What an action did, as the person would say it, read from the appeal after it."""
    tn = appeal.tracking_number
    if action == "dispatch":
        return _("Appeal %(tn)s dispatched to %(unit)s.") % {"tn": tn, "unit": appeal.unit}
    if action == "accept":
        return _("Appeal %(tn)s accepted.") % {"tn": tn}
    if action == "return":
        return _("Appeal %(tn)s returned to the dispatcher.") % {"tn": tn}
    if action == "transfer":
        return _("Appeal %(tn)s transferred to %(unit)s.") % {"tn": tn, "unit": appeal.unit}
    if action == "co_handle":
        return _("Co-handling units of appeal %(tn)s: %(units)s.") % {
            "tn": tn,
            "units": _(", ").join(str(u) for u in appeal.co_units.all()),
        }
    if action == "extension_request":
        requested = appeal.extensions.order_by("-id").first()
        return _("An extension of %(days)s working days is requested for appeal %(tn)s.") % {
            "tn": tn,
            "days": requested.days if requested else "",
        }
    if action == "extension_decide":
        decided = appeal.extensions.order_by("-decided_at", "-id").first()
        approved = decided is not None and decided.decision == "approved"
        return (
            _("The extension of appeal %(tn)s is approved.")
            if approved
            else _("The extension of appeal %(tn)s is rejected.")
        ) % {"tn": tn}
    if action == "reply":
        return (
            _("The reply to appeal %(tn)s waits for the unit leader's review.")
            if appeal.status == Status.REVIEWING
            else _("Appeal %(tn)s replied: the citizen can read the reply.")
        ) % {"tn": tn}
    if action == "review":
        return (
            _("The reply to appeal %(tn)s is approved and sent to the citizen.")
            if appeal.status == Status.REPLIED
            else _("The reply to appeal %(tn)s is sent back to the handler.")
        ) % {"tn": tn}
    if action == "followup":
        return (
            _("Follow-up of appeal %(tn)s recorded: the appeal is reopened.")
            if appeal.status == Status.REOPENED
            else _("Follow-up of appeal %(tn)s recorded: the appeal is closed.")
        ) % {"tn": tn}
    if action == "close":
        return _("Appeal %(tn)s closed.") % {"tn": tn}
    if action == "merge":
        return _("Appeal %(tn)s merged into %(master)s.") % {
            "tn": tn,
            "master": appeal.master.tracking_number if appeal.master else "",
        }
    if action == "withdraw":
        return _("Appeal %(tn)s withdrawn.") % {"tn": tn}
    if action == "supervise":
        return _("Appeal %(tn)s supervised: the unit leader is notified.") % {"tn": tn}
    return _("Done: %(tn)s") % {"tn": tn}  # an action added without its own words yet


@csrf_exempt  # the upload handler must be set before the CSRF check reads the body
@login_required
@require_POST
def appeal_act(request: HttpRequest, tracking_number: str, action: str) -> HttpResponse:
    """Run one lifecycle action from a page form, then go back where the user came from. The
    reply form may carry the handler's before/after photos."""
    files: dict[str, list[Any]] = {}
    unread: LianxinError | None = None
    if action == "reply" and request.content_type == "multipart/form-data":
        try:
            files["before_photos"] = uploads.read_files(request, "before_photos")
            files["after_photos"] = list(request.FILES.getlist("after_photos"))
        except LianxinError as exc:
            unread = exc  # past Django's limits: the form comes back with the message
    return _act(request, tracking_number, action, files, unread)


@csrf_protect
def _act(
    request: HttpRequest,
    tracking_number: str,
    action: str,
    files: dict[str, list[Any]],
    unread: LianxinError | None,
) -> HttpResponse:
    appeal = appeals_visible_to(request.user).filter(tracking_number=tracking_number).first()
    if appeal is None:
        return _not_here(request, tracking_number)
    if action not in ACTIONS:
        raise Http404
    p, user = request.POST, request.user
    try:
        if unread is not None:
            raise unread
        ACTIONS[action].service(
            appeal=appeal,
            actor=user,
            version=as_id(p.get("version")),
            **FORM_ARGUMENTS[action](p, user),
            **files,
        )
    except LianxinError as exc:
        # Sent from the appeal's page and its form is still there: show that form again with
        # the message beside the field and nothing lost. Elsewhere (the dispatcher console,
        # or the state moved on meanwhile) the message goes on top of the next page.
        if not p.get("next"):
            fresh = _visible_appeal(user, tracking_number)
            if fresh is not None and action in appeal_actions(user, fresh):
                return _render_detail(request, fresh, posted=action, error=exc)
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _done(action, Appeal.objects.select_related("unit", "master").get(pk=appeal.pk)),
        )
    next_url = p.get("next") or reverse("appeals:detail", args=[appeal.tracking_number])
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = reverse("appeals:detail", args=[appeal.tracking_number])
    return redirect(next_url)
