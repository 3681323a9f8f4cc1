"""Everything lives under /rear-diff/."""

from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

from media.api.views.openapi import LiveSchemaView

urlpatterns = [
    # Browsers ask for /favicon.ico on pages that name no icon (the browsable API).
    re_path(
        r"^favicon\.ico$",
        RedirectView.as_view(
            url=static("drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png")
        ),
    ),
    path("rear-diff/", include("media.api.urls")),
    # Login/logout for the browsable API (session authentication).
    path("rear-diff/api-auth/", include("rest_framework.urls")),
    re_path(r"^rear-diff/openapi\.json$", LiveSchemaView.as_view(), name="schema"),
    re_path(r"^rear-diff/docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    re_path(
        r"^rear-diff/redoc/?$",
        SpectacularRedocView.as_view(url_name="schema", template_name="media/redoc.html"),
        name="redoc",
    ),
]

# The read-only admin (media/admin.py), only where it is switched on.
if settings.ADMIN_ENABLED:
    urlpatterns.append(path("rear-diff/admin/", admin.site.urls))

# Errors outside DRF's views (unknown paths, crashes in middleware) answer JSON too.
handler400 = "media.api.exceptions.bad_request"
handler403 = "media.api.exceptions.forbidden"
handler404 = "media.api.exceptions.not_found"
handler500 = "media.api.exceptions.server_error"
