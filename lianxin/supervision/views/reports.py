"""Pages of the reporting channel (举报): the public report and status pages, and the
inspectors' case pages.

Public pages set no cookie for anonymous visitors (not even Django's CSRF cookie: the forms
are CSRF-exempt, see docs/supervision/reporting.md), keep uploads in memory only, take the
receipt only in POST bodies (never in a URL, where logs would keep it) and forbid caching.

Inspectors unlock their private key once per login session: it is kept in the server-side
session sealed with a random key that lives only in a cookie of their browser, so neither a
copy of the database nor the cookie alone can open it."""

import functools
import time
from io import BytesIO

import rules
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from lianxin.core.errors import InvalidInput, LianxinError
from lianxin.core.models import Unit

from .. import reporting as rp
from ..errors import Code
from ..models import Report, ReportFile, ReportStatus
from ..selectors import (
    has_keypair,
    report_ids_shared_with,
    report_reads_visible_to,
    reports_visible_to,
)
from ..services.keys import (
    inspector_key_change_passphrase,
    inspector_key_create,
    inspector_key_unlock,
    report_share,
    session_key_open,
    session_key_seal,
)
from ..services.reports import (
    report_assess,
    report_conclude,
    report_file_read,
    report_investigate,
    report_message_add,
    report_note_add,
    report_open_by_receipt,
    report_read,
    report_status,
    report_submit,
)

UNLOCK_COOKIE = "lianxin_unlock"
UNLOCK_SESSION_KEY = "report_unlock"


# --- uploads: in memory only, oversized files dropped while they stream in -----------------------
class EvidenceUploadHandler(FileUploadHandler):
    """Keeps evidence in memory (Django would otherwise spill large uploads, unencrypted, to a
    temporary file on disk) and stops storing a file's data once it passes the size limit, or
    once more files than allowed have come; the service then refuses them with a clear error."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.count = getattr(self, "count", 0) + 1
        self.buffer, self.size, self.too_big = BytesIO(), 0, False
        self.max_bytes = int(settings.REPORT_MAX_FILE_BYTES)
        self.max_files = int(settings.REPORT_MAX_FILES)

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        if self.size > self.max_bytes:
            self.too_big, self.buffer = True, BytesIO()
        elif self.count <= self.max_files:
            self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size):
        self.buffer.seek(0)
        upload = InMemoryUploadedFile(
            self.buffer, self.field_name, self.file_name, self.content_type, self.size, self.charset
        )
        upload.too_big = self.too_big
        return upload


def use_evidence_upload_handler(request) -> None:
    request.upload_handlers = [EvidenceUploadHandler(request)]


# --- the public pages ------------------------------------------------------------------------
def no_tracking(view):
    """No caching, no page address in any Referer, and no cookie set for an anonymous visitor."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if not request.user.is_authenticated:
            # The site's header renders a CSRF token (language switch); do not let it plant
            # the CSRF cookie on this page.
            request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
        response["Cache-Control"] = "no-store"
        # The address of these pages must reach no one: not another site, and not this
        # server's own access log through the Referer of the style sheet or of the next page.
        # "strict-origin" sends the site's origin alone. Not "no-referrer": under it Chromium
        # posts `Origin: null`, and Django's CSRF check then refuses the forms that use it
        # (the header's log-out for someone signed in).
        response["Referrer-Policy"] = "strict-origin"
        # Django's request logger would write "Not Found: /supervision/report/status/" with
        # its time for every wrong receipt: mark the answer as logged already.
        response._has_been_logged = True
        return response

    return wrapped


def _accused_units():
    return Unit.objects.filter(is_active=True, parent__isnull=False).order_by("path")


def _error_status(exc: LianxinError) -> int:
    return exc.status if 400 <= exc.status < 600 else 400


@csrf_exempt
@no_tracking
def report_form(request):
    """The public form; on success the receipt, shown this once."""
    context = {
        "units": _accused_units(),
        "values": {},
        "errors": {},
        "max_mb": round(int(settings.REPORT_MAX_FILE_BYTES) / 1048576, 1),
        "max_files": int(settings.REPORT_MAX_FILES),
    }
    if request.method != "POST":
        return render(request, "supervision/report_form.html", context)
    use_evidence_upload_handler(request)  # before anything reads the body
    values = {
        name: request.POST.get(name, "")
        for name in ("accused", "content", "occurred_on", "accused_unit")
    }
    try:
        rp.check_submit_rate(rp.client_ident(request))
        _report, receipt = report_submit(
            accused=values["accused"],
            content=values["content"],
            occurred_on=values["occurred_on"] or None,
            accused_unit=values["accused_unit"] or None,
            files=request.FILES.getlist("files"),
        )
    except LianxinError as exc:
        context.update(values=values, error=exc.message, errors=exc.fields)
        return render(request, "supervision/report_form.html", context, status=_error_status(exc))
    groups = " ".join(receipt[i : i + 4] for i in range(0, 16, 4))
    return render(request, "supervision/report_receipt.html", {"receipt": groups}, status=201)


