from django.urls import path

from . import views

app_name = "appeals"
urlpatterns = [
    path("portal/", views.portal, name="portal"),
    path("submit/", views.submit, name="submit"),
    path("track/", views.track, name="track"),
    path("board/", views.board, name="board"),
    path("appeal-photos/<int:pk>/", views.appeal_photo, name="photo"),
    path("workbench/", views.workbench, name="workbench"),
    path("dispatch/", views.dispatch_console, name="dispatch"),
    path("supervision/", views.supervision, name="supervision"),
    path("appeals/<str:tracking_number>/", views.appeal_detail, name="detail"),
    path("appeals/<str:tracking_number>/act/<str:action>/", views.appeal_act, name="act"),
]
