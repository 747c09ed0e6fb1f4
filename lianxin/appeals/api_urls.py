from django.urls import path

from . import api

urlpatterns = [
    path("appeals/", api.AppealsView.as_view(), name="api-appeals"),
    path("appeals/track/", api.TrackView.as_view(), name="api-appeal-track"),
    path(
        "appeals/track/follow-up/", api.CitizenFollowUpView.as_view(), name="api-citizen-followup"
    ),
    path("appeals/track/withdraw/", api.CitizenWithdrawView.as_view(), name="api-citizen-withdraw"),
    path(
        "appeals/<str:tracking_number>/", api.AppealDetailView.as_view(), name="api-appeal-detail"
    ),
    path("categories/", api.CategoryListView.as_view(), name="api-categories"),
    *[
        path(f"appeals/<str:tracking_number>/{name}/", view, name=f"api-appeal-{name}")
        for name, view in api.ACTION_VIEWS.items()
    ],
]
