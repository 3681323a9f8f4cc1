"""The pipeline console's routes: PATCH .../{hash}/pipeline and its names for three actions."""

from rest_framework.decorators import action

from media.api import schema
from media.api.serializers import PipelineStateUpdateSerializer
from media.api.views.writes import WRITE, one_row, path_hash, written
from media.layout import current_layout
from media.services import media_act, media_set_pipeline_state

# The console's routes that are actions: route -> (action, the 200's message).
CONSOLE_ACTIONS = {
    "approve": ("approve", "Media approved"),
    "finish": ("complete", "Media finished"),
    "soft_delete": ("delete", "Media soft-deleted"),
}


def console_route(route: str):
    """Route PATCH .../{hash}/<route>, the console's name for an action (documented by
    media.api.schema.console_action)."""
    return action(
        detail=True,
        methods=["patch"],
        url_path=route,
        url_name=f"console-{route.replace('_', '-')}",
        **WRITE,
    )


class ConsoleViews:
    """The console's routes, each one write recorded in the history."""

    @schema.console_pipeline
    @action(
        detail=True, methods=["patch"], url_path="pipeline", url_name="console-pipeline", **WRITE
    )
    def console_pipeline(self, request, hash=None):
        """The pipeline console's route: set exactly the given columns, no transition rule.

        At least one of `pipeline_status`, `rejection_status`, `error_status`;
        the body's `hash` repeats the path's. The triggers apply; recorded in
        the history as `pipeline`.
        """
        body = PipelineStateUpdateSerializer(
            data=request.data, context={"path_hash": hash, "layout": current_layout()}
        )
        body.is_valid(raise_exception=True)
        columns = {k: v for k, v in body.validated_data.items() if k != "hash"}
        media = media_set_pipeline_state(
            hash=body.validated_data["hash"], columns=columns, **one_row(request)
        )
        return written("Pipeline state updated successfully", media, console=True)

    @schema.console_action("approve")
    @console_route("approve")
    def console_approve(self, request, hash=None):
        """The pipeline console's route for the `approve` action."""
        return self._console_action(request, hash, "approve")

    @schema.console_action("complete")
    @console_route("finish")
    def console_finish(self, request, hash=None):
        """The pipeline console's route for the `complete` action."""
        return self._console_action(request, hash, "finish")

    @schema.console_action("delete")
    @console_route("soft_delete")
    def console_soft_delete(self, request, hash=None):
        """The pipeline console's route for the `delete` action (409 when already deleted)."""
        return self._console_action(request, hash, "soft_delete")

    def _console_action(self, request, hash, route):
        name, message = CONSOLE_ACTIONS[route]
        media = media_act(hash=path_hash(hash), action=name, **one_row(request))
        return written(message, media, console=True)
