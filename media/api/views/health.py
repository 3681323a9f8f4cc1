"""The probes: liveness and readiness, open whatever the credentials or the request rate."""

import time

from django.db import DatabaseError, connection
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from media import change_log
from media.api import schema
from media.layout import current_layout
from media.models import Media
from media.read_cache import read_cache
from media.selectors import media_probe


class ProbeView(APIView):
    """Probes answer whatever the credentials, permissions or request rate."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []


class HealthView(ProbeView):
    """Liveness: the process answers, whatever the database does."""

    @schema.health
    def get(self, request):
        return Response({"status": "healthy"})


class ReadinessView(ProbeView):
    """Readiness: the database answers and the list's own query works.

    That query reads one row with the served columns and the soft-delete rule,
    so "ready" means the list works; a table without a column the service
    needs is named.
    """

    @schema.readiness
    def get(self, request):
        body = {"status": "ready", "database": "ok", "media_table": "ok"}
        started = time.perf_counter()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            body["database_latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
        except DatabaseError:
            body.update(
                status="unavailable",
                database="unreachable",
                media_table="unknown",
                details="The database does not answer.",
            )
            return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        table = Media._meta.db_table
        try:
            layout = current_layout()
            if layout.exists and not layout.missing_required:
                media_probe()
        except DatabaseError:
            return self.not_ready(body, "unreadable", f"The table {table} cannot be read.")
        if not layout.exists:
            return self.not_ready(body, "missing", f"The table {table} does not exist.")
        if layout.missing_required:
            return self.not_ready(
                body,
                "incomplete",
                f"The table {table} lacks what the service needs: "
                + ", ".join(layout.missing_required)
                + ".",
            )
        body["read_cache"] = read_cache().stats()
        body["change_log"] = change_log.status(layout)
        return Response(body)

    @staticmethod
    def not_ready(body, media_table, details):
        body.update(status="unavailable", media_table=media_table, details=details)
        return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)
