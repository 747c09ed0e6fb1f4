"""重复诉求 page: open appeals with suggested earlier duplicates side by side, and the buttons
to merge into the earlier appeal or to say it is not a duplicate."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.appeals.models import OPEN_STATES, Status
from lianxin.appeals.selectors import appeals_visible_to
from lianxin.appeals.services import appeal_merge
from lianxin.core.access import may
from lianxin.core.errors import LianxinError
from lianxin.core.params import as_id

from ..models import DuplicateCandidate
from ..services import duplicates as duplicate_services


def _open_candidates():
    """Suggestions still to decide: not dismissed, the earlier appeal still a possible master."""
    return DuplicateCandidate.objects.filter(dismissed=False).exclude(
        earlier__status__in=[Status.MERGED, Status.WITHDRAWN]
    )


def _forbidden() -> PermissionDenied:
    return PermissionDenied(_("Duplicate appeals are for dispatchers and supervisors."))


@login_required
def duplicates(request):
    if not may(request.user, "insight.view_duplicates"):
        raise _forbidden()
    pending = _open_candidates().filter(appeal=OuterRef("pk"))
    appeals = (
        appeals_visible_to(request.user)
        .filter(status__in=OPEN_STATES)
        .filter(Exists(pending))
        .order_by("-created_at")
    )
    page = Paginator(appeals, 20).get_page(request.GET.get("page"))
    candidates = _open_candidates().select_related("earlier__unit", "earlier__category")
    rows = list(
        appeals_visible_to(request.user)
        .filter(pk__in=[a.pk for a in page.object_list])
        .prefetch_related(
            Prefetch("duplicate_candidates", queryset=candidates, to_attr="open_candidates")
        )
        .order_by("-created_at")
    )
    return render(
        request,
        "insight/duplicates.html",
        {
            "page": page,
            "rows": rows,
            "can_merge": may(request.user, "insight.merge_duplicates"),
            "window": duplicate_services.duplicate_window().days,
        },
    )


def _candidate_or_404(request, pk: int) -> DuplicateCandidate:
    candidate = DuplicateCandidate.objects.filter(pk=pk).first()
    if (
        candidate is None
        or not appeals_visible_to(request.user).filter(pk=candidate.appeal_id).exists()
    ):
        raise Http404
    return candidate


@login_required
@require_POST
def duplicate_merge(request, pk: int):
    """Merge the newer appeal into the earlier one, at the version the dispatcher saw."""
    if not may(request.user, "insight.view_duplicates"):
        raise _forbidden()
    candidate = _candidate_or_404(request, pk)
    try:
        merged = appeal_merge(
            appeal=candidate.appeal_id,
            master=candidate.earlier_id,
            actor=request.user,
            version=as_id(request.POST.get("version")),
        )
    except LianxinError as exc:
        messages.error(request, exc.message)
    else:
        master = merged.master  # set by the merge
        messages.success(
            request,
            _("%(tn)s was merged into the earlier appeal %(master)s.")
            % {"tn": merged.tracking_number, "master": master.tracking_number if master else ""},
        )
    return redirect(reverse("insight:duplicates"))


@login_required
@require_POST
def duplicate_dismiss(request, pk: int):
    if not may(request.user, "insight.view_duplicates"):
        raise _forbidden()
    candidate = _candidate_or_404(request, pk)
    try:
        duplicate_services.duplicate_dismiss(candidate=candidate, actor=request.user)
    except LianxinError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Marked as not a duplicate."))
    return redirect(reverse("insight:duplicates"))
