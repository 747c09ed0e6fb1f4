from django.urls import path

app_name = "insight"

# One block per capability; each view module is small and owns its templates.
urlpatterns: list = []
