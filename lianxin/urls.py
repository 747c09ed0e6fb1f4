from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from lianxin.core import citizen_views
from lianxin.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says.
    path(
        "favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}favicon.ico", permanent=True)
    ),
    path("", core_views.home, name="home"),
    path("login/", core_views.SigninView.as_view(), name="login"),
    path("two-factor/", core_views.two_factor, name="two_factor"),
    path("two-factor/setup/", core_views.two_factor_setup, name="two_factor_setup"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("my/signin/", citizen_views.citizen_signin, name="citizen-signin"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("notifications/", core_views.notifications, name="notifications"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("lianxin.core.api_urls")),
    path("api/v1/", include("lianxin.appeals.api_urls")),
    path("open311/v2/", include("lianxin.open311.urls")),
    path("insight/", include("lianxin.insight.urls")),
    path("evaluation/", include("lianxin.evaluation.urls")),
    path("api/v1/evaluation/", include("lianxin.evaluation.api_urls")),
    path("supervision/", include("lianxin.supervision.urls")),
    path("outreach/", include("lianxin.outreach.urls")),
    path("api/v1/", include("lianxin.supervision.api_urls")),
    path("participation/", include("lianxin.participation.urls")),
    path("api/v1/participation/", include("lianxin.participation.api_urls")),
    path("knowledge/", include("lianxin.knowledge.urls")),
    path("api/v1/knowledge/", include("lianxin.knowledge.api_urls")),
    path("hotline/", include("lianxin.hotline.urls")),
    path("api/v1/hotline/", include("lianxin.hotline.api_urls")),
    path("", include("lianxin.appeals.urls")),
]

handler400 = "lianxin.core.error_pages.bad_request"
handler403 = "lianxin.core.error_pages.permission_denied"
handler404 = "lianxin.core.error_pages.page_not_found"
handler500 = "lianxin.core.error_pages.server_error"
