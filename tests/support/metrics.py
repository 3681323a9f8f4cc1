"""/rear-diff/metrics as Prometheus reads it: parsed with prometheus-client's own parser.

Samples needs no Django: the benchmark parses the production server's answers with it.
"""

from django.conf import settings
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families


def bearer(token: str | None = None) -> dict:
    """The header a scraper sends (the test settings' METRICS_TOKEN unless another is named)."""
    return {"Authorization": f"Bearer {settings.METRICS_TOKEN if token is None else token}"}


class Samples(dict):
    """{(sample name, labels): value} of one scrape."""

    @classmethod
    def parse(cls, text: str) -> "Samples":
        return cls(
            ((sample.name, frozenset(sample.labels.items())), sample.value)
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        )

    def value(self, name: str, **labels) -> float:
        """A sample's value; 0 for a series not there yet (nothing counted in it)."""
        return self.get((name, frozenset((key, str(v)) for key, v in labels.items())), 0.0)


def scrape(client) -> Samples:
    """What a scrape through the API client reads now."""
    response = client.get(reverse("metrics"), headers=bearer())
    assert response.status_code == 200, response.content
    return Samples.parse(response.content.decode())
