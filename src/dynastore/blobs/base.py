"""The BlobStore protocol, what it returns, and blob URLs.

A blob store keeps bytes under keys (see `keys.validate_key`), like S3. Every
store names its blobs with a URL: ``s3://bucket/key`` for S3,
``local://storage/key`` for the local directory (the seed's format), and reads
them back from that URL with `get_from_url`.
"""

from __future__ import annotations

import functools
import mimetypes
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO, Protocol, runtime_checkable
from urllib.parse import quote, unquote, urlsplit

from ..errors import ValidationError
from .keys import validate_key

#: Chunk size for streaming reads and writes.
CHUNK_BYTES = 1024 * 1024
#: Host part of local blob URLs: ``local://storage/{key}``.
LOCAL_HOST = "storage"
DEFAULT_CONTENT_TYPE = "application/octet-stream"

#: What `put_stream` accepts: a binary file object or any iterable of byte chunks.
Source = BinaryIO | Iterable[bytes]


@dataclass(frozen=True)
class BlobInfo:
    """What a store knows about one blob, without its bytes."""

    key: str
    size: int
    url: str
    last_modified: datetime
    content_type: str = DEFAULT_CONTENT_TYPE
    metadata: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class BlobStore(Protocol):
    """Bytes under keys. Every write is atomic: a reader sees the old blob or the new one, never a part."""

    def put(self, key: str, data: bytes, *, content_type: str | None = None,
            metadata: Mapping[str, str] | None = None) -> BlobInfo:
        """Store ``data`` under ``key``, replacing any blob there."""
        ...

    def put_stream(self, key: str, source: Source, *, content_type: str | None = None,
                   metadata: Mapping[str, str] | None = None) -> BlobInfo:
        """Store a body read chunk by chunk (a file object or an iterable of bytes), never all in memory."""
        ...

    def get(self, key: str) -> bytes:
        """The blob's bytes; ItemNotFound when there is none."""
        ...

    def iter_chunks(self, key: str, chunk_size: int = CHUNK_BYTES) -> Iterator[bytes]:
        """The blob's bytes in chunks; ItemNotFound (on the first ``next``) when there is none."""
        ...

    def head(self, key: str) -> BlobInfo:
        """Size, type, metadata and time of the blob; ItemNotFound when there is none."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the blob; no error when there is none."""
        ...

    def list(self, prefix: str = "") -> Iterator[BlobInfo]:
        """Blobs whose keys start with ``prefix``, in key order (by UTF-8 bytes, as S3 lists them).

        As S3 lists them, too: without metadata, the content type guessed from the key (`head` has both).
        """
        ...

    def url(self, key: str) -> str:
        """The URL that names this blob (``s3://bucket/key`` or ``local://storage/key``)."""
        ...

    def key_from_url(self, url: str) -> str:
        """The key a URL of this store names; ValidationError for another store's URL."""
        ...

    def get_from_url(self, url: str) -> bytes:
        """``get(key_from_url(url))``."""
        ...

    def close(self) -> None: ...


def guess_content_type(key: str, given: str | None) -> str:
    if given:
        return given
    name = key.rpartition("/")[2]
    dot = name.find(".")
    if dot <= 0 or ":" in key:  # no suffix, a dot file, or what mimetypes might read as a URL: ask it as it is
        return mimetypes.guess_type(key)[0] or DEFAULT_CONTENT_TYPE
    return _type_of_suffixes(name[dot:])


@functools.lru_cache(maxsize=256)
def _type_of_suffixes(suffixes: str) -> str:
    """The type mimetypes gives a name ending in ``suffixes`` (".json", ".tar.gz"): it reads only those."""
    return mimetypes.guess_type("x" + suffixes)[0] or DEFAULT_CONTENT_TYPE


def check_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """User metadata as S3 takes it: string names (lower-cased) and values, 2 KB in total."""
    if not metadata:
        return {}
    out: dict[str, str] = {}
    total = 0
    for k, v in metadata.items():
        if not isinstance(k, str) or not isinstance(v, str) or not k:
            raise ValidationError(f"blob metadata needs non-empty string names and string values, got {k!r}: {v!r}")
        if not k.isascii() or not all(c.isalnum() or c in "-_" for c in k):
            raise ValidationError(f"blob metadata name {k!r} may hold only ASCII letters, digits, '-' and '_'")
        total += len(k.encode()) + len(v.encode())
        out[k.lower()] = v
    if total > 2048:
        raise ValidationError(f"blob metadata is {total} bytes; S3 allows 2048")
    return out


def make_url(scheme: str, host: str, key: str) -> str:
    return f"{scheme}://{host}/{quote(key, safe='/')}"


def parse_url(url: str) -> tuple[str, str, str]:
    """``(scheme, host, key)`` of a blob URL, the key validated; ValidationError otherwise."""
    if not isinstance(url, str):
        raise ValidationError(f"blob URL must be a str, got {type(url).__name__}")
    parts = urlsplit(url)
    if parts.scheme not in ("s3", "local") or not parts.netloc or parts.query or parts.fragment:
        raise ValidationError(f"not a blob URL: {url!r:.120} (expected s3://bucket/key or local://storage/key)")
    return parts.scheme, parts.netloc, validate_key(unquote(parts.path[1:]))


def key_in(url: str, scheme: str, host: str) -> str:
    """The key of ``url`` when it names a blob of the store at ``scheme://host``."""
    s, h, key = parse_url(url)
    if (s, h) != (scheme, host):
        raise ValidationError(f"blob URL {url!r:.120} belongs to {s}://{h}, not to this store ({scheme}://{host})")
    return key


def iter_source(source: Source, chunk_size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Byte chunks from a file object or an iterable of bytes."""
    read = getattr(source, "read", None)
    if read is not None:
        while True:
            chunk = read(chunk_size)
            if not chunk:
                return
            yield _as_bytes(chunk)
    else:
        for chunk in source:  # type: ignore[union-attr]
            yield _as_bytes(chunk)


def _as_bytes(chunk: object) -> bytes:
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        return bytes(chunk)
    raise ValidationError(f"blob data must be bytes, got {type(chunk).__name__} (encode text first)")


def check_data(data: object) -> bytes:
    return _as_bytes(data)
