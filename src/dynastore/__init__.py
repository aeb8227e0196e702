"""dynastore: DynamoDB-backed storage with an embedded engine that behaves the same.

The public surface is everything in ``__all__`` below; modules whose names
start without an underscore may still change between releases unless
re-exported here.
"""

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
    TransactionCanceled,
    ValidationError,
    VersionConflict,
)
from .expressions import Attr, Condition, Key, Path, if_not_exists, list_append, size
from .jsonutil import JSONEncoder, dumps, loads, to_jsonable
from .results import Results
from .retry import RetryPolicy
from .settings import Settings
from .spec import Index, KeyAttribute, TableSpec, load_specs
from .store import Store, Transaction, open_store
from .table import ANY_VERSION, PutResult, Table

__version__ = "0.1.0"

__all__ = [
    "ANY_VERSION",
    "Attr",
    "CancellationReason",
    "Condition",
    "ConditionFailed",
    "CredentialsExpired",
    "DynastoreError",
    "Engine",
    "IdempotencyMismatch",
    "Index",
    "ItemNotFound",
    "ItemTooLarge",
    "JSONEncoder",
    "Key",
    "KeyAttribute",
    "Page",
    "Path",
    "PutResult",
    "Results",
    "RetryPolicy",
    "Settings",
    "Store",
    "StoreUnavailable",
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
    "open_store",
    "serialize",
    "serialize_item",
    "size",
    "to_jsonable",
    "__version__",
]
