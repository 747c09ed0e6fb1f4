from django.urls import path  # noqa: F401

# Mounted at /api/v1/.
urlpatterns: list = []
