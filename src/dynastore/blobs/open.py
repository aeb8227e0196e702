"""Opening a blob store from a URL or from the settings, and reading any blob URL."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from ..errors import ValidationError
from .base import BlobStore, parse_url
from .local import DEFAULT_ROOT, LocalBlobStore
from .s3 import S3BlobStore

if TYPE_CHECKING:
    from ..aws import AwsClients
    from ..settings import Settings

_S3_OPTIONS = {"region", "endpoint", "profile"}


def open_blob_store(url: str | None = None, *, settings: Settings | None = None,
                    aws: AwsClients | None = None) -> BlobStore:
    """A blob store from a URL, or (no URL) from the settings.

    URLs: ``s3://bucket[/prefix]?region=...&endpoint=...`` or a directory
    (``file:///abs/dir``, ``file://rel/dir`` or a plain path) for the local
    store. Settings: ``USE_S3=true`` selects S3 (``S3_BUCKET_NAME``,
    ``S3_PREFIX``, ``AWS_REGION``, ``S3_ENDPOINT_URL``); otherwise the local
    store at ``LOCAL_STORAGE_PATH`` (default ``./data/local_storage``).
    ``aws``: share the DynamoDB engine's `AwsClients` (``store.engine.aws``), so
    one credential refresh renews both.
    """
    if url is None:
        from ..settings import Settings

        s = settings or Settings()
        if s.use_s3:
            if not s.s3_bucket_name:
                raise ValidationError("USE_S3 is true but S3_BUCKET_NAME is not set")
            return S3BlobStore(s.s3_bucket_name, prefix=s.s3_prefix or "", region=s.aws_region,
                               endpoint=s.s3_endpoint_url, profile=s.aws_profile, aws=aws)
        return LocalBlobStore(s.local_storage_path or DEFAULT_ROOT)
    if not isinstance(url, str) or not url.strip():
        raise ValidationError(f"blob store URL must be a non-empty string, got {url!r}")
    parts = urlsplit(url)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise ValidationError(f"S3 blob store URL needs a bucket: s3://bucket[/prefix], got {url!r}")
        options = dict(parse_qsl(parts.query))
        unknown = sorted(set(options) - _S3_OPTIONS)
        if unknown:
            raise ValidationError(f"unknown S3 blob store option(s) {', '.join(unknown)}; known: "
                                  f"{', '.join(sorted(_S3_OPTIONS))}")
        return S3BlobStore(parts.netloc, prefix=parts.path.lstrip("/"), region=options.get("region"),
                           endpoint=options.get("endpoint"), profile=options.get("profile"), aws=aws)
    if parts.scheme == "file":
        return LocalBlobStore(parts.netloc + parts.path)
    if parts.scheme == "" or len(parts.scheme) == 1:  # a path (or a Windows drive letter)
        return LocalBlobStore(url)
    hint = " (that names a blob, not a store)" if parts.scheme == "local" else ""
    raise ValidationError(f"unknown blob store URL {url!r}{hint}: use s3://bucket[/prefix] or a directory path")


def store_for_url(url: str, stores: Iterable[BlobStore]) -> BlobStore:
    """The store among ``stores`` whose blob ``url`` names (``s3://bucket/...`` or ``local://storage/...``)."""
    scheme, host, _ = parse_url(url)
    candidates = list(stores)
    for store in candidates:
        try:
            store.key_from_url(url)
        except ValidationError:
            continue
        return store
    raise ValidationError(f"no blob store here holds {scheme}://{host}/... (have: "
                          f"{', '.join(repr(s) for s in candidates) or 'none'})")


def get_from_url(url: str, stores: Iterable[BlobStore]) -> bytes:
    """The bytes of the blob ``url`` names, from whichever of ``stores`` holds it."""
    return store_for_url(url, stores).get_from_url(url)
