"""Error bodies of the read endpoints: database failures, request ids, unknown paths."""

SAMPLE_HASH = "eb50f630702e8a59ef6ecfaf9f5eecae7a9856a1"


def test_request_id_header_is_exposed_to_cross_origin_scripts(api_client, db, settings):
    settings.CORS_ALLOWED_ORIGINS = ["http://localhost:5173"]

    response = api_client.get("/rear-diff/media", headers={"Origin": "http://localhost:5173"})

    exposed = [
        h.strip().lower() for h in response.headers["Access-Control-Expose-Headers"].split(",")
    ]
    assert "x-request-id" in exposed
