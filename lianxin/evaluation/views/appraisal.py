"""民主评议 pages: the public voting page (a one-time code, no login), the organisation
department's campaign page (open/close/publish, codes printed or sent), and the results with
comment moderation (public once published)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from lianxin.core import clock
from lianxin.core.access import may
from lianxin.core.errors import LianxinError

from ..appraisal import invitation_check, token_display, token_normalize, token_slips_pdf
from ..models.appraisal import AppraisalCampaign, AppraisalComment, AppraisalQuestion
from ..selectors import (
    appraisal_cadre_choices,
    appraisal_campaigns_for,
    appraisal_results,
    appraisal_unit_choices,
)
from ..services import appraisal_votes
from ..services.appraisal import (
    appraisal_campaign_close,
    appraisal_campaign_create,
    appraisal_campaign_open,
    appraisal_campaign_publish,
    appraisal_campaign_update,
    appraisal_comment_moderate,
)
from ..services.appraisal_votes import appraisal_tokens_issue, appraisal_tokens_send

_FIELD = re.compile(r"^([rt])-(\d{1,18})-(\d{1,18})$")
_ANSWER_ERRORS = ("rating_invalid", "comment_invalid", "comment_too_long", "ballot_empty")


def _stars():
    return [
        ("5", _("Very satisfied")),
        ("4", _("Satisfied")),
        ("3", _("Fairly satisfied")),
        ("2", _("Not very satisfied")),
        ("1", _("Dissatisfied")),
        ("", _("Don't know")),
    ]


def _questionnaire(campaign: AppraisalCampaign, given=None) -> list[dict]:
    given = given or {}
    questions = list(campaign.questions.all())
    return [
        {
            "target": target,
            "items": [
                {
                    "question": q,
                    "name": f"{'r' if q.kind == AppraisalQuestion.Kind.RATING else 't'}-{target.pk}-{q.pk}",
                    "value": given.get(
                        f"{'r' if q.kind == AppraisalQuestion.Kind.RATING else 't'}-{target.pk}-{q.pk}",
                        "",
                    ),
                }
                for q in questions
            ],
        }
        for target in campaign.targets.select_related("unit", "cadre")
    ]


def _vote_page(request, *, status=200, **context):
    context.setdefault("stars", _stars())
    response = render(request, "evaluation/appraisal_vote.html", context, status=status)
    # No other site may learn of the ballot page (no referrer leaves it), but our own forms
    # must still send their origin: with "no-referrer" Chromium sends "Origin: null" on a
    # POST and Django's CSRF check refuses every vote. The code itself is never in the URL.
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def appraisal_vote(request: HttpRequest) -> HttpResponse:
    """Step 1: the code (typed, or filled in from the QR code's '#t=' by the page itself).
    Step 2: the questionnaire; one submit casts the ballot. The code travels only in POST
    bodies, never in a URL, so it is not in any access log."""
    if request.method == "GET":
        return _vote_page(request)
    raw = request.POST.get("token", "")
    if request.POST.get("step") != "cast":
        try:
            invitation = invitation_check(raw)
        except LianxinError as error:
            return _vote_page(request, error=error.message, token=raw[:60], status=error.status)
        token = token_normalize(raw) or ""  # never empty: invitation_check accepted it
        return _vote_page(
            request,
            campaign=invitation.campaign,
            token=token,
            shown=token_display(token),
            sections=_questionnaire(invitation.campaign),
        )
    ratings: dict[tuple[int, int], str] = {}
    texts: dict[tuple[int, int], str] = {}
    given: dict[str, str] = {}
    for key, value in request.POST.items():
        match = _FIELD.match(key)
        # Form values are text; the stubs also allow the list of a key without values.
        if not match or not isinstance(value, str):
            continue
        given[key] = value
        pair = (int(match.group(2)), int(match.group(3)))
        (ratings if match.group(1) == "r" else texts)[pair] = value
    try:
        appraisal_votes.appraisal_vote(token=raw, ratings=ratings, texts=texts)
    except LianxinError as error:
        campaign = None
        if error.code in _ANSWER_ERRORS:  # the code is still good: nothing was written
            try:
                campaign = invitation_check(raw).campaign
            except LianxinError:
                campaign = None
        if campaign is None:
            return _vote_page(request, error=error.message, status=error.status)
        token = token_normalize(raw) or ""  # never empty: invitation_check accepted it
        return _vote_page(
            request,
            error=error.message,
            campaign=campaign,
            token=token,
            shown=token_display(token),
            sections=_questionnaire(campaign, given),
            status=error.status,
        )
    return _vote_page(request, done=True)


def _manager(user) -> bool:
    return may(user, "evaluation.manage_appraisal")


_CAMPAIGN_FIELDS = (
    "name",
    "year",
    "kind",
    "opens_at",
    "closes_at",
    "intro",
    "rating_questions",
    "text_questions",
)


def _campaign_values(campaign: AppraisalCampaign | None) -> dict:
    """What the form shows for a campaign (or the defaults of a new one)."""
    if campaign is None:
        now = timezone.localtime(clock.now())
        start = now.replace(minute=0, second=0, microsecond=0)
        return {
            "year": str(now.year),
            "kind": AppraisalCampaign.Kind.UNITS,
            "opens_at": start.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (start + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"),
            "rating_questions": "\n".join([_("Work style"), _("Efficiency"), _("Integrity")]),
            "text_questions": _("Your comments and suggestions"),
            "units": [],
            "cadres": [],
        }
    questions = list(campaign.questions.all())
    targets = list(campaign.targets.all())
    return {
        "name": campaign.name,
        "year": str(campaign.year),
        "kind": campaign.kind,
        "opens_at": timezone.localtime(campaign.opens_at).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": timezone.localtime(campaign.closes_at).strftime("%Y-%m-%dT%H:%M"),
        "intro": campaign.intro,
        "rating_questions": "\n".join(
            q.text for q in questions if q.kind == AppraisalQuestion.Kind.RATING
        ),
        "text_questions": "\n".join(
            q.text for q in questions if q.kind == AppraisalQuestion.Kind.TEXT
        ),
        "units": [str(t.unit_id) for t in targets if t.unit_id],
        "cadres": [str(t.cadre_id) for t in targets if t.cadre_id],
    }


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def appraisal_edit(request, pk: int | None = None):
    """The organisation department's form for a campaign: new, or a draft changed."""
    if not _manager(request.user):
        raise PermissionDenied(
            _("Only the organisation department and administrators may run democratic appraisals.")
        )
    campaign = get_object_or_404(AppraisalCampaign, pk=pk) if pk else None
    if campaign is not None and campaign.status != AppraisalCampaign.Status.DRAFT:
        return redirect("evaluation:appraisal_manage", pk=campaign.pk)
    values, errors, error, status = _campaign_values(campaign), {}, "", 200
    if request.method == "POST":
        values = {f: request.POST.get(f, "") for f in _CAMPAIGN_FIELDS}
        values["units"] = request.POST.getlist("units")
        values["cadres"] = request.POST.getlist("cadres")
        try:
            if campaign is None:
                campaign = appraisal_campaign_create(**values, actor=request.user)
            else:
                campaign = appraisal_campaign_update(
                    campaign=campaign, **values, actor=request.user
                )
            return redirect("evaluation:appraisal_manage", pk=campaign.pk)
        except LianxinError as exc:
            error, errors, status = str(exc.message), exc.fields, exc.status
    return render(
        request,
        "evaluation/appraisal_form.html",
        {
            "campaign": campaign,
            "values": values,
            "errors": errors,
            "error": error,
            "kinds": AppraisalCampaign.Kind.choices,
            "unit_choices": appraisal_unit_choices(),
            "cadre_choices": appraisal_cadre_choices(),
        },
        status=status,
    )


@require_http_methods(["GET"])
def appraisal_list(request):
    campaigns = appraisal_campaigns_for(request.user)
    return render(
        request,
        "evaluation/appraisal_list.html",
        {
            "campaigns": campaigns,
            "manager": _manager(request.user),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def appraisal_manage(request, pk: int):
    if not _manager(request.user):
        raise PermissionDenied(
            _("Only the organisation department and administrators may run democratic appraisals.")
        )
    campaign = get_object_or_404(AppraisalCampaign, pk=pk)
    vote_url = request.build_absolute_uri(reverse("evaluation:appraisal_vote"))
    context = {"campaign": campaign, "vote_url": vote_url}
    if request.method == "POST":
        action = request.POST.get("action", "")
        moves = {
            "open": appraisal_campaign_open,
            "close": appraisal_campaign_close,
            "publish": appraisal_campaign_publish,
        }
        try:
            if action in moves:
                moves[action](campaign=campaign, actor=request.user)
                return redirect("evaluation:appraisal_manage", pk=campaign.pk)
            if action == "issue":
                tokens = appraisal_tokens_issue(
                    campaign=campaign, count=request.POST.get("count"), actor=request.user
                )
                pdf = token_slips_pdf(campaign=campaign, tokens=tokens, vote_url=vote_url)
                response = HttpResponse(pdf, content_type="application/pdf")
                response["Content-Disposition"] = (
                    f'attachment; filename="appraisal-{campaign.pk}-codes.pdf"'
                )
                return response
            if action == "send":
                sent = appraisal_tokens_send(
                    campaign=campaign,
                    recipients=request.POST.get("recipients", ""),
                    vote_url=vote_url,
                    actor=request.user,
                )
                context["notice"] = _("%(n)d invitations are being sent.") % {"n": sent}
            else:
                context["error"] = _("Unknown action.")
                context["status"] = 400
        except LianxinError as error:
            context["error"] = error.message
            context["errors"] = error.fields
            context["status"] = error.status
            context["recipients"] = request.POST.get("recipients", "")
            context["count"] = request.POST.get("count", "")
        campaign.refresh_from_db()
    results = appraisal_results(campaign)
    context.update(
        issued=results["issued"],
        voted=results["voted"],
        response_rate=results["response_rate"],
        pending=results["pending"],
        targets=campaign.targets.select_related("unit", "cadre"),
        questions=campaign.questions.all(),
    )
    return render(
        request, "evaluation/appraisal_manage.html", context, status=context.pop("status", 200)
    )


@never_cache
@require_http_methods(["GET", "POST"])
def appraisal_results_page(request, pk: int):
    campaign = get_object_or_404(AppraisalCampaign, pk=pk)
    manager = _manager(request.user)
    if not may(request.user, "evaluation.view_appraisal_results", campaign):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?next={request.path}")
        raise PermissionDenied(_("These results are not published yet."))
    error, status = "", 200
    if request.method == "POST":
        try:
            appraisal_comment_moderate(
                comment=request.POST.get("comment", ""),
                decision=request.POST.get("decision", ""),
                actor=request.user,
            )
            return redirect(f"{reverse('evaluation:appraisal_results', args=[pk])}#comments")
        except LianxinError as exc:
            error, status = str(exc.message), exc.status
    results = appraisal_results(campaign, all_comments=manager)
    return render(
        request,
        "evaluation/appraisal_results.html",
        {
            **results,
            "manager": manager,
            "error": error,
            "Comment": AppraisalComment.Status,
        },
        status=status,
    )
