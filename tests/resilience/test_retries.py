"""Throttling, transport errors and unprocessed batch items, injected at the HTTP layer
against DynamoDB Local; each test checks what the server ended up holding."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dynastore.engines.dynamodb import DynamoDBEngine
from dynastore.errors import StoreUnavailable, Throttled
from dynastore.expressions import Attr
from dynastore.retry import RetryPolicy
from dynastore.spec import TableSpec
from dynastore.store import Store
from dynastore.table import Table

from . import _faults as faults
from ._proxy import unique_name

FAST = RetryPolicy(max_attempts=5, base_delay=0.001, max_delay=0.01)


def _store(endpoint: str, max_attempts: int = 3, retry: RetryPolicy = FAST) -> Store:
    return Store(DynamoDBEngine(endpoint=endpoint, region="us-east-1", max_attempts=max_attempts), retry=retry)


@pytest.fixture
def store(dynamodb_local_endpoint: str) -> Iterator[Store]:
    s = _store(dynamodb_local_endpoint)
    yield s
    s.close()


def _table(store: Store) -> Table:
    t = store.create_table(TableSpec(name=unique_name("retry"), partition_key=("pk", "S")))
    t.put({"pk": "c", "n": 0})
    return t


def _client(store: Store) -> object:
    return store.engine.client  # type: ignore[attr-defined]


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ThrottlingException"])
def test_throttled_write_is_retried_and_applied_once(store: Store, code: str) -> None:
    t = _table(store)
    inj = faults.Injector(_client(store), "UpdateItem", faults.throttle(2, code))
    t.update({"pk": "c"}, Attr("n").add(1))
    inj.remove()
    assert inj.sends == 3
    assert t.get({"pk": "c"}, consistent=True) == {"pk": "c", "n": 1}
    m = store.metrics
    assert m.value("dynastore_operations_total", table=t.name, operation="update_item") == 1
    assert m.value("dynastore_operation_errors_total", table=t.name, operation="update_item", code=code) == 0


def test_throttling_beyond_max_attempts_raises_throttled_and_writes_nothing(dynamodb_local_endpoint: str) -> None:
    s = _store(dynamodb_local_endpoint, max_attempts=2)
    try:
        t = _table(s)
        inj = faults.Injector(_client(s), "UpdateItem", faults.throttle(10))
        with pytest.raises(Throttled) as exc:
            t.update({"pk": "c"}, Attr("n").add(1))
        inj.remove()
        assert inj.sends == 2  # max_attempts counts the first try
        assert exc.value.code == "ProvisionedThroughputExceededException"
        assert t.get({"pk": "c"}, consistent=True) == {"pk": "c", "n": 0}
        assert s.metrics.value("dynastore_operation_errors_total", table=t.name, operation="update_item",
                               code="ProvisionedThroughputExceededException") == 1
    finally:
        s.close()


def test_refused_connection_is_retried(store: Store) -> None:
    t = _table(store)
    inj = faults.Injector(_client(store), "UpdateItem", faults.refuse_connection(1))
    t.update({"pk": "c"}, Attr("n").add(1))
    inj.remove()
    assert inj.sends == 2
    assert t.get({"pk": "c"}, consistent=True) == {"pk": "c", "n": 1}


def test_unreachable_after_all_attempts_is_store_unavailable(dynamodb_local_endpoint: str) -> None:
    s = _store(dynamodb_local_endpoint, max_attempts=2)
    try:
        t = _table(s)
        inj = faults.Injector(_client(s), "PutItem", faults.refuse_connection(10))
        with pytest.raises(StoreUnavailable, match="cannot reach"):
            t.put({"pk": "x"})
        inj.remove()
        assert inj.sends == 2
        assert t.get({"pk": "x"}, consistent=True) is None
    finally:
        s.close()


def test_lost_response_of_a_put_is_retried_without_duplicates(store: Store) -> None:
    t = _table(store)
    inj = faults.Injector(_client(store), "PutItem", faults.lose_response(1))
    t.put({"pk": "p", "v": 1})
    inj.remove()
    assert inj.sends == 2  # it ran, its answer was lost, botocore sent it again: a put is idempotent
    assert t.get({"pk": "p"}, consistent=True) == {"pk": "p", "v": 1}
    assert t.count() == 2


def test_lost_response_of_a_transaction_is_not_applied_twice(store: Store) -> None:
    t = _table(store)
    inj = faults.Injector(_client(store), "TransactWriteItems", faults.lose_response(1))
    with store.transaction() as tx:  # botocore gives it a ClientRequestToken, kept across retries
        tx.update(t, {"pk": "c"}, Attr("n").add(1))
        tx.put(t, {"pk": "other"})
    inj.remove()
    assert inj.sends == 2
    assert t.get({"pk": "c"}, consistent=True) == {"pk": "c", "n": 1}


def test_unprocessed_batch_writes_are_retried_until_all_land_once(store: Store) -> None:
    t = _table(store)
    inj = faults.Injector(_client(store), "BatchWriteItem", faults.process_part(rounds=4, keep=5))
    written = t.batch_write(puts=[{"pk": f"i{i:02}", "v": i} for i in range(40)], deletes=[{"pk": "c"}])
    inj.remove()
    assert written == 41
    assert inj.sends > 2  # 2 chunks of 25 and 16, then the unprocessed rest
    items = sorted(t.scan(consistent=True), key=lambda i: i["pk"])
    assert items == [{"pk": f"i{i:02}", "v": i} for i in range(40)]
    assert store.metrics.value("dynastore_items_total", table=t.name, operation="batch_write") == 41


def test_unprocessed_batch_keys_are_retried(store: Store) -> None:
    t = _table(store)
    t.batch_write(puts=[{"pk": f"k{i}", "v": i} for i in range(30)])
    inj = faults.Injector(_client(store), "BatchGetItem", faults.process_part(rounds=3, keep=4))
    got = t.batch_get([{"pk": f"k{i}"} for i in range(30)] + [{"pk": "absent"}])
    inj.remove()
    assert sorted(i["v"] for i in got) == list(range(30))
    assert inj.sends >= 4


def test_batch_gives_up_after_the_retry_policy_and_says_how_much_is_left(dynamodb_local_endpoint: str) -> None:
    s = _store(dynamodb_local_endpoint, retry=RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.01))
    try:
        t = _table(s)
        inj = faults.Injector(_client(s), "BatchWriteItem", faults.process_part(rounds=100, keep=2))
        with pytest.raises(Throttled, match="4 items still unprocessed after 3 attempts") as caught:
            t.batch_write(puts=[{"pk": f"i{i}"} for i in range(10)])
        inj.remove()
        assert inj.sends == 3
        assert t.count(consistent=True) == 1 + 6  # the seed item and the 3 x 2 that were processed
        # what is left is on the error: sending it again completes the batch, nothing lost
        left = caught.value.unprocessed_puts
        assert sorted(i["pk"] for i in left) == ["i6", "i7", "i8", "i9"] and not caught.value.unprocessed_deletes
        t.batch_write(puts=left)
        assert {i["pk"] for i in t.scan(consistent=True)} == {"c"} | {f"i{i}" for i in range(10)}
    finally:
        s.close()


def test_batch_get_gives_up_with_the_keys_it_could_not_read(dynamodb_local_endpoint: str) -> None:
    s = _store(dynamodb_local_endpoint, retry=RetryPolicy(max_attempts=2, base_delay=0.001, max_delay=0.01))
    try:
        t = _table(s)
        t.batch_write(puts=[{"pk": f"k{i}"} for i in range(5)], deletes=[{"pk": "c"}])
        inj = faults.Injector(_client(s), "BatchGetItem", faults.process_part(rounds=100, keep=1))
        with pytest.raises(Throttled, match="3 keys still unprocessed after 2 attempts") as caught:
            t.batch_get([{"pk": f"k{i}"} for i in range(5)])
        inj.remove()
        assert caught.value.unprocessed_keys == [{"pk": f"k{i}"} for i in range(2, 5)]
        assert sorted(i["pk"] for i in t.batch_get(caught.value.unprocessed_keys)) == ["k2", "k3", "k4"]
    finally:
        s.close()


def test_botocore_retry_variables_set_the_limits(monkeypatch: pytest.MonkeyPatch, dynamodb_local_endpoint: str) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "4")
    s = Store(DynamoDBEngine(endpoint=dynamodb_local_endpoint, region="us-east-1"))
    try:
        t = _table(s)
        inj = faults.Injector(_client(s), "GetItem", faults.throttle(100, "ThrottlingException"))
        with pytest.raises(Throttled):
            t.get({"pk": "c"})
        inj.remove()
        assert inj.sends == 4
    finally:
        s.close()
