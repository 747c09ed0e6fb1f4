from django.urls import path  # noqa: F401

# Mounted at /api/v1/.
urlpatterns: list = []

# --- reporting channel (举报) ---
from .views import reports_api  # noqa: E402

urlpatterns += [
    path("reports/", reports_api.ReportSubmitView.as_view(), name="api-reports"),
    path("reports/status/", reports_api.ReportStatusView.as_view(), name="api-report-status"),
    path("reports/messages/", reports_api.ReportMessageView.as_view(), name="api-report-messages"),
]
