from django.urls import path

from . import api

# Mounted at /api/v1/knowledge/.
urlpatterns = [
    path("articles/", api.ArticleSearch.as_view(), name="api-knowledge-articles"),
]
