from django.urls import path

from .views import rankings

# Mounted at /api/v1/evaluation/.
urlpatterns = [
    path("rankings/", rankings.RankingsView.as_view(), name="api-evaluation-rankings"),
]
