"""What a hostile client tried: a deeply nested JSON body.

Each case runs in-process against the real test database.
"""

import pytest

from tests.conftest import fetch_row

SAMPLE_HASH = "eb50f630702e8a59ef6ecfaf9f5eecae7a9856a1"
PATCH_PATH = f"/rear-diff/media/{SAMPLE_HASH}/rejection-status"


# --- a body the JSON parser cannot take is a 400, not a 500 ----------------------------

TOO_DEEP = {
    "success": False,
    "error": "Invalid request",
    "message": "JSON parse error - arrays or objects are nested too deeply.",
}


@pytest.mark.parametrize(
    "value",
    ["[" * 5000 + "]" * 5000, '{"a": ' * 5000 + "1" + "}" * 5000],
    ids=["5000-arrays", "5000-objects"],
)
def test_a_deeply_nested_json_body_answers_400_in_the_patch_shape(
    operator_client, sample_media, value
):
    body = f'{{"hash": {value}, "rejection_status": "accepted"}}'
    before = fetch_row(SAMPLE_HASH)

    response = operator_client.patch(PATCH_PATH, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == TOO_DEEP
    assert fetch_row(SAMPLE_HASH) == before
