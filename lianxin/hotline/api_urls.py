from django.urls import path

from . import api

# Mounted at /api/v1/hotline/.
urlpatterns = [
    path("calls/", api.CallOpen.as_view(), name="api-hotline-calls"),
]
