"""TransactionConflict: requests overlapping in time with a transaction on the same item, through boto3 on threads.

The embedded engine runs writes one at a time, so the endpoint holds a request "in progress"
here with an engine that waits, inside the operation, until the test lets it go: while it
waits, other clients' requests on the same items get DynamoDB's conflict answers, and
requests on other items go through.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from dynastore.endpoint import EndpointServer
from dynastore import open_store
from dynastore.endpoint.service import InFlight, Service
from dynastore.endpoint.wire import ApiError
from dynastore.engine import Item
from dynastore.engines.sqlite import SQLiteEngine

TABLE = "conflicts"


class HeldEngine(SQLiteEngine):
    """Transactions with a token starting ``hold`` and puts of items with ``hold`` wait for `release` once begun."""

    def __init__(self, path: str):
        super().__init__(path)
        self.begun = threading.Event()
        self.release = threading.Event()

    def _hold(self) -> None:
        self.begun.set()
        assert self.release.wait(60), "the test never released the held request"

    def transact_write(self, actions: Any, *, token: str | None = None) -> None:
        if token is not None and token.startswith("hold"):
            self._hold()
        super().transact_write(actions, token=token)

    def put_item(self, table: str, item: Item, **kw: Any) -> Item | None:
        if item.get("hold"):
            self._hold()
        return super().put_item(table, item, **kw)


@pytest.fixture
def held() -> Iterator[tuple[Any, HeldEngine, EndpointServer]]:
    engines: list[HeldEngine] = []

    def factory(path: str) -> HeldEngine:
        engines.append(HeldEngine(path))
        return engines[-1]

    with EndpointServer("127.0.0.1", 0, service=Service(None, shared=True, engine_factory=factory),
                        ttl_sweep_seconds=None) as server:
        c = boto3.client("dynamodb", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="k",
                         aws_secret_access_key="s", config=Config(retries={"max_attempts": 1, "mode": "standard"}))
        c.create_table(TableName=TABLE, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                       BillingMode="PAY_PER_REQUEST")
        yield c, engines[0], server
        engines[0].release.set()


def put(pk: str, **extra: Any) -> dict[str, Any]:
    return {"Put": {"TableName": TABLE, "Item": {"pk": {"S": pk}, **extra}}}


def key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}}


def error(call: Any) -> ClientError:
    with pytest.raises(ClientError) as e:
        call()
    return e.value


@contextmanager
def held_pool(engine: HeldEngine) -> Iterator[ThreadPoolExecutor]:
    """Threads for requests; whatever happens in the block, the held request is let go before they are joined."""
    with ThreadPoolExecutor(2) as pool:
        try:
            yield pool
        finally:
            engine.release.set()


def started(c: Any, engine: HeldEngine, pool: ThreadPoolExecutor, request: Any) -> Future[Any]:
    """``request`` sent on another thread, once it is held in progress inside the engine."""
    future = pool.submit(request)
    assert engine.begun.wait(30), "the held request never reached the engine"
    return future


def test_requests_on_an_item_of_a_transaction_in_progress_conflict(held: tuple[Any, HeldEngine, Any]) -> None:
    c, engine, _ = held
    c.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "v": {"N": "0"}})
    with held_pool(engine) as pool:
        first = started(c, engine, pool, lambda: c.transact_write_items(
            TransactItems=[put("a", v={"N": "1"}), put("b", v={"N": "1"})], ClientRequestToken="hold-1"))

        # another transaction on one of its items is cancelled, with the reason at that item's place
        e = error(lambda: c.transact_write_items(TransactItems=[put("c"), {"Update": {
            "TableName": TABLE, "Key": key("b"), "UpdateExpression": "SET v = :v",
            "ExpressionAttributeValues": {":v": {"N": "2"}}}}]))
        assert e.response["Error"]["Code"] == "TransactionCanceledException"
        assert e.response["Error"]["Message"] == ("Transaction cancelled, please refer cancellation reasons for "
                                                  "specific reasons [None, TransactionConflict]")
        assert e.response["CancellationReasons"] == [
            {"Code": "None"}, {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}]

        # single writes of its items fail with TransactionConflictException
        for call in (lambda: c.put_item(TableName=TABLE, Item=key("a")),
                     lambda: c.delete_item(TableName=TABLE, Key=key("b")),
                     lambda: c.update_item(TableName=TABLE, Key=key("a"), UpdateExpression="SET w = :w",
                                           ExpressionAttributeValues={":w": {"N": "1"}})):
            e = error(call)
            assert (e.response["Error"]["Code"], e.response["Error"]["Message"]) == (
                "TransactionConflictException", "Transaction is ongoing for the item")

        # the same transaction sent again (an SDK's retry) while the first is in progress
        e = error(lambda: c.transact_write_items(
            TransactItems=[put("a", v={"N": "1"}), put("b", v={"N": "1"})], ClientRequestToken="hold-1"))
        assert e.response["Error"]["Code"] == "TransactionInProgressException"

        # a transactional read of them is cancelled too; a plain read is not
        e = error(lambda: c.transact_get_items(TransactItems=[{"Get": {"TableName": TABLE, "Key": key("a")}}]))
        assert e.response["CancellationReasons"] == [
            {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}]
        assert c.get_item(TableName=TABLE, Key=key("a"))["Item"]["v"] == {"N": "0"}

        # other items go through, alone, in batches and in transactions
        c.put_item(TableName=TABLE, Item=key("d"))
        c.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": key("e")}}]})
        c.transact_write_items(TransactItems=[put("f")])

        engine.release.set()
        first.result(timeout=30)
    # the held transaction was written whole; the cancelled one and the refused writes left nothing
    assert c.get_item(TableName=TABLE, Key=key("a"))["Item"] == {"pk": {"S": "a"}, "v": {"N": "1"}}
    assert c.get_item(TableName=TABLE, Key=key("b"))["Item"] == {"pk": {"S": "b"}, "v": {"N": "1"}}
    assert "Item" not in c.get_item(TableName=TABLE, Key=key("c"))
    # once it is over, the token answers idempotently and the items are free again
    c.transact_write_items(TransactItems=[put("a", v={"N": "1"}), put("b", v={"N": "1"})], ClientRequestToken="hold-1")
    c.transact_write_items(TransactItems=[put("a", v={"N": "3"})])
    c.put_item(TableName=TABLE, Item=key("b"))


def test_a_transactional_read_of_an_item_being_written_is_cancelled(held: tuple[Any, HeldEngine, Any]) -> None:
    c, engine, _ = held
    with held_pool(engine) as pool:
        write = started(c, engine, pool, lambda: c.put_item(TableName=TABLE, Item={"pk": {"S": "w"},
                                                                                     "hold": {"BOOL": True}}))
        e = error(lambda: c.transact_get_items(TransactItems=[{"Get": {"TableName": TABLE, "Key": key("x")}},
                                                              {"Get": {"TableName": TABLE, "Key": key("w")}}]))
        assert e.response["CancellationReasons"] == [
            {"Code": "None"}, {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}]
        # a write transaction is not refused for a single write in progress (DynamoDB documents no such
        # conflict): the engine runs the two one after the other
        c.transact_write_items(TransactItems=[put("w", v={"N": "9"})])
        engine.release.set()
        write.result(timeout=30)
    assert c.get_item(TableName=TABLE, Key=key("w"))["Item"] == {"pk": {"S": "w"}, "hold": {"BOOL": True}}


class SeenInFlight(InFlight):
    """`InFlight` that says when it has refused a write."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = threading.Event()

    @contextmanager
    def writes(self, markers: Any, *, refuse: bool = True) -> Iterator[None]:
        try:
            with super().writes(markers, refuse=refuse):
                yield
        except ApiError as e:
            if e.code == "TransactionConflictException":
                self.refused.set()
            raise


def test_dynastore_retries_what_dynamodb_refuses_for_a_transaction_in_progress(
        held: tuple[Any, HeldEngine, EndpointServer]) -> None:
    """dynastore's DynamoDB engine sends a write (or a transaction) refused only for a conflict again after a
    backoff, as DynamoDB advises: it lands once the transaction is over."""
    c, engine, server = held
    seen = SeenInFlight()
    server.service.namespace("k", "us-east-1").in_flight = seen
    store = open_store(f"dynamodb://?endpoint={server.url}&region=us-east-1")
    try:
        with held_pool(engine) as pool:
            first = started(c, engine, pool, lambda: c.transact_write_items(
                TransactItems=[put("a", v={"N": "1"})], ClientRequestToken="hold-2"))
            table = store.table(TABLE)
            write = pool.submit(lambda: table.put({"pk": "a", "v": 2}))
            assert seen.refused.wait(30), "the write was never refused"
            engine.release.set()
            first.result(timeout=30)
            write.result(timeout=60)
        assert table.get({"pk": "a"}) == {"pk": "a", "v": 2}
    finally:
        store.close()
