"""The HTTP views, one module per resource: the list and the item (media), the actions and
the bulk (actions), the console's routes (console), the histories (history), the table's
layout (table), the probes (health) and the schema (openapi). What the schema says of each
operation is media.api.schema."""

from media.api.views.health import HealthView, ReadinessView
from media.api.views.history import HistoryViewSet
from media.api.views.media import MediaViewSet

__all__ = ["HealthView", "HistoryViewSet", "MediaViewSet", "ReadinessView"]
