from django.urls import path

from .views import offline, pages, receptions, registry

app_name = "outreach"

urlpatterns = [
    path("", pages.my_households, name="mine"),
    path("sw.js", offline.service_worker, name="sw"),
    path("unit/", pages.unit_overview, name="unit"),
    path("unit/pair/", pages.pair, name="pair"),
    path("registry/", registry.registry, name="registry"),
    path("registry/new/", registry.household_new, name="household-new"),
    path("registry/import/", registry.import_upload, name="import-upload"),
    path("registry/import/template.xlsx", registry.import_template, name="import-template"),
    path("registry/import/<int:pk>/", registry.import_detail, name="import"),
    path("registry/import/<int:pk>/step/", registry.import_step, name="import-step"),
    path("registry/import/<int:pk>/discard/", registry.import_discard, name="import-discard"),
    path("households/<int:pk>/", pages.household_detail, name="household"),
    path("households/<int:pk>/edit/", registry.household_edit, name="household-edit"),
    path(
        "households/<int:pk>/deactivate/",
        registry.household_deactivate_view,
        name="household-deactivate",
    ),
    path("households/<int:pk>/visit/", pages.visit_new, name="visit"),
    path("visits/sync/", pages.visit_sync, name="visit-sync"),
    path("visits/<int:pk>/appeal/", pages.visit_appeal, name="visit-appeal"),
    path("visits/<int:pk>/photos/", pages.visit_photos, name="visit-photos"),
    path("visits/photos/<int:pk>/", pages.visit_photo, name="visit-photo"),
    # Contact points and reception days: public (citizens), then the contact point's staff.
    path("contact-points/", receptions.contact_points, name="contact-points"),
    path("contact-points/<int:pk>/", receptions.contact_point, name="contact-point"),
    path("contact-points/slots/<int:pk>/book/", receptions.book, name="book"),
    path("contact-points/booked/", receptions.booked, name="booked"),
    path("contact-points/cancel/", receptions.cancel, name="booking-cancel"),
    path("receptions/", receptions.receptions, name="receptions"),
    path("receptions/points/<int:pk>/", receptions.reception_schedule, name="reception-schedule"),
    path("receptions/days/<int:pk>/", receptions.reception_day, name="reception-day"),
]
