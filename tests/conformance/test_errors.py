"""Errors: one hierarchy under DynastoreError, each carrying DynamoDB's error code, on every engine."""

from __future__ import annotations

import pytest

import dynastore
from dynastore import (
    Attr,
    CancellationReason,
    ConditionFailed,
    DynastoreError,
    IdempotencyMismatch,
    ItemNotFound,
    ItemTooLarge,
    Key,
    TableNotFound,
    TableSpec,
    TransactionCanceled,
    ValidationError,
    VersionConflict,
)

from ._support import unique_name

EXPECTED_CODES = {
    "StreamTrimmed": "TrimmedDataAccessException",
    "IteratorExpired": "ExpiredIteratorException",
    "DynastoreError": "InternalServerError",
    "ValidationError": "ValidationException",
    "ItemTooLarge": "ValidationException",
    "ItemNotFound": "ResourceNotFoundException",
    "TableNotFound": "ResourceNotFoundException",
    "TableExists": "ResourceInUseException",
    "ConditionFailed": "ConditionalCheckFailedException",
    "VersionConflict": "ConditionalCheckFailedException",
    "TransactionCanceled": "TransactionCanceledException",
    "IdempotencyMismatch": "IdempotentParameterMismatchException",
    "Throttled": "ThrottlingException",
    "StoreUnavailable": "ServiceUnavailable",
    "CredentialsExpired": "ExpiredTokenException",
}


def _exported_errors():
    return {
        name: obj
        for name in dynastore.__all__
        if isinstance(obj := getattr(dynastore, name), type) and issubclass(obj, BaseException)
    }


def test_every_exported_error_is_a_dynastore_error_with_a_code():
    errors = _exported_errors()
    assert set(errors) == set(EXPECTED_CODES)
    for name, cls in errors.items():
        assert issubclass(cls, DynastoreError), name
        if cls is TransactionCanceled:
            err = cls("m", reasons=[])
        else:
            err = cls("m")
        assert err.code == EXPECTED_CODES[name], name
        assert err.message == "m"


def test_error_keeps_its_cause():
    cause = RuntimeError("underneath")
    err = ValidationError("outer", cause=cause, code="SerializationException")
    assert err.cause is cause and err.__cause__ is cause
    assert err.code == "SerializationException"


def test_subclass_relations():
    assert issubclass(ItemTooLarge, ValidationError)
    assert issubclass(VersionConflict, ConditionFailed)
    assert issubclass(ValidationError, ValueError)
    assert issubclass(ItemNotFound, LookupError) and issubclass(TableNotFound, LookupError)


def test_condition_failed_from_the_engine(table):
    table.put({"pk": "a"})
    with pytest.raises(ConditionFailed) as info:
        table.put({"pk": "a"}, condition=Attr("pk").not_exists())
    assert type(info.value) is ConditionFailed
    assert info.value.code == "ConditionalCheckFailedException"
    with pytest.raises(ConditionFailed) as info:
        table.update({"pk": "a"}, Attr("n").set(1), condition=Attr("n").exists())
    assert info.value.code == "ConditionalCheckFailedException"
    with pytest.raises(ConditionFailed) as info:
        table.delete({"pk": "a"}, condition=Attr("n").exists())
    assert info.value.code == "ConditionalCheckFailedException"


def test_validation_error_from_the_engine(table):
    # Found only by looking at the item (the engine's half of validation).
    table.put({"pk": "a", "s": "text"})
    with pytest.raises(ValidationError) as info:
        table.update({"pk": "a"}, Attr("s").set(Attr("s") + 1))
    assert info.value.code == "ValidationException"
    assert not isinstance(info.value, ItemTooLarge)


def test_item_too_large_from_the_engine(table, store):
    from ._support import known_difference

    known_difference(store, "moto", "moto does not check the size of an updated item")
    table.put({"pk": "a", "d": "x" * 409_000})
    with pytest.raises(ItemTooLarge) as info:
        table.update({"pk": "a"}, Attr("e").set("y" * 1000))
    assert info.value.code == "ValidationException"


def test_table_not_found_from_the_engine(store):
    ghost = store.table(TableSpec(name=unique_name("ghost"), partition_key=("pk", "S")))
    with pytest.raises(TableNotFound) as info:
        ghost.get({"pk": "a"})
    assert info.value.code == "ResourceNotFoundException"
    with pytest.raises(TableNotFound):
        store.describe(ghost.name)


def test_item_not_found(table):
    with pytest.raises(ItemNotFound) as info:
        table.get({"pk": "a"}, must_exist=True)
    assert info.value.code == "ResourceNotFoundException"


def test_transaction_canceled_reasons(store, table):
    table.put({"pk": "a"})
    with pytest.raises(TransactionCanceled) as info:
        store.transaction().put(table, {"pk": "a"}, condition=Attr("pk").not_exists()).commit()
    err = info.value
    assert err.code == "TransactionCanceledException"
    assert len(err.reasons) == 1
    assert isinstance(err.reasons[0], CancellationReason)
    assert err.reasons[0].code == "ConditionalCheckFailed"


def test_idempotency_mismatch_is_a_dynastore_error():
    assert IdempotencyMismatch("x").code == "IdempotentParameterMismatchException"


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.put({"pk": 1}),
        lambda t: t.put("not a dict"),
        lambda t: t.get(["pk"]),
        lambda t: t.query(Key("pk").eq("a") | Key("pk").eq("b")).all(),
        lambda t: t.update({"pk": "a"}, "SET x = 1"),
        lambda t: t.scan(projection=["a", "a.b"]).all(),
        lambda t: t.scan(filter=Attr("a").eq(object())).all(),
        lambda t: t.get({"pk": "a"}, projection=[]),
    ],
    ids=["wrong-key-type", "item-not-a-dict", "key-not-a-dict", "or-in-key-condition", "string-update",
         "overlapping-projection", "unsupported-value", "empty-projection"],
)
def test_bad_input_is_a_validation_error_not_a_traceback(table, call):
    with pytest.raises(ValidationError):
        call(table)
