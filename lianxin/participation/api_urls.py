from django.urls import path

from . import api

# Mounted at /api/v1/participation/.
urlpatterns = [
    path("notices/", api.NoticeList.as_view(), name="api-participation-notices"),
    path("notices/<int:pk>/", api.NoticeDetail.as_view(), name="api-participation-notice"),
    path("decisions/", api.DecisionList.as_view(), name="api-participation-decisions"),
    path("decisions/<int:pk>/", api.DecisionDetail.as_view(), name="api-participation-decision"),
    path("hearings/<int:pk>/draw/", api.HearingDraw.as_view(), name="api-participation-draw"),
]
