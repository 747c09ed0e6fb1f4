from django.urls import path

from .views import offline, pages

app_name = "outreach"

urlpatterns = [
    path("", pages.my_households, name="mine"),
    path("sw.js", offline.service_worker, name="sw"),
    path("unit/", pages.unit_overview, name="unit"),
    path("unit/pair/", pages.pair, name="pair"),
    path("households/<int:pk>/", pages.household_detail, name="household"),
    path("households/<int:pk>/visit/", pages.visit_new, name="visit"),
    path("visits/sync/", pages.visit_sync, name="visit-sync"),
    path("visits/<int:pk>/appeal/", pages.visit_appeal, name="visit-appeal"),
]
