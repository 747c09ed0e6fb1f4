from django.urls import path  # noqa: F401

app_name = "supervision"

# One block per capability; each view module is small and owns its templates.
urlpatterns: list = []

# --- integrity records (廉政档案) ---
from .views import integrity  # noqa: E402

urlpatterns += [
    path("integrity/", integrity.integrity_home, name="integrity"),
    path("integrity/declaration/<int:year>/", integrity.declaration_edit, name="declaration_edit"),
    path(
        "integrity/personal-report/<int:year>/",
        integrity.personal_report_edit,
        name="personal_report_edit",
    ),
    path("integrity/declarations/", integrity.declaration_list, name="declarations"),
    path(
        "integrity/declarations/export.xlsx",
        integrity.declaration_export,
        name="declarations_export",
    ),
    path("integrity/declarations/<int:pk>/", integrity.declaration_detail, name="declaration"),
    path("integrity/declarations/<int:pk>/act/", integrity.declaration_act, name="declaration_act"),
    path(
        "integrity/personal-reports/<int:pk>/",
        integrity.personal_report_detail,
        name="personal_report",
    ),
    path(
        "integrity/personal-reports/<int:pk>/act/",
        integrity.personal_report_act,
        name="personal_report_act",
    ),
    path("integrity/reads/", integrity.read_log, name="integrity_reads"),
    path("integrity/spot-checks/", integrity.spot_checks, name="spot_checks"),
    path("integrity/spot-checks/<int:pk>/", integrity.spot_check_detail, name="spot_check"),
]

# --- reporting channel (举报) ---
from .views import reports  # noqa: E402

urlpatterns += [
    path("report/", reports.report_form, name="report"),
    path("report/status/", reports.report_status_page, name="report-status"),
    path("cases/", reports.case_list, name="report-cases"),
    path("cases/key/", reports.case_key, name="report-key"),
    path("cases/reads/", reports.case_reads, name="report-reads"),
    path("cases/<uuid:pk>/", reports.case_detail, name="report-case"),
    path("cases/<uuid:pk>/act/", reports.case_act, name="report-case-act"),
    path("cases/<uuid:pk>/files/<uuid:file_id>/", reports.case_file, name="report-case-file"),
]
