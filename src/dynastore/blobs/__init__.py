"""Blob storage: bytes under validated keys, on a local directory laid out like S3 or on S3.

`BlobStore` is the protocol; `LocalBlobStore` and `S3BlobStore` implement it
and pass one test suite. `open_blob_store` picks one from a URL or from the
settings (``USE_S3``, ``S3_BUCKET_NAME``, ``AWS_REGION``, ``LOCAL_STORAGE_PATH``).
"""

from .base import CHUNK_BYTES, BlobInfo, BlobStore, parse_url
from .keys import MAX_KEY_BYTES, MAX_SEGMENT_BYTES, validate_key, validate_prefix
from .local import LocalBlobStore
from .open import get_from_url, open_blob_store, store_for_url
from .s3 import S3BlobStore

__all__ = [
    "CHUNK_BYTES",
    "MAX_KEY_BYTES",
    "MAX_SEGMENT_BYTES",
    "BlobInfo",
    "BlobStore",
    "LocalBlobStore",
    "S3BlobStore",
    "get_from_url",
    "open_blob_store",
    "parse_url",
    "store_for_url",
    "validate_key",
    "validate_prefix",
]
