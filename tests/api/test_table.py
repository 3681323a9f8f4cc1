"""GET /rear-diff/media/table: the table as the service sees it now, on every generation.

Which key comes from which column, the enums, what sorts, soft delete and the
training table are the facts of tests/spec.py, never what media/layout.py
computes.
"""

from django.urls import reverse

from media.layout import current_layout, live_layout
from tests.spec import (
    COLUMNS,
    EXTRA_KEYS,
    TRAINING_KEYS,
    media_types,
    pipeline_statuses,
    sortable_columns,
    table_columns,
)
from tests.support.rows import TABLE, execute


def expected_source(key, generation):
    if generation == "g2" and key in TRAINING_KEYS:
        return {
            "key": key,
            "source": "training",
            "column": "spoken_languages" if key == "language" else key,
        }
    if generation != "g0" and key == "language":
        return {"key": key, "source": "media", "column": "spoken_languages"}
    return {"key": key, "source": "media", "column": key}


def test_table_endpoint_describes_the_layout_served_on_each_generation(api_client, db, media_table):
    body = api_client.get(reverse("media-table")).json()

    assert body["keys"] == [
        *(expected_source(key, media_table) for key in COLUMNS),
        *({"key": key, "source": "media", "column": key} for key in EXTRA_KEYS[media_table]),
    ]
    assert body["enums"]["media_type"] == media_types(media_table)
    assert body["enums"]["pipeline_status"] == pipeline_statuses(media_table)
    assert body["sortable"] == sortable_columns(media_table)
    assert body["soft_delete"] is ("deleted_at" in table_columns(media_table))
    assert body["training_table"] is (media_table == "g2")
    assert body["unserved_columns"] == []
    assert body["missing_required"] == []
    assert body["table"] == TABLE.replace('"', "")
    assert body["fingerprint"] == current_layout().fingerprint
    assert body["change_log"]["mode"] == "log"


def test_table_endpoint_names_unknown_columns_and_keys_without_a_source(api_client, db):
    execute(
        f"ALTER TABLE {TABLE} ADD COLUMN subtitle_language varchar(10)",
        f"ALTER TABLE {TABLE} DROP COLUMN uploader",
    )
    live_layout.forget()

    body = api_client.get(reverse("media-table")).json()

    assert body["unserved_columns"] == ["subtitle_language"]
    assert {"key": "uploader", "source": "unavailable", "column": None} in body["keys"]
