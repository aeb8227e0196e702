"""Transactions: all or nothing, per-action cancellation reasons, checks, idempotency tokens, transact_get."""

from __future__ import annotations

import uuid

import pytest

from dynastore import Attr, IdempotencyMismatch, ItemTooLarge, TransactionCanceled, ValidationError

from ._support import known_difference


@pytest.fixture
def two(make_table):
    a = make_table(name="a")
    b = make_table(name="b", sort_key=("sk", "N"))
    a.put({"pk": "acct", "balance": 10})
    b.put({"pk": "x", "sk": 1, "qty": 5})
    return a, b


def test_commit_writes_every_action(store, two):
    a, b = two
    tx = store.transaction()
    tx.put(a, {"pk": "new", "v": 1})
    tx.update(a, {"pk": "acct"}, Attr("balance").set(Attr("balance") - 3), condition=Attr("balance").gte(3))
    tx.delete(b, {"pk": "x", "sk": 1})
    tx.update(b, {"pk": "y", "sk": 2}, Attr("qty").add(1))
    tx.commit()
    assert tx.committed
    assert a.get({"pk": "new"}) == {"pk": "new", "v": 1}
    assert a.get({"pk": "acct"})["balance"] == 7
    assert b.get({"pk": "x", "sk": 1}) is None
    assert b.get({"pk": "y", "sk": 2}) == {"pk": "y", "sk": 2, "qty": 1}


def test_context_manager_commits(store, two):
    a, _ = two
    with store.transaction() as tx:
        tx.put(a, {"pk": "in-with"})
    assert tx.committed
    assert a.get({"pk": "in-with"}) == {"pk": "in-with"}


def test_context_manager_does_not_commit_on_exception(store, two):
    a, _ = two
    with pytest.raises(KeyError):
        with store.transaction() as tx:
            tx.put(a, {"pk": "never"})
            raise KeyError("boom")
    assert a.get({"pk": "never"}) is None


def test_tables_by_name(store, two):
    a, _ = two
    store.transaction().put(a.name, {"pk": "by-name"}).commit()
    assert a.get({"pk": "by-name"}) == {"pk": "by-name"}


def test_failed_condition_cancels_everything(store, two):
    a, b = two
    tx = store.transaction()
    tx.put(a, {"pk": "new"})
    tx.check(b, {"pk": "x", "sk": 1}, Attr("qty").gt(100))
    tx.update(a, {"pk": "acct"}, Attr("balance").set(0))
    with pytest.raises(TransactionCanceled) as info:
        tx.commit()
    assert [r.code for r in info.value.reasons] == ["None", "ConditionalCheckFailed", "None"]
    assert info.value.code == "TransactionCanceledException"
    assert a.get({"pk": "new"}) is None
    assert a.get({"pk": "acct"})["balance"] == 10
    assert not tx.committed


def test_reasons_for_several_failures(store, two):
    a, b = two
    tx = store.transaction()
    tx.put(a, {"pk": "acct", "balance": 0}, condition=Attr("pk").not_exists())
    tx.update(b, {"pk": "x", "sk": 1}, Attr("qty").add(1))
    tx.delete(b, {"pk": "nope", "sk": 0}, condition=Attr("pk").exists())
    with pytest.raises(TransactionCanceled) as info:
        tx.commit()
    codes = [r.code for r in info.value.reasons]
    assert len(codes) == 3
    assert codes[0] == "ConditionalCheckFailed"
    assert codes[1] == "None"
    assert codes[2] == "ConditionalCheckFailed"
    assert b.get({"pk": "x", "sk": 1})["qty"] == 5


def test_check_that_passes(store, two):
    a, b = two
    tx = store.transaction()
    tx.check(b, {"pk": "x", "sk": 1}, Attr("qty").eq(5))
    tx.put(a, {"pk": "checked"})
    tx.commit()
    assert a.get({"pk": "checked"}) == {"pk": "checked"}


def test_check_on_missing_item(store, two):
    a, b = two
    store.transaction().check(b, {"pk": "ghost", "sk": 0}, Attr("pk").not_exists()).put(a, {"pk": "ok"}).commit()
    assert a.get({"pk": "ok"}) is not None
    tx = store.transaction().check(b, {"pk": "ghost", "sk": 0}, Attr("pk").exists())
    with pytest.raises(TransactionCanceled) as info:
        tx.commit()
    assert [r.code for r in info.value.reasons] == ["ConditionalCheckFailed"]


def test_check_needs_a_condition(store, two):
    _, b = two
    with pytest.raises(ValidationError):
        store.transaction().check(b, {"pk": "x", "sk": 1}, None)  # type: ignore[arg-type]


def test_update_error_in_transaction_is_validation_error(store, two):
    a, _ = two
    tx = store.transaction()
    tx.put(a, {"pk": "new"})
    tx.update(a, {"pk": "acct"}, Attr("balance").set(Attr("missing") + 1))
    with pytest.raises(ValidationError):
        tx.commit()
    assert a.get({"pk": "new"}) is None


