"""The contract's paths: every URL name the tests reverse is the path docs/api.md gives.

The other tests ask for paths by name; this table pins each name to the
contract's spelling, so a route that moved fails here and not silently there.
"""

import pytest
from django.urls import reverse

from tests.spec import SAMPLE_HASH

CONTRACT_PATHS = {
    "media-list": "/rear-diff/media",
    "media-table": "/rear-diff/media/table",
    "media-detail": f"/rear-diff/media/{SAMPLE_HASH}",
    "media-rejection-status": f"/rear-diff/media/{SAMPLE_HASH}/rejection-status",
    "media-history": f"/rear-diff/media/{SAMPLE_HASH}/history",
    "health": "/rear-diff/health",
    "health-ready": "/rear-diff/health/ready",
    "schema": "/rear-diff/openapi.json",
    "docs": "/rear-diff/docs",
    "redoc": "/rear-diff/redoc",
}
ROW_PATHS = {"media-detail", "media-rejection-status", "media-history"}


@pytest.mark.parametrize(("name", "path"), CONTRACT_PATHS.items(), ids=list(CONTRACT_PATHS))
def test_each_url_name_reverses_to_the_contract_path(name, path):
    assert reverse(name, args=[SAMPLE_HASH] if name in ROW_PATHS else None) == path
