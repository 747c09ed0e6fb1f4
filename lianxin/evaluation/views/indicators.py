"""指标体系 pages: the yearly schemes and their versions (the organisation department edits
drafts, publishes and revises them) and a year's composite scores with every contribution."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from lianxin.core.access import may
from lianxin.core.errors import LianxinError

from ..measures import MEASURES, measure_choices
from ..models import Direction, IndicatorScheme, SchemeStatus
from ..selectors import scheme_in_force, snapshot_latest, snapshot_rows
from ..services.indicators import (
    indicator_results_compute,
    scheme_create,
    scheme_publish,
    scheme_revise,
    scheme_save,
)


class IndicatorForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Indicator"), max_length=100)
    source = forms.ChoiceField(label=gettext_lazy("Source measure"), choices=())
    direction = forms.ChoiceField(
        label=gettext_lazy("Direction"), choices=Direction.choices, initial=Direction.HIGHER
    )
    target = forms.DecimalField(label=gettext_lazy("Target"), max_digits=12, decimal_places=2)
    weight = forms.DecimalField(
        label=gettext_lazy("Weight (%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", "—"), *measure_choices()]


IndicatorFormSet = forms.formset_factory(IndicatorForm, extra=3, can_delete=True, max_num=50)


class SchemeNewForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    name = forms.CharField(
        label=pgettext_lazy("of a thing", "Name"), max_length=200, required=False
    )
    copy_from = forms.ModelChoiceField(
        label=gettext_lazy("Copy the indicators of"),
        queryset=IndicatorScheme.objects.all(),
        required=False,
        empty_label=gettext_lazy("(start empty)"),
    )


def _can_read(user) -> bool:
    return may(user, "evaluation.view_indicator_results")


def _forbidden() -> PermissionDenied:
    return PermissionDenied(
        _("The indicator system is for the organisation department and leaders.")
    )


@login_required
def schemes(request):
    if not _can_read(request.user):
        raise _forbidden()
    all_schemes = list(
        IndicatorScheme.objects.prefetch_related("indicators").order_by("-year", "-version")
    )
    years = sorted({s.year for s in all_schemes}, reverse=True)
    return render(
        request,
        "evaluation/indicators.html",
        {
            "years": [
                (y, [s for s in all_schemes if s.year == y], snapshot_latest(y)) for y in years
            ],
            "can_manage": may(request.user, "evaluation.manage_indicators"),
            "new_form": SchemeNewForm(initial={"year": timezone.localdate().year + 1}),
            "measures": list(MEASURES.values()),
        },
    )


@login_required
@require_POST
def scheme_new(request):
    if not may(request.user, "evaluation.manage_indicators"):
        raise _forbidden()
    form = SchemeNewForm(request.POST)
    if form.is_valid():
        try:
            scheme = scheme_create(actor=request.user, **form.cleaned_data)
        except LianxinError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Draft created."))
            return redirect("evaluation:indicator-scheme", pk=scheme.pk)
    else:
        messages.error(request, _("Check the year and the scheme to copy."))
    return redirect("evaluation:indicators")


def _initial(scheme):
    return [
        {
            "name": i.name,
            "source": i.source,
            "direction": i.direction,
            "target": i.target,
            "weight": i.weight,
        }
        for i in scheme.indicators.order_by("position", "id")
    ]


@login_required
def scheme_detail(request, pk: int):
    if not _can_read(request.user):
        raise _forbidden()
    scheme = get_object_or_404(IndicatorScheme, pk=pk)
    can_edit = scheme.status == SchemeStatus.DRAFT and may(
        request.user, "evaluation.manage_indicators"
    )
    formset, status, name, scheme_error = None, 200, scheme.name, ""
    if can_edit:
        formset = IndicatorFormSet(request.POST or None, initial=_initial(scheme))
        if request.method == "POST":
            name = request.POST.get("name", scheme.name)
            if formset.is_valid():
                rows = [
                    f.cleaned_data
                    for f in formset.forms
                    if f.has_changed() and not f.cleaned_data.get("DELETE")
                ]
                rows = [{k: v for k, v in r.items() if k != "DELETE"} for r in rows]
                try:
                    scheme_save(scheme=scheme, actor=request.user, indicators=rows, name=name)
                except LianxinError as exc:
                    # Beside the table it is about (the weights' total, a row), not on top.
                    scheme_error, status = str(exc.message), exc.status
                else:
                    messages.success(request, _("Scheme saved."))
                    return redirect("evaluation:indicator-scheme", pk=scheme.pk)
            else:
                scheme_error, status = _("Some rows are incomplete; nothing was saved."), 400
    elif request.method == "POST":
        raise PermissionDenied(_("Only a draft can be edited."))
    indicators = list(scheme.indicators.order_by("position", "id"))
    return render(
        request,
        "evaluation/indicators_scheme.html",
        {
            "scheme": scheme,
            "formset": formset,
            "name": name,
            "indicators": indicators,
            "scheme_error": scheme_error,
            "measures": MEASURES,
            "total": sum(i.weight for i in indicators),
            "can_manage": may(request.user, "evaluation.manage_indicators"),
            "in_force": scheme_in_force(scheme.year),
        },
        status=status,
    )


SCHEME_ACTIONS = {
    "publish": lambda scheme, actor: scheme_publish(scheme=scheme, actor=actor),
    "revise": lambda scheme, actor: scheme_revise(scheme=scheme, actor=actor),
    "next-year": lambda scheme, actor: scheme_create(
        year=scheme.year + 1, name=scheme.name, actor=actor, copy_from=scheme
    ),
}


@login_required
@require_POST
def scheme_act(request, pk: int, action: str):
    if action not in SCHEME_ACTIONS:
        raise Http404
    scheme = get_object_or_404(IndicatorScheme, pk=pk)
    try:
        result = SCHEME_ACTIONS[action](scheme, request.user)
    except LianxinError as exc:
        # The scheme's page again with the reason, under the error's own status (409 for a
        # frozen scheme, 403 for someone who may not).
        return render(
            request,
            "evaluation/indicators_error.html",
            {"scheme": scheme, "error": exc.message},
            status=exc.status,
        )
    messages.success(
        request,
        {
            "publish": _("Published: this version is now frozen and used for the year's results."),
            "revise": _("A new draft version was made."),
            "next-year": _("A draft for the next year was made."),
        }[action],
    )
    return redirect("evaluation:indicator-scheme", pk=result.pk)


@login_required
def results(request, year: int):
    if not _can_read(request.user):
        raise _forbidden()
    status = 200
    if request.method == "POST":
        try:
            indicator_results_compute(year=year, actor=request.user)
        except LianxinError as exc:
            messages.error(request, exc.message)
            status = exc.status
        else:
            messages.success(request, _("The results were computed and stored."))
            return redirect("evaluation:indicator-results", year=year)
    snapshot = snapshot_latest(year)
    rows = snapshot_rows(snapshot) if snapshot else []
    indicators = list(snapshot.scheme.indicators.order_by("position", "id")) if snapshot else []
    return render(
        request,
        "evaluation/indicators_results.html",
        {
            "year": year,
            "snapshot": snapshot,
            "rows": rows,
            "indicators": indicators,
            "measures": MEASURES,
            "in_force": scheme_in_force(year),
            "can_manage": may(request.user, "evaluation.manage_indicators"),
        },
        status=status,
    )
