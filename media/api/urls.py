"""Routes under /rear-diff/: every path with and without a trailing slash."""

from django.urls import re_path
from rest_framework.routers import DefaultRouter

from media.api.monitoring import MetricsView
from media.api.views import HealthView, HistoryViewSet, MediaViewSet, ReadinessView


class OptionalSlashRouter(DefaultRouter):
    """DRF's router with the trailing slash optional (no redirect either way)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.trailing_slash = "/?"


router = OptionalSlashRouter()
router.register("media", MediaViewSet, basename="media")
router.register("history", HistoryViewSet, basename="history")

urlpatterns = [
    re_path(r"^health/?$", HealthView.as_view(), name="health"),
    re_path(r"^health/ready/?$", ReadinessView.as_view(), name="health-ready"),
    re_path(r"^metrics/?$", MetricsView.as_view(), name="metrics"),
    *router.urls,
]
