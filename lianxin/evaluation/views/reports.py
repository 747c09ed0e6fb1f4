"""述职述廉 and 质询 pages: the public reports with their ratings and comments, the cadre's own
reports, comment moderation; the public list of inquiries, asking one, and the leader's answer."""

from typing import cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lianxin.core.access import OFFICIAL_ROLES, may, units_where
from lianxin.core.errors import LianxinError
from lianxin.core.models import RoleAssignment, Unit
from lianxin.core.params import as_id
from lianxin.core.ratelimit import client_address

from ..models import (
    DutyReport,
    Inquiry,
    InquiryStatus,
    ReportRating,
    ReportStatus,
)
from ..selectors import (
    inquiries_public,
    inquiry_answer_days,
    report_comments_pending,
    report_comments_public,
    reports_published,
)
from ..services.inquiries import MAX_INQUIRY_TEXT, inquiry_answer, inquiry_submit, inquiry_withdraw
from ..services.reports import (
    MAX_RATING_COMMENT,
    MAX_REPORT_TEXT,
    duty_report_create,
    duty_report_publish,
    duty_report_rate,
    duty_report_update,
    report_comment_moderate,
)

STARS = [(n, n) for n in range(5, 0, -1)]


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=gettext_lazy("Your rating"), choices=STARS, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional, shown after review)"),
        required=False,
        max_length=MAX_RATING_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Left empty by people, filled in by form-filling robots (no captcha needed).
    website = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"})
    )


class ReportForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=Unit.objects.none())
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    text = forms.CharField(
        label=gettext_lazy("Report"),
        max_length=MAX_REPORT_TEXT,
        widget=forms.Textarea(attrs={"rows": 16}),
    )


class CadreChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class InquiryForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Unit asked"), queryset=Unit.objects.filter(is_active=True)
    )
    cadre = CadreChoiceField(
        label=gettext_lazy("Cadre asked (optional)"),
        queryset=get_user_model().objects.none(),
        required=False,
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    text = forms.CharField(
        label=gettext_lazy("Question"),
        max_length=MAX_INQUIRY_TEXT,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    as_deputy = forms.BooleanField(label=gettext_lazy("I ask as a people's deputy"), required=False)
    # Without an account (the fields are removed for a signed-in citizen).
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=50)
    phone = forms.CharField(
        label=gettext_lazy("Your mobile number"),
        max_length=20,
        help_text=gettext_lazy("Not published. The answer is sent to it by SMS."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


# --- reports ---------------------------------------------------------------------------------


def reports(request):
    year = as_id(request.GET.get("year"))
    unit = Unit.objects.filter(pk=as_id(request.GET.get("unit"))).first()
    page = Paginator(reports_published(year=year, unit=unit), 20).get_page(request.GET.get("page"))
    years = sorted(
        set(
            DutyReport.objects.filter(status=ReportStatus.PUBLISHED).values_list("year", flat=True)
        ),
        reverse=True,
    )
    return render(
        request,
        "evaluation/reports.html",
        {
            "page": page,
            "year": year,
            "unit": unit,
            "years": years,
            "units": Unit.objects.filter(duty_reports__status=ReportStatus.PUBLISHED).distinct(),
            "can_write": may(request.user, "evaluation.write_duty_report"),
            "can_moderate": may(request.user, "evaluation.moderate_report_comment"),
        },
    )


def report_detail(request, pk: int):
    report = get_object_or_404(DutyReport.objects.select_related("author", "unit"), pk=pk)
    is_author = request.user.is_authenticated and report.author_id == request.user.pk
    if report.status != ReportStatus.PUBLISHED and not is_author:
        raise Http404
    form, status = RatingForm(request.POST or None), 200
    if request.method == "POST":
        if form.is_valid():
            if form.cleaned_data["website"]:  # a robot: thanked, nothing stored
                messages.success(request, _("Thank you for your rating."))
                return redirect("evaluation:report", pk=report.pk)
            try:
                duty_report_rate(
                    report=report,
                    actor=request.user,
                    stars=form.cleaned_data["stars"],
                    comment=form.cleaned_data["comment"],
                    client_address=client_address(request),
                )
            except LianxinError as exc:
                messages.error(request, exc.message)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("Thank you for your rating.")
                    + (
                        " " + _("Your comment will be shown once it has been reviewed.")
                        if form.cleaned_data["comment"]
                        else ""
                    ),
                )
                return redirect("evaluation:report", pk=report.pk)
        else:
            status = 400
    mine = (
        ReportRating.objects.filter(report=report, user=request.user).first()
        if request.user.is_authenticated
        else None
    )
    summary = reports_published().filter(pk=report.pk).values("mean", "votes").first() or {}
    return render(
        request,
        "evaluation/reports_detail.html",
        {
            "report": report,
            "form": form,
            "mine": mine,
            "is_author": is_author,
            "mean": summary.get("mean"),
            "votes": summary.get("votes", 0),
            "comments": report_comments_public(report),
            "can_rate": (
                report.status == ReportStatus.PUBLISHED
                and mine is None
                and may(request.user, "evaluation.rate_duty_report", report)
            ),
        },
        status=status,
    )


@login_required
def reports_mine(request):
    if not may(request.user, "evaluation.write_duty_report"):
        raise PermissionDenied(_("Duty-and-integrity reports are written by cadres."))
    mine = DutyReport.objects.filter(author=request.user).select_related("unit")
    return render(request, "evaluation/reports_mine.html", {"reports": mine})


@login_required
def report_edit(request, pk: int | None = None):
    if not may(request.user, "evaluation.write_duty_report"):
        raise PermissionDenied(_("Duty-and-integrity reports are written by cadres."))
    report = None
    if pk is not None:
        report = get_object_or_404(DutyReport, pk=pk, author=request.user)
    initial = (
        {"unit": report.unit_id, "year": report.year, "title": report.title, "text": report.text}
        if report
        else {"year": timezone.localdate().year}
    )
    form = ReportForm(request.POST or None, initial=initial)
    cast(forms.ModelChoiceField, form.fields["unit"]).queryset = Unit.objects.filter(
        pk__in=[u.pk for u in units_where(request.user, *OFFICIAL_ROLES)]
    )
    if report:  # unit and year are fixed once written
        form.fields["unit"].disabled = form.fields["year"].disabled = True
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if report:
                report = duty_report_update(
                    report=report, actor=request.user, title=data["title"], text=data["text"]
                )
            else:
                report = duty_report_create(author=request.user, **data)
        except LianxinError as exc:
            messages.error(request, exc.message)
            status = exc.status
        else:
            messages.success(request, _("Saved. Publish the report when it is ready."))
            return redirect("evaluation:report", pk=report.pk)
    elif request.method == "POST":
        status = 400
    return render(
        request, "evaluation/reports_form.html", {"form": form, "report": report}, status=status
    )


@login_required
@require_POST
def report_publish(request, pk: int):
    report = get_object_or_404(DutyReport, pk=pk)
    try:
        duty_report_publish(report=report, actor=request.user)
    except LianxinError as exc:
        messages.error(request, exc.message)
        return render(
            request,
            "evaluation/reports_error.html",
            {"report": report, "error": exc.message},
            status=exc.status,
        )
    messages.success(request, _("The report is published."))
    return redirect("evaluation:report", pk=report.pk)


@login_required
def moderation(request):
    if not may(request.user, "evaluation.moderate_report_comment"):
        raise PermissionDenied(
            _("Comment moderation is for the organisation department and supervisors.")
        )
    status = 200
    if request.method == "POST":
        rating = get_object_or_404(ReportRating, pk=as_id(request.POST.get("rating")))
        try:
            report_comment_moderate(
                rating=rating, actor=request.user, approve=request.POST.get("decision") == "approve"
            )
        except LianxinError as exc:
            messages.error(request, exc.message)
            status = exc.status
        else:
            messages.success(request, _("Done."))
            return redirect("evaluation:reports-moderation")
    page = Paginator(report_comments_pending(), 30).get_page(request.GET.get("page"))
    return render(request, "evaluation/reports_moderation.html", {"page": page}, status=status)


# --- inquiries -------------------------------------------------------------------------------


def inquiries(request):
    unit = Unit.objects.filter(pk=as_id(request.GET.get("unit"))).first()
    state = request.GET.get("status", "")
    if state not in InquiryStatus.values:
        state = ""
    page = Paginator(inquiries_public(unit=unit, status=state), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "evaluation/inquiries.html",
        {
            "page": page,
            "unit": unit,
            "status": state,
            "now": timezone.now(),
            "statuses": [
                (v, label) for v, label in InquiryStatus.choices if v != InquiryStatus.WITHDRAWN
            ],
            "units": Unit.objects.filter(inquiries__isnull=False).distinct(),
            "can_ask": (
                not request.user.is_authenticated or may(request.user, "evaluation.ask_inquiry")
            ),
            "days": inquiry_answer_days(),
        },
    )


def inquiry_new(request):
    """Any citizen may ask: signed in, or with a name and a mobile number (like an appeal).
    Signed-in officials ask through their own channels."""
    account = request.user.is_authenticated
    if account and not may(request.user, "evaluation.ask_inquiry"):
        raise PermissionDenied(_("Inquiries are asked by citizens and deputies."))
    unit = Unit.objects.filter(
        pk=as_id(request.POST.get("unit") or request.GET.get("unit")), is_active=True
    ).first()
    form = InquiryForm(request.POST or None, initial={"unit": unit})
    # The cadres of the chosen unit (choose the unit first: no script needed).
    cadres = RoleAssignment.objects.none()
    if unit:
        cadres = RoleAssignment.objects.filter(unit=unit, role__in=OFFICIAL_ROLES)
    form.fields["cadre"].queryset = (
        get_user_model()
        .objects.filter(pk__in=cadres.values("user_id"))
        .order_by("last_name", "first_name", "username")
    )
    can_deputy = may(request.user, "evaluation.ask_inquiry_as_deputy")
    if not can_deputy:
        del form.fields["as_deputy"]
    if account:
        del form.fields["name"], form.fields["phone"]
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            inquiry = inquiry_submit(
                asker=request.user, ident=client_address(request), **form.cleaned_data
            )
        except LianxinError as exc:
            for field, errors in exc.fields.items():
                for error in errors if isinstance(errors, list | tuple) else [errors]:
                    form.add_error(field if field in form.fields else None, error)
            if not exc.fields:
                messages.error(request, exc.message)
            status = exc.status
        else:
            messages.success(request, _("Your inquiry is published and awaits the unit's answer."))
            return redirect("evaluation:inquiry", pk=inquiry.pk)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "evaluation/inquiries_form.html",
        {
            "form": form,
            "unit": unit,
            "days": inquiry_answer_days(),
        },
        status=status,
    )


def inquiry_detail(request, pk: int):
    inquiry = get_object_or_404(Inquiry.objects.select_related("unit", "cadre", "asker"), pk=pk)
    is_asker = request.user.is_authenticated and inquiry.asker_id == request.user.pk
    if inquiry.status == InquiryStatus.WITHDRAWN and not is_asker:
        raise Http404
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{resolve_url(settings.LOGIN_URL)}?next={request.path}")
        action = request.POST.get("action")
        try:
            if action == "answer":
                inquiry_answer(
                    inquiry=inquiry, actor=request.user, text=request.POST.get("answer", "")
                )
                messages.success(request, _("The answer is published."))
            elif action == "withdraw":
                inquiry_withdraw(inquiry=inquiry, actor=request.user)
                messages.success(request, _("Your inquiry has been withdrawn."))
            else:
                raise Http404
        except LianxinError as exc:
            messages.error(request, exc.message)
            status = exc.status
        else:
            return redirect("evaluation:inquiry", pk=inquiry.pk)
    inquiry.refresh_from_db()
    return render(
        request,
        "evaluation/inquiries_detail.html",
        {
            "inquiry": inquiry,
            "now": timezone.now(),
            "is_asker": is_asker,
            "can_answer": (
                inquiry.status == InquiryStatus.OPEN
                and may(request.user, "evaluation.answer_inquiry", inquiry)
            ),
            "can_withdraw": (
                inquiry.status == InquiryStatus.OPEN
                and may(request.user, "evaluation.withdraw_inquiry", inquiry)
            ),
        },
        status=status,
    )
