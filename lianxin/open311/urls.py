from django.urls import re_path

from . import views

FMT = r"\.(?P<fmt>xml|json)$"
ID = r"(?P<{}>[-\w.]{{1,100}}?)"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="open311-discovery"),
    re_path(r"^services" + FMT, views.services_list, name="open311-services"),
    re_path(
        r"^services?/" + ID.format("service_code") + FMT,
        views.service_definition,
        name="open311-service",
    ),
    re_path(r"^requests" + FMT, views.requests_collection, name="open311-requests"),
    re_path(
        r"^requests/" + ID.format("service_request_id") + FMT,
        views.request_detail,
        name="open311-request",
    ),
    re_path(r"^tokens/" + ID.format("token") + FMT, views.token_detail, name="open311-token"),
    re_path(r"^.*?(?:\.(?P<fmt>xml|json))?$", views.not_found),
]
