"""The public surface is exactly dynastore.__all__, and every name in it exists and is documented."""

import dynastore

EXPECTED = {
    "Health", "StoreMetrics", "Stream", "StreamRecord", "StreamTrimmed", "IteratorExpired",
    "AccessPattern", "AttributeHint", "AsyncResults", "AsyncStore", "AsyncTable", "AsyncTransaction", "BlobStore", "Entities", "EpochSeconds", "IsoDateTime", "LocalBlobStore", "Model", "S3BlobStore", "open_async_store", "open_blob_store",
    "ANY_VERSION", "Attr", "CancellationReason", "Condition", "ConditionFailed", "CredentialsExpired",
    "DynastoreError", "Engine", "IdempotencyMismatch", "Index", "ItemNotFound", "ItemTooLarge", "JSONEncoder",
    "Key", "KeyAttribute", "Page", "Path", "PutResult", "Results", "RetryPolicy", "Settings", "Store",
    "StoreUnavailable", "Table", "TableExists", "TableInfo", "TableNotFound", "TableSpec", "Throttled",
    "Transaction", "TransactionCanceled", "ValidationError", "VersionConflict", "deserialize",
    "deserialize_item", "dumps", "if_not_exists", "list_append", "load_specs", "loads", "normalize",
    "normalize_item", "open_store", "serialize", "serialize_item", "size", "to_jsonable", "__version__",
}


def test_all_is_audited():
    assert set(dynastore.__all__) == EXPECTED, "update EXPECTED (and the docs) when the public surface changes"
    assert len(dynastore.__all__) == len(set(dynastore.__all__))


def test_every_public_name_exists_and_has_a_docstring():
    for name in dynastore.__all__:
        obj = getattr(dynastore, name)
        if callable(obj) and not isinstance(obj, str):
            assert (obj.__doc__ or "").strip(), f"{name} has no docstring"


def test_errors_share_one_base():
    for name in dynastore.__all__:
        obj = getattr(dynastore, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, dynastore.DynastoreError), name
