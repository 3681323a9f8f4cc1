"""Cached reads over HTTP: a read answered from media.read_cache while its snapshot holds,
with its ETag, and 304 for a client that has it already."""

from dataclasses import dataclass

from django.db import connection
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags
from rest_framework.response import Response

from media import change_log
from media.change_log import Validity
from media.layout import current_layout
from media.read_cache import Entry, content_etag, database_identity, read_cache


@dataclass(frozen=True)
class Read:
    """What a read computed: the body's data, what it rests on (its snapshot and what
    would change it), and an ETag of its own (a row's version) or None for one of the
    rendered body."""

    data: object
    validity: Validity
    etag: str | None = None


def cache_key(request) -> str:
    """The normalised request: the database, path, every parameter, the layout served, the
    media type."""
    query = sorted(request.query_params.lists())
    return "|".join(
        [
            database_identity(),
            request.path,
            repr(query),
            current_layout().fingerprint,
            request.accepted_media_type,
        ]
    )


def cached_read(request, compute):
    """Answer a read from the cache while the snapshot is unchanged, else compute and store.

    `compute()` returns a Read. The answer carries an ETag, and If-None-Match
    answers 304. Reads inside an open transaction (a test's, a shell's) are not
    cached: the snapshot only moves on commit, not on that transaction's own
    writes. Responses other than JSON (the browsable API) are not either.
    """
    if request.accepted_renderer.format != "json":
        read = compute()
        return Response(read.data, headers={"ETag": read.etag} if read.etag else None)
    cache = read_cache()
    if not cache.enabled or connection.in_atomic_block:
        return _respond(request, _render(request, compute()), "off")
    change_log.prune_now_and_then()
    key = cache_key(request)
    entry = cache.get(key)
    if entry is not None:
        valid, now = change_log.still_valid(entry.validity)
        if valid:
            cache.count(hit=True)
            if now != entry.validity.snapshot:
                cache.advance(key, entry, now)
            return _respond(request, entry, "hit")
    cache.count(hit=False)
    entry = _render(request, compute())
    cache.put(key, entry)
    return _respond(request, entry, "miss")


def _render(request, read: Read) -> Entry:
    renderer = request.accepted_renderer
    body = renderer.render(read.data, request.accepted_media_type, {"request": request})
    return Entry(validity=read.validity, etag=read.etag or content_etag(body), body=body)


def _respond(request, entry: Entry, status: str):
    tags = parse_etags(request.headers.get("If-None-Match", ""))
    if "*" in tags or entry.etag in tags:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(entry.body, content_type=request.accepted_media_type)
    response["ETag"] = entry.etag
    response.read_cache = status
    return response
