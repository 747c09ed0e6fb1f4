from django.urls import path

from . import mine_views, views

app_name = "appeals"
urlpatterns = [
    path("portal/", views.portal, name="portal"),
    path("submit/", views.submit, name="submit"),
    path("track/", views.track, name="track"),
    path("board/", views.board, name="board"),
    path("my/", mine_views.mine, name="mine"),
    path("my/account/", mine_views.mine_account, name="mine-account"),
    path("my/export.<str:fmt>", mine_views.mine_export, name="mine-export"),
    path("my/delete/", mine_views.mine_delete, name="mine-delete"),
    path("my/appeals/<str:tracking_number>/", mine_views.mine_detail, name="mine-detail"),
    path("appeal-photos/<int:pk>/", views.appeal_photo, name="photo"),
    path("workbench/", views.workbench, name="workbench"),
    path("dispatch/", views.dispatch_console, name="dispatch"),
    path("supervision/", views.supervision, name="supervision"),
    path("appeals/<str:tracking_number>/", views.appeal_detail, name="detail"),
    path("appeals/<str:tracking_number>/act/<str:action>/", views.appeal_act, name="act"),
]
