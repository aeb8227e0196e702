"""A bounded in-memory cache of message bodies recently read (the seed's cache strategy).

Least recently used first out, bounded by the bytes of the bodies it holds.
Keyed by content URL; the store invalidates an entry when the message is
deleted or overwritten. Hits, misses, evictions and the bytes held are
Prometheus metrics in the registry given (a private one by default).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge

from ...errors import ValidationError

V = TypeVar("V")

DEFAULT_CACHE_BYTES = 32 * 1024 * 1024


class BodyCache(Generic[V]):
    """LRU over at most ``max_bytes`` of entries (0 turns caching off; the metrics still count misses)."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES, *, registry: CollectorRegistry | None = None,
                 namespace: str = "dynastore_chat"):
        if not isinstance(max_bytes, int) or max_bytes < 0:
            raise ValidationError(f"cache size must be a non-negative number of bytes, got {max_bytes!r}")
        self.max_bytes = max_bytes
        self.registry = registry if registry is not None else CollectorRegistry()
        self._entries: OrderedDict[str, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = Counter("cache_hits", "Message bodies served from the in-memory cache",
                            namespace=namespace, registry=self.registry)
        self.misses = Counter("cache_misses", "Message bodies not in the cache (read from blob storage)",
                              namespace=namespace, registry=self.registry)
        self.evictions = Counter("cache_evictions", "Bodies dropped to stay within the cache's byte limit",
                                 namespace=namespace, registry=self.registry)
        self.size = Gauge("cache_bytes", "Bytes of message bodies held in the cache",
                          namespace=namespace, registry=self.registry)
        self.size.set_function(lambda: self._bytes)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        return self._bytes

    def get(self, key: str) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses.inc()
                return None
            self._entries.move_to_end(key)
        self.hits.inc()
        return entry[0]

    def put(self, key: str, value: V, size: int) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if size > self.max_bytes:
                return  # bigger than the whole cache: never held
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, n) = self._entries.popitem(last=False)
                self._bytes -= n
                self.evictions.inc()

    def invalidate(self, key: str) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
