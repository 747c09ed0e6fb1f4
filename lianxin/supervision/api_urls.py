from django.urls import path

from . import api

# Mounted at /api/v1/: the reporting channel (举报).
urlpatterns = [
    path("reports/", api.ReportSubmitView.as_view(), name="api-reports"),
    path("reports/status/", api.ReportStatusView.as_view(), name="api-report-status"),
    path("reports/messages/", api.ReportMessageView.as_view(), name="api-report-messages"),
]
