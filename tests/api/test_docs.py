"""Swagger UI (/rear-diff/docs) and ReDoc (/rear-diff/redoc), offline: every asset they load is
served by the service itself.
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import reverse


class AssetCollector(HTMLParser):
    """Every URL a page loads from <script src> and <link href>."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


def page_assets(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    collector = AssetCollector()
    collector.feed(response.content.decode())
    return collector.urls


DOC_PAGES = [
    pytest.param(name, slash, id=f"{name}{slash}")
    for name in ("docs", "redoc")
    for slash in ("", "/")
]


@pytest.mark.parametrize(("name", "slash"), DOC_PAGES)
def test_doc_page_loads_assets_only_from_the_service_itself(api_client, name, slash):
    urls = page_assets(api_client, reverse(name) + slash)

    assert urls, "the page loads its UI from script/link tags"
    external = [url for url in urls if urlsplit(url).scheme or urlsplit(url).netloc]
    assert external == []


@pytest.mark.parametrize(("name", "slash"), DOC_PAGES)
def test_doc_page_local_assets_answer_200(api_client, db, name, slash):
    local = [
        url for url in page_assets(api_client, reverse(name) + slash) if not urlsplit(url).netloc
    ]

    assert any(url.endswith(".js") for url in local)
    for url in local:
        assert url.startswith("/rear-diff/static/"), url
        response = api_client.get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content if response.streaming else [response.content])
        response.close()
