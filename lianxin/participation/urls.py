from django.urls import path

from .views import corrections, decisions, hearings, notices

app_name = "participation"

urlpatterns = [
    path("", notices.index, name="index"),
    path("notices/new/", notices.notice_new, name="notice-new"),
    path("notices/<int:pk>/", notices.notice_detail, name="notice"),
    path("notices/<int:pk>/manage/", notices.notice_manage, name="notice-manage"),
    path("notices/<int:pk>/edit/", corrections.notice_edit, name="notice-edit"),
    path("notices/<int:pk>/files/", corrections.notice_attach, name="notice-attach"),
    path(
        "notices/<int:pk>/files/<int:file_pk>/",
        corrections.attachment_download,
        name="notice-file",
    ),
    path("hearings/new/", hearings.hearing_new, name="hearing-new"),
    path("hearings/<int:pk>/", hearings.hearing_detail, name="hearing"),
    path("decisions/new/", decisions.decision_new, name="decision-new"),
    path("decisions/<int:pk>/", decisions.decision_detail, name="decision"),
]
