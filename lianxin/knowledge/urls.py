from django.urls import path

from . import views_public as public
from . import views_staff as staff

app_name = "knowledge"

urlpatterns = [
    path("", staff.index, name="index"),
    path("new/", staff.article_new, name="new"),
    path("suggest/", public.suggest, name="suggest"),
    path("import/", staff.import_upload, name="import"),
    path("import/template.xlsx", staff.import_template, name="import-template"),
    path("proposals/", staff.proposals, name="proposals"),
    path("proposals/<str:tracking_number>/", staff.propose, name="propose"),
    path("manage/<int:pk>/", staff.manage, name="manage"),
    path("manage/<int:pk>/edit/", staff.edit, name="edit"),
    path("manage/<int:pk>/act/<str:action>/", staff.act, name="act"),
    path("<int:pk>/", public.article_page, name="article"),
    path("<int:pk>/answered/", public.answered, name="answered"),
    path("<int:pk>/continued/", public.continued, name="continued"),
]