@csrf_exempt
@no_tracking
def report_status_page(request):
    """Enter the receipt (POSTed, never in the address) → status and messages, and reply."""
    if request.method != "POST":
        return render(request, "supervision/report_status.html", {})
    receipt = request.POST.get("receipt", "")
    try:
        access = report_open_by_receipt(receipt=receipt, ident=rp.client_ident(request))
    except LianxinError as exc:
        # The code typed comes back to be corrected (a digit mistyped), in this answer only.
        return render(
            request,
            "supervision/report_status.html",
            {"error": exc.message, "typed": receipt[:40]},
            status=_error_status(exc),
        )
    context = {"receipt": rp.normalise_receipt(receipt)}
    if request.POST.get("action") == "message":
        try:
            report_message_add(access=access, text=request.POST.get("text", ""))
            context["sent"] = True
        except LianxinError as exc:
            context["message_error"], context["text"] = exc.message, request.POST.get("text", "")
    context["status"] = report_status(access=access)
    context["is_open"] = access.report.is_open
    return render(request, "supervision/report_status.html", context)


# --- inspectors: the unlocked key ------------------------------------------------------------
def _unlock_seconds() -> int:
    return int(settings.REPORT_UNLOCK_SECONDS)


def unlocked_private_key(request) -> bytes | None:
    """The inspector's private key if unlocked in this session and browser, else None."""
    stored = request.session.get(UNLOCK_SESSION_KEY)
    cookie = request.COOKIES.get(UNLOCK_COOKIE)
    if not stored or not cookie or stored.get("until", 0) < time.time():
        return None
    if stored.get("user") != request.user.pk or not isinstance(stored.get("box"), str):
        return None
    return session_key_open(cookie, stored["box"])


def _remember_unlocked(request, response, private_key: bytes) -> None:
    cookie, box = session_key_seal(private_key)
    request.session[UNLOCK_SESSION_KEY] = {
        "box": box,
        "until": time.time() + _unlock_seconds(),
        "user": request.user.pk,
    }
    response.set_cookie(
        UNLOCK_COOKIE,
        cookie,
        httponly=True,
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
        samesite="Strict",
        path="/supervision/cases/",
    )


def _forget_unlocked(request, response) -> None:
    request.session.pop(UNLOCK_SESSION_KEY, None)
    response.delete_cookie(UNLOCK_COOKIE, path="/supervision/cases/")


