"""dynastore: DynamoDB-backed storage with an embedded engine that behaves the same.

The public surface is everything in ``__all__`` below; modules whose names
start without an underscore may still change between releases unless
re-exported here.
"""

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
