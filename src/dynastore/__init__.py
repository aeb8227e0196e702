"""dynastore: DynamoDB-backed storage with an embedded engine that behaves the same.

The public surface is everything in ``__all__`` below; modules whose names
start without an underscore may still change between releases unless
re-exported here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .aio import AsyncResults, AsyncStore, AsyncTable, AsyncTransaction, open_async_store
    from .blobs import BlobStore, LocalBlobStore, S3BlobStore, open_blob_store
    from .codec import deserialize, deserialize_item, normalize, normalize_item, serialize, serialize_item
    from .engine import Engine, Page, TableInfo
    from .errors import (
        CancellationReason,
        ConditionFailed,
        CredentialsExpired,
        DynastoreError,
        IdempotencyMismatch,
        ItemNotFound,
        ItemTooLarge,
        StoreUnavailable,
        TableExists,
        TableNotFound,
        Throttled,
        StreamTrimmed,
        IteratorExpired,
        TransactionCanceled,
        ValidationError,
        VersionConflict,
    )
    from .expressions import Attr, Condition, Key, Path, if_not_exists, list_append, size
    from .models import Entities, EpochSeconds, IsoDateTime, Model
    from .health import Health
    from .metrics import StoreMetrics
    from .jsonutil import JSONEncoder, dumps, loads, to_jsonable
    from .results import Results
    from .retry import RetryPolicy
    from .settings import Settings
    from .spec import AccessPattern, AttributeHint, Index, KeyAttribute, TableSpec, load_specs
    from .streams import Stream, StreamRecord
    from .store import Store, Transaction, open_store
    from .table import ANY_VERSION, PutResult, Table

#: public name -> the module that defines it. Imported on first use (PEP 562), so that
#: `import dynastore` and the CLI start quickly and a program pays only for what it uses.
_EXPORTS = {
    "ANY_VERSION": "table",
    "AccessPattern": "spec",
    "AsyncResults": "aio",
    "AsyncStore": "aio",
    "AsyncTable": "aio",
    "AsyncTransaction": "aio",
    "Attr": "expressions",
    "AttributeHint": "spec",
    "BlobStore": "blobs",
    "CancellationReason": "errors",
    "Condition": "expressions",
    "ConditionFailed": "errors",
    "CredentialsExpired": "errors",
    "DynastoreError": "errors",
    "Engine": "engine",
    "Entities": "models",
    "EpochSeconds": "models",
    "Health": "health",
    "IdempotencyMismatch": "errors",
    "Index": "spec",
    "IsoDateTime": "models",
    "ItemNotFound": "errors",
    "ItemTooLarge": "errors",
    "IteratorExpired": "errors",
    "JSONEncoder": "jsonutil",
    "Key": "expressions",
    "KeyAttribute": "spec",
    "LocalBlobStore": "blobs",
    "Model": "models",
    "Page": "engine",
    "Path": "expressions",
    "PutResult": "table",
    "Results": "results",
    "RetryPolicy": "retry",
    "S3BlobStore": "blobs",
    "Settings": "settings",
    "Store": "store",
    "StoreMetrics": "metrics",
    "StoreUnavailable": "errors",
    "Stream": "streams",
    "StreamRecord": "streams",
    "StreamTrimmed": "errors",
    "Table": "table",
    "TableExists": "errors",
    "TableInfo": "engine",
    "TableNotFound": "errors",
    "TableSpec": "spec",
    "Throttled": "errors",
    "Transaction": "store",
    "TransactionCanceled": "errors",
    "ValidationError": "errors",
    "VersionConflict": "errors",
    "deserialize": "codec",
    "deserialize_item": "codec",
    "dumps": "jsonutil",
    "if_not_exists": "expressions",
    "list_append": "expressions",
    "load_specs": "spec",
    "loads": "jsonutil",
    "normalize": "codec",
    "normalize_item": "codec",
    "open_async_store": "aio",
    "open_blob_store": "blobs",
    "open_store": "store",
    "serialize": "codec",
    "serialize_item": "codec",
    "size": "expressions",
    "to_jsonable": "jsonutil",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dynastore' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


__version__ = "0.1.0"

__all__ = [
    "ANY_VERSION",
    "AccessPattern",
    "AsyncResults",
    "AsyncStore",
    "AsyncTable",
    "AsyncTransaction",
    "Attr",
    "AttributeHint",
    "BlobStore",
    "CancellationReason",
    "Condition",
    "ConditionFailed",
    "CredentialsExpired",
    "DynastoreError",
    "Engine",
    "Entities",
    "EpochSeconds",
    "Health",
    "IdempotencyMismatch",
    "Index",
    "IsoDateTime",
    "ItemNotFound",
    "ItemTooLarge",
    "IteratorExpired",
    "JSONEncoder",
    "Key",
    "KeyAttribute",
    "LocalBlobStore",
    "Model",
    "Page",
    "Path",
    "PutResult",
    "Results",
    "RetryPolicy",
    "S3BlobStore",
    "Settings",
    "Store",
    "StoreMetrics",
    "StoreUnavailable",
    "Stream",
    "StreamRecord",
    "StreamTrimmed",
    "Table",
    "TableExists",
    "TableInfo",
    "TableNotFound",
    "TableSpec",
    "Throttled",
    "Transaction",
    "TransactionCanceled",
    "ValidationError",
    "VersionConflict",
    "deserialize",
    "deserialize_item",
    "dumps",
    "if_not_exists",
    "list_append",
    "load_specs",
    "loads",
    "normalize",
    "normalize_item",
    "open_async_store",
    "open_blob_store",
    "open_store",
    "serialize",
    "serialize_item",
    "size",
    "to_jsonable",
    "__version__",
]