def inspector_required(view):
    """Logged in, and an inspector (administrators are not: reports are not theirs to read)."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not rules.has_perm("supervision.view_report", request.user):
            raise PermissionDenied(_("The case pages are for inspectors."))
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    return wrapped


def _visible_case(request, pk) -> Report:
    """404 for a case the inspector is in conflict with: it does not exist for them."""
    report = get_object_or_404(Report.objects.select_related("accused_unit"), pk=pk)
    if not rules.has_perm("supervision.view_report", request.user, report):
        raise Http404
    return report


@inspector_required
def case_list(request):
    user = request.user
    mine = report_ids_shared_with(user)
    rows = [{"report": r, "has_key": r.pk in mine} for r in reports_visible_to(user)]
    return render(
        request,
        "supervision/report_cases.html",
        {
            "rows": rows,
            "has_keypair": has_keypair(user),
            "unlocked": unlocked_private_key(request) is not None,
            "is_lead": rules.has_perm("supervision.view_report_reads", user),
        },
    )


@inspector_required
@csrf_protect
def case_key(request):
    """Create the keypair, unlock it for this session, change its passphrase, or lock it."""
    user = request.user
    context = {
        "has_keypair": has_keypair(user),
        "unlocked": unlocked_private_key(request) is not None,
        "next": request.POST.get("next") or request.GET.get("next") or "",
    }
    if request.method != "POST":
        return render(request, "supervision/report_key.html", context)
    action = request.POST.get("action")
    passphrase = request.POST.get("passphrase", "")
    try:
        if action == "create":
            if passphrase != request.POST.get("passphrase2", ""):
                raise InvalidInput(_("The two passphrases differ."), code=Code.PASSPHRASE_MISMATCH)
            inspector_key_create(user=user, passphrase=passphrase)
            private_key = inspector_key_unlock(user=user, passphrase=passphrase)
        elif action == "unlock":
            private_key = inspector_key_unlock(user=user, passphrase=passphrase)
        elif action == "change":
            if request.POST.get("new_passphrase", "") != request.POST.get("new_passphrase2", ""):
                raise InvalidInput(_("The two passphrases differ."), code=Code.PASSPHRASE_MISMATCH)
            inspector_key_change_passphrase(
                user=user,
                passphrase=passphrase,
                new_passphrase=request.POST.get("new_passphrase", ""),
            )
            private_key = inspector_key_unlock(
                user=user, passphrase=request.POST.get("new_passphrase", "")
            )
        elif action == "lock":
            response = redirect("supervision:report-cases")
            _forget_unlocked(request, response)
            return response
        else:
            raise InvalidInput(_("Unknown action."), code=Code.UNKNOWN_ACTION)
    except LianxinError as exc:
        context["error"], context["action"] = exc.message, action
        return render(request, "supervision/report_key.html", context, status=_error_status(exc))
    target = context["next"]
    response = redirect(
        target if target.startswith("/supervision/cases/") else "supervision:report-cases"
    )
    _remember_unlocked(request, response, private_key)
    return response


@inspector_required
def case_detail(request, pk):
    return _case_page(request, _visible_case(request, pk))


def _case_page(request, report, *, status: int = 200, **form):
    """The case as the inspector reads it (the read is logged); `form` carries a refused act
    back to its form: the text typed and the error beside it."""
    private_key = unlocked_private_key(request)
    context = {
        "report": report,
        "unlocked": private_key is not None,
        "is_lead": rules.has_perm("supervision.view_report_reads", request.user, report),
        "statuses": ReportStatus,
        **form,
    }
    if private_key is not None:
        try:
            context["case"] = report_read(
                report=report, actor=request.user, private_key=private_key
            )
        except LianxinError as exc:
            context["error"] = exc.message
    if context["is_lead"]:
        context["reads"] = report.reads.select_related("user")[:200]
    return render(request, "supervision/report_case.html", context, status=status)


@inspector_required
@require_POST
@csrf_protect
def case_act(request, pk):
    report = _visible_case(request, pk)
    private_key = unlocked_private_key(request)
    action, user, post = request.POST.get("action"), request.user, request.POST
    try:
        if action == "accept":
            report_assess(
                report=report,
                actor=user,
                private_key=private_key,
                accept=True,
                reason=post.get("text", ""),
            )
        elif action == "reject":
            report_assess(
                report=report,
                actor=user,
                private_key=private_key,
                accept=False,
                reason=post.get("text", ""),
            )
        elif action == "investigate":
            report_investigate(report=report, actor=user)
        elif action == "conclude":
            report_conclude(
                report=report, actor=user, private_key=private_key, result=post.get("text", "")
            )
        elif action == "message":
            report_message_add(
                report=report, actor=user, private_key=private_key, text=post.get("text", "")
            )
        elif action == "note":
            report_note_add(
                report=report, actor=user, private_key=private_key, text=post.get("note", "")
            )
        elif action == "share":
            report_share(report=report, actor=user, private_key=private_key)
        else:
            raise InvalidInput(_("Unknown action."), code=Code.UNKNOWN_ACTION)
    except LianxinError as exc:
        # The one text box serves as message, reason and result: its errors go beside it; the
        # note has its own box.
        box = "note" if action == "note" else "text"
        beside = any(name in exc.fields for name in ("text", "reason", "result"))
        report.refresh_from_db()
        return _case_page(
            request,
            report,
            status=_error_status(exc),
            text=post.get("text", ""),
            note=post.get("note", ""),
            **{f"{box}_errors": [exc.message] if beside else []},
            error=None if beside else exc.message,
        )
    return redirect("supervision:report-case", pk=report.pk)


@inspector_required
def case_file(request, pk, file_id):
    report = _visible_case(request, pk)
    report_file = get_object_or_404(ReportFile, pk=file_id, report=report)
    try:
        name, kind, data = report_file_read(
            report_file=report_file, actor=request.user, private_key=unlocked_private_key(request)
        )
    except LianxinError as exc:
        return HttpResponse(
            str(exc.message), status=_error_status(exc), content_type="text/plain; charset=utf-8"
        )
    response = HttpResponse(
        data, content_type=rp.CONTENT_TYPES.get(kind, "application/octet-stream")
    )
    ascii_name = f"evidence-{str(report_file.pk)[:8]}.{rp.EXTENSIONS.get(kind, 'bin')}"
    response["Content-Disposition"] = f'attachment; filename="{ascii_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@inspector_required
def case_reads(request):
    """The inspection lead's view of who opened which case when (cases they are in conflict
    with are left out: listing them would tell that they exist)."""
    if not rules.has_perm("supervision.view_report_reads", request.user):
        raise PermissionDenied(_("The read log is for the inspection lead."))
    return render(
        request, "supervision/report_reads.html", {"reads": report_reads_visible_to(request.user)}
    )
