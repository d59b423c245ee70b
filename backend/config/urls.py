from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.common.health import HealthView
from apps.common.spa import admin_app, h5_app

api_v1 = [
    path("health", HealthView.as_view(), name="health"),
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.units.api.urls")),
    path("", include("apps.wechat.api.urls")),
    path("", include("apps.cases.api.urls")),
    path("", include("apps.alerts.api.urls")),
    path("", include("apps.fraud.api.urls")),
    path("", include("apps.insurers.api.urls")),
    path("", include("apps.stats.api.urls")),
    path("", include("apps.guide.api.urls")),
    path("", include("apps.system.api.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("django-admin/", admin.site.urls),
    re_path(r"^admin/(?P<path>.*)$", admin_app, name="admin-app"),
    re_path(r"^h5/(?P<path>.*)$", h5_app, name="h5-app"),
    path("admin", RedirectView.as_view(url="/admin/")),
    path("h5", RedirectView.as_view(url="/h5/")),
    path("", RedirectView.as_view(url="/h5/")),
]
