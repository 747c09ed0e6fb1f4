from django.urls import path  # noqa: F401

app_name = "evaluation"

# One block per capability; each view module is small and owns its templates.
urlpatterns: list = []

# --- rankings (三率 and monthly rankings) ---
from .views import rankings as _rankings  # noqa: E402

urlpatterns += [
    path("", _rankings.rankings_public, name="rankings"),
    path("leaders/", _rankings.rankings_leaders, name="rankings-leaders"),
    path("leaders/appeals/", _rankings.rankings_appeals, name="rankings-appeals"),
]

# --- indicators (党群关系指标体系), duty-and-integrity reports (述职述廉), inquiries (质询) ---
from .views import indicators as _indicators  # noqa: E402
from .views import reports as _reports  # noqa: E402

urlpatterns += [
    path("indicators/", _indicators.schemes, name="indicators"),
    path("indicators/new/", _indicators.scheme_new, name="indicator-scheme-new"),
    path("indicators/<int:pk>/", _indicators.scheme_detail, name="indicator-scheme"),
    path("indicators/<int:pk>/<str:action>/", _indicators.scheme_act,
         name="indicator-scheme-act"),
    path("indicators/results/<int:year>/", _indicators.results, name="indicator-results"),
    path("reports/", _reports.reports, name="reports"),
    path("reports/mine/", _reports.reports_mine, name="reports-mine"),
    path("reports/new/", _reports.report_edit, name="report-new"),
    path("reports/moderation/", _reports.moderation, name="reports-moderation"),
    path("reports/<int:pk>/", _reports.report_detail, name="report"),
    path("reports/<int:pk>/edit/", _reports.report_edit, name="report-edit"),
    path("reports/<int:pk>/publish/", _reports.report_publish, name="report-publish"),
    path("inquiries/", _reports.inquiries, name="inquiries"),
    path("inquiries/new/", _reports.inquiry_new, name="inquiry-new"),
    path("inquiries/<int:pk>/", _reports.inquiry_detail, name="inquiry"),
]

# --- democratic appraisal (民主评议) ---
from .views import appraisal as _appraisal  # noqa: E402

urlpatterns += [
    path("appraisal/", _appraisal.appraisal_list, name="appraisal_list"),
    # The code is never part of a URL (access logs): it is typed or filled in from '#t='.
    path("appraisal/vote/", _appraisal.appraisal_vote, name="appraisal_vote"),
    path("appraisal/<int:pk>/", _appraisal.appraisal_manage, name="appraisal_manage"),
    path("appraisal/<int:pk>/results/", _appraisal.appraisal_results_page,
         name="appraisal_results"),
]
