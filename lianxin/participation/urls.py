from django.urls import path

from .views import decisions, hearings, notices

app_name = "participation"

urlpatterns = [
    path("", notices.index, name="index"),
    path("notices/new/", notices.notice_new, name="notice-new"),
    path("notices/<int:pk>/", notices.notice_detail, name="notice"),
    path("notices/<int:pk>/manage/", notices.notice_manage, name="notice-manage"),
    path("hearings/new/", hearings.hearing_new, name="hearing-new"),
    path("hearings/<int:pk>/", hearings.hearing_detail, name="hearing"),
    path("decisions/new/", decisions.decision_new, name="decision-new"),
    path("decisions/<int:pk>/", decisions.decision_detail, name="decision"),
]
