"""The knowledge base's pages for the units' staff: their articles (with what waits for review,
what expires, how often each answered citizens), writing and editing, review and publication,
the history of versions, the import of an .xlsx knowledge base, and replies worth an article."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lianxin.appeals.models import Appeal
from lianxin.core.access import may
from lianxin.core.errors import InvalidInput, LianxinError
from lianxin.core.params import as_id

from .errors import Code
from .models import ArticleStatus, VersionStatus
from .selectors import (
    article_for_staff,
    articles_for_staff,
    articles_to_review,
    expiring_articles,
    replies_worth_an_article,
    staff_units,
)
from .services import (
    article_create,
    article_edit,
    article_propose,
    article_publish,
    article_reject,
    article_submit,
    article_withdraw,
    knowledge_import,
)
from .sheet import template_xlsx

FIELDS = ("question", "answer", "policy_basis", "valid_from", "valid_to", "note")


def _require_staff(request: HttpRequest) -> list:
    units = staff_units(request.user)
    if not units:
        raise PermissionDenied(_("This page is for the staff of the units."))
    return units


def _refused(exc: LianxinError) -> None:
    if exc.status == 403:
        raise PermissionDenied(exc.message) from exc


def _date(value: Any, field: str) -> date | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problem = _("Not a date: %(value)s") % {"value": text[:20]}
        raise InvalidInput(problem, code=Code.BAD_DATES, fields={field: [problem]}) from None


def _form_values(post: Any) -> dict[str, Any]:
    return {
        "question": post.get("question", ""),
        "answer": post.get("answer", ""),
        "policy_basis": post.get("policy_basis", ""),
        "valid_from": _date(post.get("valid_from"), "valid_from"),
        "valid_to": _date(post.get("valid_to"), "valid_to"),
        "note": post.get("note", ""),
    }


@login_required
def index(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    status = request.GET.get("status") or ""
    articles = articles_for_staff(request.user)
    if status in ArticleStatus.values:
        articles = articles.filter(status=status)
    page = Paginator(articles, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "knowledge/index.html",
        {
            "page": page,
            "status": status,
            "statuses": ArticleStatus.choices,
            "to_review": articles_to_review(request.user)[:50],
            "expiring": expiring_articles(request.user)[:50],
            "expiry_days": settings.KNOWLEDGE_EXPIRY_WARNING_DAYS,
        },
    )


@login_required
def article_new(request: HttpRequest) -> HttpResponse:
    units = _require_staff(request)
    error, status, values = None, 200, {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in (*FIELDS, "unit")}
        unit = next((u for u in units if u.pk == as_id(request.POST.get("unit"))), units[0])
        try:
            article = article_create(actor=request.user, unit=unit, **_form_values(request.POST))
        except LianxinError as exc:
            _refused(exc)
            error, status = exc.message, exc.status
        else:
            messages.success(request, _("Draft saved. Submit it for review when it is ready."))
            return redirect("knowledge:manage", pk=article.pk)
    return render(
        request,
        "knowledge/form.html",
        {"units": units, "values": values, "error": error, "article": None},
        status=status,
    )


def _article_or_404(request: HttpRequest, pk: int):
    article = article_for_staff(request.user, pk)
    if article is None:
        raise Http404
    return article


@login_required
def manage(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article_or_404(request, pk)
    versions = list(article.versions.select_related("author", "reviewer"))
    pending = next(
        (v for v in versions if v.status in (VersionStatus.DRAFT, VersionStatus.IN_REVIEW)), None
    )
    return render(
        request,
        "knowledge/manage.html",
        {
            "article": article,
            "versions": versions,
            "history": [v for v in versions if v.published_at],
            "pending": pending,
            "can_edit": may(request.user, "knowledge.edit_article", article),
            "can_review": may(request.user, "knowledge.review_article", article),
            "own_pending": pending is not None and pending.author_id == request.user.pk,
        },
    )


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article_or_404(request, pk)
    if not may(request.user, "knowledge.edit_article", article):
        raise PermissionDenied(_("Only the staff of the responsible unit edit this article."))
    pending = article.versions.filter(
        status__in=[VersionStatus.DRAFT, VersionStatus.IN_REVIEW]
    ).first()
    source = pending or article
    values = {
        "question": source.question,
        "answer": source.answer,
        "policy_basis": source.policy_basis,
        "valid_from": source.valid_from.isoformat() if source.valid_from else "",
        "valid_to": source.valid_to.isoformat() if source.valid_to else "",
        "note": "",
    }
    error, status = None, 200
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in FIELDS}
        try:
            article_edit(
                actor=request.user,
                article=article.pk,
                version=as_id(request.POST.get("version")),
                **_form_values(request.POST),
            )
        except LianxinError as exc:
            _refused(exc)
            error, status = exc.message, exc.status
        else:
            messages.success(request, _("Edit saved as a draft. Submit it for review."))
            return redirect("knowledge:manage", pk=article.pk)
    return render(
        request,
        "knowledge/form.html",
        {"values": values, "error": error, "article": article},
        status=status,
    )


# action → (service, whether it takes a reason, what the page says when done)
ACTIONS: dict[str, tuple[Callable[..., Any], bool, Any]] = {
    "submit": (article_submit, False, gettext_lazy("Submitted for review.")),
    "publish": (
        article_publish,
        False,
        gettext_lazy("Published: operators and citizens find it now."),
    ),
    "reject": (article_reject, True, gettext_lazy("Sent back to its author.")),
    "withdraw": (article_withdraw, True, gettext_lazy("Withdrawn: no longer found or shown.")),
}


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    article = _article_or_404(request, pk)
    if action not in ACTIONS:
        raise Http404
    service, needs_reason, done = ACTIONS[action]
    kwargs: dict[str, Any] = {"version": as_id(request.POST.get("version"))}
    if needs_reason:
        kwargs["reason"] = request.POST.get("reason", "")
    try:
        service(actor=request.user, article=article.pk, **kwargs)
    except LianxinError as exc:
        _refused(exc)
        messages.error(request, str(exc.message))
        response = manage(request, pk)
        response.status_code = exc.status
        return response
    messages.success(request, done)
    return redirect("knowledge:manage", pk=article.pk)


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    units = _require_staff(request)
    error, status, result = None, 200, None
    if request.method == "POST":
        unit = next((u for u in units if u.pk == as_id(request.POST.get("unit"))), None)
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise InvalidInput(_("Choose the .xlsx file to import."))
            # Read at most one byte over the limit: enough to refuse a file too large.
            data = upload.read(int(settings.KNOWLEDGE_IMPORT_MAX_BYTES) + 1)
            result = knowledge_import(
                actor=request.user, data=data, file_name=upload.name or "", unit=unit
            )
        except LianxinError as exc:
            _refused(exc)
            error, status = exc.message, exc.status
    return render(
        request,
        "knowledge/import.html",
        {"units": units, "error": error, "result": result},
        status=status,
    )


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    response = HttpResponse(
        template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="knowledge-base.xlsx"'
    return response


@login_required
def proposals(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    return render(
        request, "knowledge/proposals.html", {"appeals": replies_worth_an_article(request.user)}
    )


@login_required
@require_POST
def propose(request: HttpRequest, tracking_number: str) -> HttpResponse:
    _require_staff(request)
    appeal = (
        Appeal.objects.select_related("unit").filter(tracking_number=tracking_number[:20]).first()
    )
    if appeal is None:
        raise Http404
    try:
        article = article_propose(actor=request.user, appeal=appeal)
    except LianxinError as exc:
        _refused(exc)
        messages.error(request, str(exc.message))
        return redirect("knowledge:proposals")
    messages.success(request, _("Draft proposed from the reply: check it and submit it."))
    return redirect("knowledge:manage", pk=article.pk)
