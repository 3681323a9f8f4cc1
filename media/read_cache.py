"""Repeated reads at memory speed, never stale: responses validated by the database.

A read runs in one read-only REPEATABLE READ transaction (media.selectors),
whose snapshot (`pg_current_snapshot()`: xmin, xmax and the transactions in
progress) is stored with the rendered response, with what would change it
(media.change_log.Validity). A hit costs one query: with the change log, whether
a writer the snapshot did not see changed what the answer read; without it,
whether the cluster's snapshot moved at all (any commit anywhere on the server
moves it). This is a validator, not a time to live. A hit's answer is valid as
of the check's own snapshot, which replaces the stored one, so the next check
looks only at writers since.

Entries live in a memory-bounded LRU per process (READ_CACHE_MB; 0 turns the
cache off) and, when CACHE_URL names a shared cache (Redis), there too, for the
other workers and replicas. A snapshot is the same for every database of a
server, so each key names the database it was read from (database_identity).
"""

import ctypes
import functools
import hashlib
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import connection

from media.change_log import Validity
from media.metrics import READ_CACHE_BYTES, READ_CACHE_EVICTIONS, READ_CACHE_HITS, READ_CACHE_MISSES

# What a stored entry costs beyond its key and body (the tuple, the strings' headers).
ENTRY_OVERHEAD = 300
# glibc's mallopt option, and the size from which a body gets its own mapping.
M_MMAP_THRESHOLD, OWN_MAPPING_BYTES = -3, 64 * 1024
SHARED_PREFIX = "rear-diff:read:"


@dataclass(frozen=True)
class Entry:
    validity: Validity  # the snapshot the response was read under, and what would change it
    etag: str
    body: bytes

    def size(self, key: str) -> int:
        v = self.validity
        return len(key) + len(self.body) + len(v.snapshot) + len(v.affects) + ENTRY_OVERHEAD


def shared_key(key: str) -> str:
    """A fixed-length key for the shared cache (backends limit keys' length and characters)."""
    return SHARED_PREFIX + hashlib.blake2b(key.encode(), digest_size=20).hexdigest()


def content_etag(body: bytes) -> str:
    """A strong ETag of a rendered body: equal bodies, equal tags, whatever their snapshot."""
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


# Each physical connection's database identity (a pooled connection serves many requests).
_identities: "weakref.WeakKeyDictionary[object, str]" = weakref.WeakKeyDictionary()
_identities_lock = threading.Lock()
DATABASE_IDENTITY_SQL = (
    "SELECT pg_postmaster_start_time()::text, oid, datname "
    "FROM pg_database WHERE datname = current_database()"
)


def database_identity() -> str:
    """Which database this connection reads: its server's start time, its oid and name.

    Two databases of one server (staging beside production, copies of one template,
    equal layouts) differ by oid and name; two servers by their start time, which
    a role may read without any grant. Not pg_control_system()'s system identifier:
    a server restored from another's backup has the same, and a provider may revoke
    the function. Read once per physical connection: a reconnection, maybe to
    another server behind the same name, reads it again.
    """
    connection.ensure_connection()
    raw = connection.connection
    with _identities_lock:
        identity = _identities.get(raw)
    if identity is None:
        with connection.cursor() as cursor:
            cursor.execute(DATABASE_IDENTITY_SQL)
            identity = "/".join(str(value) for value in cursor.fetchone())
        with _identities_lock:
            _identities[raw] = identity
    return identity


@functools.cache
def return_large_blocks_to_the_system() -> None:
    """Allocations from 64 KB on get their own mapping, released when freed.

    In glibc's heap an evicted page body leaves a hole that the next bodies
    only partly refill, so the process grows past the cache's limit: filled
    with 1,450 distinct 92 KB pages, a 64 MB cache cost 76 MB of resident
    memory (118 %) there, and 63 MB (98 %) with this (tests/bench/cache_memory.py).
    Elsewhere than glibc this does nothing; once per process is enough.
    """
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is not None:
        mallopt(M_MMAP_THRESHOLD, OWN_MAPPING_BYTES)


class ReadCache:
    """An LRU of entries bounded by their bytes, with hit and miss counts."""

    def __init__(self, limit_bytes: int):
        if limit_bytes > 0:
            return_large_blocks_to_the_system()
        self.limit_bytes = limit_bytes
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self.bytes = self.hits = self.misses = 0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.limit_bytes > 0

    def get(self, key: str) -> Entry | None:
        with self._lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
        if entry is None and settings.READ_CACHE_SHARED:
            entry = caches["default"].get(shared_key(key))
        return entry

    def put(self, key: str, entry: Entry) -> None:
        size = entry.size(key)
        if size > self.limit_bytes:
            return
        evicted = 0
        with self._lock:
            if key in self.entries:
                self.bytes -= self.entries.pop(key).size(key)
            self.entries[key] = entry
            self.bytes += size
            while self.bytes > self.limit_bytes:
                old_key, old = self.entries.popitem(last=False)
                self.bytes -= old.size(old_key)
                evicted += 1
            READ_CACHE_BYTES.set(self.bytes)
        if evicted:
            READ_CACHE_EVICTIONS.inc(evicted)
        if settings.READ_CACHE_SHARED:
            caches["default"].set(shared_key(key), entry, settings.READ_CACHE_SHARED_SECONDS)

    def advance(self, key: str, entry: Entry, snapshot: str) -> None:
        """A hit's entry, valid as of `snapshot`: in this process only, and only if unchanged."""
        advanced = Entry(entry.validity.advanced(snapshot), entry.etag, entry.body)
        with self._lock:
            if self.entries.get(key) is entry:
                self.entries[key] = advanced

    def count(self, hit: bool) -> None:
        with self._lock:
            if hit:
                self.hits += 1
            else:
                self.misses += 1
        (READ_CACHE_HITS if hit else READ_CACHE_MISSES).inc()

    def stats(self) -> dict:
        return {
            "entries": len(self.entries),
            "bytes": self.bytes,
            "limit_bytes": self.limit_bytes,
            "hits": self.hits,
            "misses": self.misses,
        }


_cache: ReadCache | None = None
_cache_lock = threading.Lock()


def read_cache() -> ReadCache:
    """This process's cache, sized by READ_CACHE_MB when first used."""
    global _cache
    with _cache_lock:
        if _cache is None or _cache.limit_bytes != settings.READ_CACHE_MB * 1024 * 1024:
            _cache = ReadCache(int(settings.READ_CACHE_MB * 1024 * 1024))
        return _cache
