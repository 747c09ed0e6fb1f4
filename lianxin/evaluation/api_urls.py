from django.urls import path  # noqa: F401

# Mounted at /api/v1/evaluation/.
urlpatterns: list = []

# --- rankings ---
from .views import rankings as _rankings  # noqa: E402

urlpatterns += [
    path("rankings/", _rankings.RankingsView.as_view(), name="api-evaluation-rankings"),
]