def test_two_actions_on_one_item_are_rejected(store, two):
    a, _ = two
    tx = store.transaction()
    tx.put(a, {"pk": "acct", "balance": 1})
    tx.delete(a, {"pk": "acct"})
    with pytest.raises(ValidationError):
        tx.commit()
    assert a.get({"pk": "acct"})["balance"] == 10


def test_same_key_in_two_tables_is_fine(store, make_table):
    a = make_table(name="a")
    b = make_table(name="b")
    store.transaction().put(a, {"pk": "same"}).put(b, {"pk": "same"}).commit()
    assert a.get({"pk": "same"}) and b.get({"pk": "same"})


def test_100_actions_are_allowed(store, table):
    tx = store.transaction()
    for i in range(100):
        tx.put(table, {"pk": str(i)})
    tx.commit()
    assert table.count() == 100


def test_101_actions_are_rejected(store, table):
    tx = store.transaction()
    for i in range(101):
        tx.put(table, {"pk": str(i)})
    with pytest.raises(ValidationError):
        tx.commit()
    assert table.count() == 0


def test_empty_transaction_is_rejected(store):
    with pytest.raises(ValidationError):
        store.transaction().commit()


def test_commit_twice_is_rejected(store, table):
    tx = store.transaction().put(table, {"pk": "a"})
    tx.commit()
    with pytest.raises(ValidationError):
        tx.commit()


def test_item_too_large_in_transaction(store, table):
    with pytest.raises(ItemTooLarge):
        store.transaction().put(table, {"pk": "a", "d": "x" * 409_600})
    assert table.get({"pk": "a"}) is None


def test_idempotency_token_applies_once(store, table, engine):
    known_difference(engine, "moto", "moto ignores ClientRequestToken")
    token = str(uuid.uuid4())
    for _ in range(2):
        store.transaction(token=token).update(table, {"pk": "counter"}, Attr("n").add(1)).commit()
    assert table.get({"pk": "counter"})["n"] == 1
    store.transaction(token=str(uuid.uuid4())).update(table, {"pk": "counter"}, Attr("n").add(1)).commit()
    assert table.get({"pk": "counter"})["n"] == 2


def test_idempotency_token_reused_for_another_request(store, table, engine):
    known_difference(engine, "moto", "moto ignores ClientRequestToken")
    token = str(uuid.uuid4())
    store.transaction(token=token).update(table, {"pk": "counter"}, Attr("n").add(1)).commit()
    with pytest.raises(IdempotencyMismatch) as info:
        store.transaction(token=token).update(table, {"pk": "counter"}, Attr("n").add(5)).commit()
    assert info.value.code == "IdempotentParameterMismatchException"
    assert table.get({"pk": "counter"})["n"] == 1


@pytest.mark.parametrize("token", ["", "x" * 37, 5], ids=["empty", "too-long", "not-a-string"])
def test_bad_token_is_rejected(store, table, token):
    with pytest.raises(ValidationError):
        store.transaction(token=token).put(table, {"pk": "a"}).commit()  # type: ignore[arg-type]


def test_transact_get(store, two):
    a, b = two
    got = store.transact_get([(a, {"pk": "acct"}), (b, {"pk": "x", "sk": 1}), (a, {"pk": "missing"})])
    assert got == [{"pk": "acct", "balance": 10}, {"pk": "x", "sk": 1, "qty": 5}, None]


def test_transact_get_with_projection(store, two):
    known_difference(store, "moto", "moto ignores ProjectionExpression in TransactGetItems")
    a, b = two
    b.put({"pk": "x", "sk": 2, "qty": 1, "meta": {"a": 1, "b": 2}})
    got = store.transact_get([(b, {"pk": "x", "sk": 2}, ["meta.b", "qty"]), (a, {"pk": "acct"}, ["balance"])])
    assert got == [{"qty": 1, "meta": {"b": 2}}, {"balance": 10}]


def test_transact_get_limits(store, table):
    known_difference(store, "moto", "moto still limits TransactGetItems to 25 items (DynamoDB: 100)")
    with pytest.raises(ValidationError):
        store.transact_get([(table, {"pk": str(i)}) for i in range(101)])
    with pytest.raises(ValidationError):
        store.transact_get([(table, {"pk": "a"}), (table, {"pk": "a"})])
    with pytest.raises(ValidationError):
        store.transact_get([])
    assert store.transact_get([(table, {"pk": str(i)}) for i in range(100)]) == [None] * 100


def test_cancelled_transaction_can_return_the_items_that_failed(store, two):
    a, _ = two
    tx = store.transaction()
    tx.put(a, {"pk": "new"})
    tx.check(a, {"pk": "acct"}, Attr("balance").gt(1000), return_item_on_failure=True)
    with pytest.raises(TransactionCanceled) as e:
        tx.commit()
    assert [r.code for r in e.value.reasons] == ["None", "ConditionalCheckFailed"]
    assert e.value.reasons[0].item is None
    assert e.value.reasons[1].item == a.get({"pk": "acct"})
