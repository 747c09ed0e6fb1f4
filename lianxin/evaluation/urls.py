from django.urls import path

from .views import appraisal, indicators, rankings, reports

app_name = "evaluation"

urlpatterns = [
    # rankings (三率 and monthly rankings)
    path("", rankings.rankings_public, name="rankings"),
    path("download/", rankings.rankings_download, name="rankings-download"),
    path("leaders/", rankings.rankings_leaders, name="rankings-leaders"),
    path("leaders/appeals/", rankings.rankings_appeals, name="rankings-appeals"),
    # indicators (党群关系指标体系)
    path("indicators/", indicators.schemes, name="indicators"),
    path("indicators/new/", indicators.scheme_new, name="indicator-scheme-new"),
    path("indicators/<int:pk>/", indicators.scheme_detail, name="indicator-scheme"),
    path("indicators/<int:pk>/<str:action>/", indicators.scheme_act, name="indicator-scheme-act"),
    path("indicators/results/<int:year>/", indicators.results, name="indicator-results"),
    # duty-and-integrity reports (述职述廉) and inquiries (质询)
    path("reports/", reports.reports, name="reports"),
    path("reports/mine/", reports.reports_mine, name="reports-mine"),
    path("reports/new/", reports.report_edit, name="report-new"),
    path("reports/moderation/", reports.moderation, name="reports-moderation"),
    path("reports/<int:pk>/", reports.report_detail, name="report"),
    path("reports/<int:pk>/edit/", reports.report_edit, name="report-edit"),
    path("reports/<int:pk>/publish/", reports.report_publish, name="report-publish"),
    path("inquiries/", reports.inquiries, name="inquiries"),
    path("inquiries/new/", reports.inquiry_new, name="inquiry-new"),
    path("inquiries/<int:pk>/", reports.inquiry_detail, name="inquiry"),
    # democratic appraisal (民主评议); the voting code is never part of a URL (access logs):
    # it is typed, or filled in from the '#t=' fragment of the QR code's link.
    path("appraisal/", appraisal.appraisal_list, name="appraisal_list"),
    path("appraisal/vote/", appraisal.appraisal_vote, name="appraisal_vote"),
    path("appraisal/new/", appraisal.appraisal_edit, name="appraisal_new"),
    path("appraisal/<int:pk>/edit/", appraisal.appraisal_edit, name="appraisal_edit"),
    path("appraisal/<int:pk>/", appraisal.appraisal_manage, name="appraisal_manage"),
    path("appraisal/<int:pk>/results/", appraisal.appraisal_results_page, name="appraisal_results"),
]
