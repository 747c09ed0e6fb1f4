from django.urls import path  # noqa: F401

app_name = "supervision"

# One block per capability; each view module is small and owns its templates.
urlpatterns: list = []
