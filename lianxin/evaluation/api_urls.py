from django.urls import path

from . import api

# Mounted at /api/v1/evaluation/.
urlpatterns = [
    path("rankings/", api.RankingsView.as_view(), name="api-evaluation-rankings"),
]
