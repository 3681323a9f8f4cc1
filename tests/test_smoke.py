def test_list_answers_the_envelope_with_the_sample_row(api_client, sample_media):
    response = api_client.get("/rear-diff/media")
    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {
        "total": 1,
        "limit": 100,
        "offset": 0,
        "next": None,
        "previous": None,
    }
    assert body["data"][0]["hash"] == sample_media.hash
    assert body["data"][0]["created_at"] == "2025-05-07T20:33:57.738163Z"
