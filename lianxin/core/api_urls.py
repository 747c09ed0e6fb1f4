from django.urls import path

from .tokens import TokenView

urlpatterns = [path("auth/token/", TokenView.as_view(), name="api-token")]
