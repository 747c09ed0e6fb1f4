from django.urls import path

from . import views

app_name = "hotline"
urlpatterns = [
    path("", views.console, name="console"),
    path("calls/start/", views.call_start, name="call-start"),
    path("calls/<int:pk>/finish/", views.call_finish, name="call-finish"),
    path("lookup/history/", views.lookup_history, name="lookup-history"),
    path("lookup/suggest/", views.lookup_suggest, name="lookup-suggest"),
    path("lookup/similar/", views.lookup_similar, name="lookup-similar"),
    path("lookup/articles/", views.lookup_articles, name="lookup-articles"),
    path("lookup/questions/", views.lookup_questions, name="lookup-questions"),
    path("lookup/current/", views.lookup_current, name="lookup-current"),
    path("centre/", views.centre, name="centre"),
]
