"""The DynamoDB engine against DynamoDB Local: request mapping, pagination
plumbing, waiting, options and error translation.

Behaviours every engine shares are pinned by the conformance suite; these
tests cover what is specific to talking to DynamoDB through botocore.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError
from botocore.stub import Stubber

from dynastore import (
    Attr,
    ConditionFailed,
    CredentialsExpired,
    DynastoreError,
    IdempotencyMismatch,
    Index,
    ItemTooLarge,
    Key,
    StoreUnavailable,
    TableExists,
    TableNotFound,
    TableSpec,
    Throttled,
    TransactionCanceled,
    ValidationError,
    if_not_exists,
    open_store,
)
from dynastore.engine import BatchGetRequest, WriteRequest
from dynastore.engines.dynamodb import DynamoDBEngine
from dynastore.expressions import KeyCondition, Path
from dynastore.store import Store
from dynastore.testing import dynamodb_local, free_port

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="DynamoDB Local needs java")


# Tests that rely on DynamoDB Local itself (one database per access key, any credentials accepted).
local_only = pytest.mark.skipif(
    bool(os.environ.get("DYNASTORE_TEST_DYNAMODB_ENDPOINT")), reason="needs DynamoDB Local, not a custom endpoint"
)


@dataclass(frozen=True)
class Server:
    endpoint: str


@pytest.fixture(scope="module")
def server(dynamodb_local_endpoint: str) -> Server:
    """DynamoDB Local, started once per session by tests/conftest.py."""
    return Server(dynamodb_local_endpoint)


@pytest.fixture
def no_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """An environment with no AWS credentials, region or profile."""
    for var in (
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def _url(server: Server, **params: str) -> str:
    extra = "".join(f"&{k}={v}" for k, v in params.items())
    return f"dynamodb://?endpoint={server.endpoint}&region=us-east-1{extra}"


@pytest.fixture
def store(server: Server) -> Iterator[Store]:
    # A fresh prefix per test: tables never collide, and list_tables sees only this test's.
    with open_store(_url(server, table_prefix=f"t{uuid.uuid4().hex[:8]}_")) as s:
        yield s


@pytest.fixture
def engine(store: Store) -> DynamoDBEngine:
    assert isinstance(store.engine, DynamoDBEngine)
    return store.engine


SIMPLE = TableSpec(name="simple", partition_key=("pk", "S"))
SORTED = TableSpec(name="sorted", partition_key=("pk", "S"), sort_key=("sk", "N"))


# -- construction and options ------------------------------------------------------


def test_url_options_are_parsed_and_validated(server: Server) -> None:
    with open_store(_url(server, max_attempts="2", max_pool_connections="7", read_timeout="5",
                         parameter_validation="true", table_prefix="app_")) as s:
        e = s.engine
        assert isinstance(e, DynamoDBEngine) and e.kind == "dynamodb"
        assert e.client.meta.config.retries == {"mode": "standard", "total_max_attempts": 2}
        assert e.client.meta.config.max_pool_connections == 7
        assert e.client.meta.config.parameter_validation is True
        assert e.table_prefix == "app_"
        assert e.region == "us-east-1"
    with pytest.raises(ValidationError, match="unknown DynamoDB engine option.*bogus"):
        open_store(_url(server, bogus="1"))
    with pytest.raises(ValidationError, match="max_attempts must be an integer"):
        open_store(_url(server, max_attempts="many"))
    with pytest.raises(ValidationError, match="table_prefix"):
        DynamoDBEngine(endpoint=server.endpoint, table_prefix="bad prefix/")
    with pytest.raises(ValidationError, match="go together"):
        DynamoDBEngine(endpoint=server.endpoint, aws_access_key_id="x")
    with pytest.raises(ValidationError, match="endpoint must be an http"):
        DynamoDBEngine(endpoint="127.0.0.1:8000", region="us-east-1")
    with pytest.raises(ValidationError, match="retry_mode"):
        DynamoDBEngine(endpoint=server.endpoint, retry_mode="eager")


def test_default_pool_and_retry_config(server: Server) -> None:
    e = DynamoDBEngine(endpoint=server.endpoint, region="us-east-1")
    try:
        assert e.client.meta.config.max_pool_connections == 50
        assert e.client.meta.config.retries["mode"] == "standard"
    finally:
        e.close()


@local_only
@pytest.mark.usefixtures("no_aws_env")
def test_local_endpoint_needs_no_region_or_credentials(server: Server) -> None:
    e = DynamoDBEngine(endpoint=server.endpoint)
    try:
        assert e.region == "us-east-1"
        creds = e.client._request_signer._credentials
        assert (creds.access_key, creds.secret_key) == ("dynastore", "dynastore")
        e.list_tables()  # DynamoDB Local accepts them
    finally:
        e.close()


@pytest.mark.usefixtures("no_aws_env")
def test_aws_without_region_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="no AWS region"):
        DynamoDBEngine()
    with pytest.raises(ValidationError, match="no AWS region"):
        open_store("dynamodb://")


@pytest.mark.usefixtures("no_aws_env")
def test_region_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")
    e = DynamoDBEngine()
    assert e.region == "eu-west-3"
    e.close()
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    e = DynamoDBEngine()
    assert e.region == "ap-south-1"
    e.close()


@pytest.mark.usefixtures("no_aws_env")
def test_missing_credentials_on_aws_raise_credentials_expired() -> None:
    e = DynamoDBEngine(region="eu-west-1")
    with pytest.raises(CredentialsExpired, match="no usable AWS credentials") as info:
        e.list_tables()
    assert isinstance(info.value.cause, BotoCoreError)
    e.close()


@pytest.mark.usefixtures("no_aws_env")
def test_unknown_profile_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="nope"):
        DynamoDBEngine(profile="nope")


@local_only
def test_explicit_credentials_are_used(server: Server) -> None:
    # DynamoDB Local keeps one database per access key: explicit keys see their own tables.
    a = DynamoDBEngine(endpoint=server.endpoint, aws_access_key_id="alice", aws_secret_access_key="s")
    b = DynamoDBEngine(endpoint=server.endpoint, aws_access_key_id="bob", aws_secret_access_key="s",
                       aws_session_token="tok")
    try:
        a.create_table(TableSpec(name="only_alice", partition_key=("pk", "S")))
        assert "only_alice" in a.list_tables()
        assert "only_alice" not in b.list_tables()
    finally:
        a.delete_table("only_alice")
        a.close()
        b.close()


# -- tables ------------------------------------------------------------------------


def test_create_table_maps_keys_indexes_and_projections(store: Store, engine: DynamoDBEngine) -> None:
    spec = TableSpec(
        name="events",
        partition_key=("user", "S"),
        sort_key=("ts", "N"),
        indexes=[
            Index("ByKind", partition_key=("kind", "S"), sort_key=("ts", "N"), projection=("title", "status")),
            Index("ByDay", partition_key=("day", "S"), projection="KEYS_ONLY"),
            Index("ByScore", sort_key=("score", "N"), local=True),
        ],
        ttl_attribute="expires",
    )
    store.create_table(spec)
    raw = engine.client.describe_table(TableName=engine.table_prefix + "events")["Table"]
    assert sorted((d["AttributeName"], d["AttributeType"]) for d in raw["AttributeDefinitions"]) == [
        ("day", "S"), ("kind", "S"), ("score", "N"), ("ts", "N"), ("user", "S")
    ]
    gsis = {g["IndexName"]: g for g in raw["GlobalSecondaryIndexes"]}
    assert gsis["ByKind"]["Projection"]["ProjectionType"] == "INCLUDE"
    assert sorted(gsis["ByKind"]["Projection"]["NonKeyAttributes"]) == ["status", "title"]
    assert gsis["ByDay"]["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert gsis["ByDay"]["KeySchema"] == [{"AttributeName": "day", "KeyType": "HASH"}]
    (lsi,) = raw["LocalSecondaryIndexes"]
    assert lsi["KeySchema"] == [{"AttributeName": "user", "KeyType": "HASH"},
                                {"AttributeName": "score", "KeyType": "RANGE"}]
    assert raw["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"

    info = store.describe("events")
    assert info.status == "ACTIVE"
    assert info.index_status == {"ByKind": "ACTIVE", "ByDay": "ACTIVE", "ByScore": "ACTIVE"}
    want = spec.server_view()
    got = info.spec
    assert {i.name: i for i in got.indexes} == {i.name: i for i in want.indexes}
    assert (got.partition_key, got.sort_key, got.ttl_attribute, got.billing_mode) == (
        want.partition_key, want.sort_key, "expires", "PAY_PER_REQUEST"
    )
    # create_table again is idempotent (reconciled, not re-created)
    store.create_table(spec)
    # the engine itself refuses a second create
    with pytest.raises(TableExists) as exc:
        engine.create_table(spec.server_view())
    assert exc.value.code == "ResourceInUseException"


def test_provisioned_billing_round_trips(store: Store, engine: DynamoDBEngine) -> None:
    spec = TableSpec(
        name="prov", partition_key=("pk", "S"), billing_mode="PROVISIONED", read_capacity=3, write_capacity=4,
        indexes=[Index("Gi1", partition_key=("g", "S")), Index("Gi2", partition_key=("h", "S"),
                                                                read_capacity=7, write_capacity=8)],
    )
    store.create_table(spec)
    raw = engine.client.describe_table(TableName=engine.table_prefix + "prov")["Table"]
    assert raw["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
    assert raw["ProvisionedThroughput"]["WriteCapacityUnits"] == 4
    tp = {g["IndexName"]: g["ProvisionedThroughput"] for g in raw["GlobalSecondaryIndexes"]}
    assert (tp["Gi1"]["ReadCapacityUnits"], tp["Gi1"]["WriteCapacityUnits"]) == (3, 4)
    assert (tp["Gi2"]["ReadCapacityUnits"], tp["Gi2"]["WriteCapacityUnits"]) == (7, 8)
    got = store.describe("prov").spec
    assert (got.billing_mode, got.read_capacity, got.write_capacity) == ("PROVISIONED", 3, 4)
    assert {i.name: (i.read_capacity, i.write_capacity) for i in got.indexes} == {"Gi1": (None, None), "Gi2": (7, 8)}
    # add_index on a provisioned table gives the new index throughput too
    engine.add_index("prov", Index("Gi3", partition_key=("k", "N")))
    assert store.describe("prov").index_status["Gi3"] == "ACTIVE"


def test_add_index_backfills_and_waits(store: Store) -> None:
    t = store.create_table(SORTED)
    t.batch_write([{"pk": "p", "sk": i, "color": "red" if i % 2 else "blue"} for i in range(6)])
    spec2 = TableSpec(name="sorted", partition_key=("pk", "S"), sort_key=("sk", "N"),
                      indexes=[Index("ByColor", partition_key=("color", "S"), sort_key=("sk", "N"))])
    t2 = store.create_table(spec2)  # reconcile -> add_index -> wait until ACTIVE
    assert store.describe("sorted").index_status == {"ByColor": "ACTIVE"}
    assert [i["sk"] for i in t2.query(Key("color").eq("red"), index="ByColor")] == [1, 3, 5]
    with pytest.raises(ValidationError, match="local index"):
        store.engine.add_index("sorted", Index("Loc", partition_key=("pk", "S"), sort_key=("x", "S"), local=True))


def test_set_ttl_enable_switch_disable(store: Store, engine: DynamoDBEngine) -> None:
    store.create_table(SIMPLE)
    engine.set_ttl("simple", "exp")
    engine.set_ttl("simple", "exp")  # idempotent (DynamoDB itself refuses enabling twice)
    assert store.describe("simple").spec.ttl_attribute == "exp"
    engine.set_ttl("simple", None)
    assert store.describe("simple").spec.ttl_attribute is None
    engine.set_ttl("simple", None)
    engine.set_ttl("simple", "other")
    assert store.describe("simple").spec.ttl_attribute == "other"


def test_delete_and_list_tables_paginate_to_the_end(store: Store, engine: DynamoDBEngine) -> None:
    names = ["tab_c", "tab_a", "tab_b", "tab_d"]
    for n in names:
        store.create_table(TableSpec(name=n, partition_key=("pk", "S")))
    calls = []

    def one_per_page(params: dict[str, Any], **_: Any) -> None:
        params["Limit"] = 1
        calls.append(dict(params))

    engine.client.meta.events.register("provide-client-params.dynamodb.ListTables", one_per_page)
    assert store.tables() == sorted(names)
    assert len(calls) >= len(names)  # one page per table at least, with all prefixes' tables
    engine.client.meta.events.unregister("provide-client-params.dynamodb.ListTables", one_per_page)
    store.delete_table("tab_b")
    assert store.tables() == ["tab_a", "tab_c", "tab_d"]
    with pytest.raises(TableNotFound, match="tab_b"):
        store.delete_table("tab_b")
    with pytest.raises(TableNotFound, match="tab_b") as exc:
        store.describe("tab_b")
    assert exc.value.code == "ResourceNotFoundException"
    assert isinstance(exc.value.cause, ClientError)


def test_table_prefix_isolates_stores(server: Server) -> None:
    with open_store(_url(server, table_prefix="one_")) as a, open_store(_url(server, table_prefix="two_")) as b:
        a.create_table(TableSpec(name="shared", partition_key=("pk", "S"))).put({"pk": "x", "who": "a"})
        b.create_table(TableSpec(name="shared", partition_key=("pk", "S"))).put({"pk": "x", "who": "b"})
        assert a.table("shared").get({"pk": "x"})["who"] == "a"
        assert b.table("shared").get({"pk": "x"})["who"] == "b"
        assert "shared" in a.tables() and "one_shared" not in a.tables()
        got, _ = a.engine.batch_get({"shared": BatchGetRequest([{"pk": "x"}])})
        assert got == {"shared": [{"pk": "x", "who": "a"}]}
        a.delete_table("shared")
        b.delete_table("shared")


# -- items and expressions ---------------------------------------------------------


def test_values_and_reserved_words_round_trip(store: Store, engine: DynamoDBEngine) -> None:
    t = store.create_table(SIMPLE)
    item = {
        "pk": "k", "status": "open", "name": "n", "size": 3, "a.b": "dotted", "f": 0.1, "big": 10**37,
        "d": Decimal("-1.25"), "bin": b"\x00\xff", "flag": True, "nothing": None,
        "tags": {"x", "y"}, "nums": {1, Decimal("2.5")}, "blobs": {b"a"}, "list": [1, "two", [3]],
        "map": {"nested": {"deep": [True]}},
    }
    t.put(item)
    got = t.get({"pk": "k"}, consistent=True)
    assert got == {**item, "f": Decimal("0.1")}
    assert type(got["size"]) is int and got["bin"] == b"\x00\xff"
    # attribute names that are reserved words or contain dots go through placeholders
    t.update({"pk": "k"}, [Attr("status").set("closed"), Attr(Path(("a.b",))).remove(),
                           Attr("size").set(Attr("size") + 1), Attr("tags").add({"z"})],
             condition=Attr("name").eq("n") & Attr("status").is_in(["open", "pending"]))
    got = t.get({"pk": "k"}, projection=["status", "size", "tags", "map.nested.deep[0]"])
    assert got == {"status": "closed", "size": 4, "tags": {"x", "y", "z"}, "map": {"nested": {"deep": [True]}}}


def test_return_values(store: Store) -> None:
    t = store.create_table(SIMPLE)
    assert t.put({"pk": "a", "v": 1}, return_old=True).old is None
    assert t.put({"pk": "a", "v": 2}, return_old=True).old == {"pk": "a", "v": 1}
    assert t.update({"pk": "a"}, Attr("v").set(3)) is None
    assert t.update({"pk": "a"}, Attr("v").set(4), return_values="UPDATED_OLD") == {"v": 3}
    assert t.update({"pk": "a"}, Attr("w").set(5), return_values="ALL_NEW") == {"pk": "a", "v": 4, "w": 5}
    assert t.update({"pk": "a"}, Attr("w").remove(), return_values="UPDATED_NEW") is None
    assert t.delete({"pk": "a"}, return_old=True) == {"pk": "a", "v": 4}
    assert t.delete({"pk": "a"}, return_old=True) is None


def test_query_request_mapping(store: Store, engine: DynamoDBEngine) -> None:
    t = store.create_table(TableSpec(
        name="qqq", partition_key=("pk", "S"), sort_key=("sk", "S"),
        indexes=[Index("ByN", partition_key=("g", "S"), sort_key=("n", "N"))],
    ))
    t.batch_write([{"pk": "p", "sk": f"s{i:02}", "g": "G", "n": i, "odd": i % 2 == 1} for i in range(20)])
    sent: list[dict[str, Any]] = []
    engine.client.meta.events.register("provide-client-params.dynamodb.Query",
                                       lambda params, **_: sent.append(dict(params)))
    keys = lambda res: [i["sk"] for i in res]  # noqa: E731
    assert keys(t.query(Key("pk").eq("p") & Key("sk").between("s03", "s05"))) == ["s03", "s04", "s05"]
    assert sent[-1]["KeyConditionExpression"] == "#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2"
    assert sent[-1]["ExpressionAttributeNames"] == {"#n0": "pk", "#n1": "sk"}
    assert "ScanIndexForward" not in sent[-1] and "ConsistentRead" not in sent[-1]
    assert keys(t.query(Key("pk").eq("p") & Key("sk").begins_with("s1"), reverse=True, consistent=True))[:2] == [
        "s19", "s18"]
    assert sent[-1]["ScanIndexForward"] is False and sent[-1]["ConsistentRead"] is True
    for op, want in (("lt", 2), ("lte", 3), ("gt", 2), ("gte", 3), ("eq", 1)):
        cond = Key("pk").eq("p") & getattr(Key("sk"), op)("s02" if op in ("lt", "lte") else
                                                          "s17" if op in ("gt", "gte") else "s07")
        assert len(t.query(cond).all()) == want, op
    # pages: Limit and ExclusiveStartKey plumbing, filter after the limit
    res = t.query(Key("pk").eq("p"), filter=Attr("odd").eq(True), page_size=4)
    pages = list(res.pages())
    # a Limit that ends exactly at the end of the partition still returns a key: one empty page more
    assert [len(p.items) for p in pages] == [2, 2, 2, 2, 2, 0]
    assert sum(p.scanned_count for p in pages) == 20
    assert all(s.get("Limit") == 4 for s in sent[-6:])
    assert "ExclusiveStartKey" not in sent[-6]
    assert sent[-5]["ExclusiveStartKey"] == {"pk": {"S": "p"}, "sk": {"S": "s03"}}
    # index query: LastEvaluatedKey carries index and table keys
    page = store.engine.query("qqq", KeyCondition("g", "G", "n", ">=", (5,)), index="ByN", limit=3)
    assert [i["n"] for i in page.items] == [5, 6, 7]
    assert page.last_key == {"pk": "p", "sk": "s07", "g": "G", "n": 7}
    assert sent[-1]["IndexName"] == "ByN"
    # count only
    page = store.engine.query("qqq", KeyCondition("pk", "p"), filter=Attr("n").lt(5), count_only=True)
    assert (page.items, page.count, page.scanned_count, page.last_key) == ([], 5, 20, None)
    assert sent[-1]["Select"] == "COUNT"
    assert t.count(Key("pk").eq("p")) == 20


def test_scan_segments_and_projection(store: Store, engine: DynamoDBEngine) -> None:
    t = store.create_table(SIMPLE)
    t.batch_write([{"pk": f"k{i}", "v": i, "status": "s"} for i in range(30)])
    seen: list[str] = []
    for seg in range(3):
        seen += [i["pk"] for i in t.scan(segment=seg, total_segments=3, projection=["pk"])]
    assert sorted(seen) == sorted(f"k{i}" for i in range(30))
    assert len(t.parallel_scan(4)) == 30
    page = engine.scan("simple", projection=[Path(("status",))], limit=5, consistent=True)
    assert page.items == [{"status": "s"}] * 5 and page.last_key is not None and set(page.last_key) == {"pk"}
    page = engine.scan("simple", filter=Attr("v").gte(25), count_only=True)
    assert (page.count, page.scanned_count, page.items) == (5, 30, [])
    assert t.count(filter=Attr("v").lt(10)) == 10


def test_batch_get_and_write(store: Store, engine: DynamoDBEngine) -> None:
    a = store.create_table(SIMPLE)
    b = store.create_table(SORTED)
    unprocessed = engine.batch_write({
        "simple": [WriteRequest("put", {"pk": f"k{i}", "v": i}) for i in range(10)],
        "sorted": [WriteRequest("put", {"pk": "p", "sk": i}) for i in range(5)],
    })
    assert unprocessed == {}
    got, missing = engine.batch_get({
        "simple": BatchGetRequest([{"pk": "k1"}, {"pk": "k2"}, {"pk": "nope"}], consistent=True,
                                  projection=(Path(("v",)),)),
        "sorted": BatchGetRequest([{"pk": "p", "sk": 4}]),
    })
    assert missing == {}
    assert sorted(got["simple"], key=lambda i: i["v"]) == [{"v": 1}, {"v": 2}]
    assert got["sorted"] == [{"pk": "p", "sk": 4}]
    assert engine.batch_write({"simple": [WriteRequest("delete", {"pk": "k1"})]}) == {}
    assert a.get({"pk": "k1"}) is None
    assert [i["v"] for i in a.batch_get([{"pk": f"k{i}"} for i in range(9, -1, -1)])] == list(range(9, 1, -1)) + [0]
    assert b.batch_write(deletes=[{"pk": "p", "sk": i} for i in range(5)]) == 5
    assert b.scan().all() == []
    assert engine.batch_get({}) == ({}, {}) and engine.batch_write({}) == {}


def test_unprocessed_items_come_back_as_requests(engine: DynamoDBEngine) -> None:
    p = engine.table_prefix
    with Stubber(engine.client) as stub:
        stub.add_response("batch_write_item", {"UnprocessedItems": {p + "tbl": [
            {"PutRequest": {"Item": {"pk": {"S": "a"}, "n": {"N": "1.50"}}}},
            {"DeleteRequest": {"Key": {"pk": {"S": "b"}}}},
        ]}})
        stub.add_response("batch_get_item", {"Responses": {p + "tbl": [{"pk": {"S": "c"}}]},
                                             "UnprocessedKeys": {p + "tbl": {"Keys": [{"pk": {"S": "d"}}]}}})
        out = engine.batch_write({"tbl": [WriteRequest("put", {"pk": "a", "n": Decimal("1.5")}),
                                          WriteRequest("delete", {"pk": "b"})]})
        assert out == {"tbl": [WriteRequest("put", {"pk": "a", "n": Decimal("1.5")}),
                               WriteRequest("delete", {"pk": "b"})]}
        got, keys = engine.batch_get({"tbl": BatchGetRequest([{"pk": "c"}, {"pk": "d"}])})
        assert got == {"tbl": [{"pk": "c"}]} and keys == {"tbl": [{"pk": "d"}]}


# -- transactions ------------------------------------------------------------------


def test_transactions(store: Store) -> None:
    t = store.create_table(SIMPLE)
    u = store.create_table(SORTED)
    t.put({"pk": "stock", "qty": 1})
    t.put({"pk": "flag"})
    with store.transaction() as tx:
        tx.put(u, {"pk": "order", "sk": 1, "status": "new"}, condition=Attr("pk").not_exists())
        tx.update(t, {"pk": "stock"}, Attr("qty").set(Attr("qty") - 1), condition=Attr("qty").gt(0))
        tx.check(t, {"pk": "flag"}, Attr("pk").exists())
        tx.delete(t, {"pk": "gone"})
    assert t.get({"pk": "stock"}) == {"pk": "stock", "qty": 0}
    got = store.transact_get([(u, {"pk": "order", "sk": 1}, ["status"]), (t, {"pk": "nope"}), (t, {"pk": "stock"})])
    assert got == [{"status": "new"}, None, {"pk": "stock", "qty": 0}]

    with pytest.raises(TransactionCanceled) as exc:
        with store.transaction() as tx:
            tx.put(t, {"pk": "new"})
            tx.update(t, {"pk": "stock"}, Attr("qty").set(Attr("qty") - 1), condition=Attr("qty").gt(0))
    err = exc.value
    assert err.code == "TransactionCanceledException" and isinstance(err.cause, ClientError)
    assert [r.code for r in err.reasons] == ["None", "ConditionalCheckFailed"]
    assert err.reasons[1].message == "The conditional request failed"
    assert t.get({"pk": "new"}) is None


def test_transaction_token_is_sent(store: Store, engine: DynamoDBEngine) -> None:
    t = store.create_table(SIMPLE)
    sent: list[dict[str, Any]] = []
    engine.client.meta.events.register("provide-client-params.dynamodb.TransactWriteItems",
                                       lambda params, **_: sent.append(dict(params)))
    token = uuid.uuid4().hex
    for _ in range(2):  # the same request twice with one token is a no-op the second time
        with store.transaction(token=token) as tx:
            tx.update(t, {"pk": "c"}, Attr("n").set(if_not_exists("n", 0) + 1))
    assert sent[-1]["ClientRequestToken"] == token
    assert t.get({"pk": "c"})["n"] == 1
    with pytest.raises(IdempotencyMismatch) as exc, store.transaction(token=token) as tx:
        tx.update(t, {"pk": "c"}, Attr("n").set(99))
    assert exc.value.code == "IdempotentParameterMismatchException"


# -- errors ------------------------------------------------------------------------


def test_condition_failed_keeps_code_and_cause(store: Store, engine: DynamoDBEngine) -> None:
    t = store.create_table(SIMPLE)
    t.put({"pk": "a"})
    with pytest.raises(ConditionFailed) as exc:
        engine.put_item("simple", {"pk": "a"}, condition=Attr("pk").not_exists())
    assert exc.value.code == "ConditionalCheckFailedException"
    assert exc.value.message == "The conditional request failed"
    assert isinstance(exc.value.cause, ClientError)
    with pytest.raises(ConditionFailed) as exc2:
        t.put({"pk": "a"}, condition=Attr("pk").not_exists())
    assert exc2.value.code == "ConditionalCheckFailedException"
    with pytest.raises(ConditionFailed):
        t.delete({"pk": "a"}, condition=Attr("x").exists())
    with pytest.raises(ConditionFailed):
        t.update({"pk": "zz"}, Attr("x").set(1), condition=Attr("pk").exists())


def test_missing_table_names_the_table(engine: DynamoDBEngine) -> None:
    calls = [
        lambda: engine.get_item("ghost", {"pk": "a"}),
        lambda: engine.put_item("ghost", {"pk": "a"}),
        lambda: engine.query("ghost", KeyCondition("pk", "a")),
        lambda: engine.scan("ghost"),
        lambda: engine.describe_table("ghost"),
        lambda: engine.set_ttl("ghost", "x"),
        lambda: engine.batch_get({"ghost": BatchGetRequest([{"pk": "a"}])}),
        lambda: engine.batch_write({"ghost": [WriteRequest("put", {"pk": "a"})]}),
    ]
    for call in calls:
        with pytest.raises(TableNotFound, match="ghost") as exc:
            call()
        assert exc.value.code == "ResourceNotFoundException"


def test_item_too_large_after_update(store: Store) -> None:
    t = store.create_table(SIMPLE)
    t.put({"pk": "a", "x": "y" * 300_000})
    with pytest.raises(ItemTooLarge) as exc:
        t.update({"pk": "a"}, Attr("z").set("y" * 200_000))
    assert exc.value.code == "ValidationException"
    assert "exceeded" in exc.value.message


def test_server_validation_errors_map_to_validation_error(engine: DynamoDBEngine, store: Store) -> None:
    store.create_table(SIMPLE)
    with pytest.raises(ValidationError) as exc:
        engine.get_item("simple", {"wrong": "a"})
    assert exc.value.code == "ValidationException" and isinstance(exc.value.cause, ClientError)


def test_stopped_endpoint_raises_store_unavailable() -> None:
    e = DynamoDBEngine(endpoint=f"http://127.0.0.1:{free_port()}", max_attempts=1, connect_timeout=2)
    with pytest.raises(StoreUnavailable, match="cannot reach") as exc:
        e.get_item("t", {"pk": "a"})
    assert isinstance(exc.value.cause, BotoCoreError)
    e.close()


def test_server_that_goes_away(server: Server) -> None:
    with dynamodb_local() as srv:
        s = open_store(_url(srv, max_attempts="1"))
        s.create_table(SIMPLE).put({"pk": "a"})
    with pytest.raises(StoreUnavailable):
        s.table("simple").get({"pk": "a"})
    s.close()


def test_closed_engine_is_unusable(server: Server) -> None:
    e = DynamoDBEngine(endpoint=server.endpoint)
    e.close()
    e.close()
    with pytest.raises(StoreUnavailable, match="closed"):
        e.list_tables()


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("ProvisionedThroughputExceededException", Throttled),
        ("ThrottlingException", Throttled),
        ("RequestLimitExceeded", Throttled),
        ("InvalidSignatureException", CredentialsExpired),  # UnrecognizedClient... refreshes: tests/resilience
        ("AccessDeniedException", DynastoreError),
        ("InternalServerError", StoreUnavailable),
        ("ItemCollectionSizeLimitExceededException", DynastoreError),
        ("SomethingNew", DynastoreError),
    ],
)
def test_error_codes_map_by_meaning(engine: DynamoDBEngine, code: str, cls: type[DynastoreError]) -> None:
    with Stubber(engine.client) as stub:
        stub.add_client_error("put_item", service_error_code=code, service_message=f"msg {code}")
        with pytest.raises(cls) as exc:
            engine.put_item("t", {"pk": "a"})
    assert type(exc.value) is cls
    assert exc.value.code == code and exc.value.message == f"msg {code}"
    assert isinstance(exc.value.cause, ClientError)


def test_cancellation_reasons_with_items_and_from_message(engine: DynamoDBEngine) -> None:
    with Stubber(engine.client) as stub:
        stub.add_client_error(
            "transact_write_items", service_error_code="TransactionCanceledException",
            service_message="Transaction cancelled [None, ConditionalCheckFailed]",
            modeled_fields={"CancellationReasons": [
                {"Code": "None"},
                {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed",
                 "Item": {"pk": {"S": "b"}, "n": {"N": "2"}}},
            ]},
        )
        stub.add_client_error(
            "transact_write_items", service_error_code="TransactionCanceledException",
            # (with a failed condition: a cancellation for conflicts alone is sent again, see _conflicts_retried)
            service_message="Transaction cancelled, please refer cancellation reasons for specific reasons "
                            "[TransactionConflict, ConditionalCheckFailed]",
        )
        from dynastore.engine import TxAction

        acts = [TxAction("put", "t", {"pk": "a"}), TxAction("delete", "t", {"pk": "b"})]
        with pytest.raises(TransactionCanceled) as exc:
            engine.transact_write(acts)
        assert [(r.code, r.item) for r in exc.value.reasons] == [("None", None),
                                                                ("ConditionalCheckFailed", {"pk": "b", "n": 2})]
        with pytest.raises(TransactionCanceled) as exc:
            engine.transact_write(acts)
        assert [r.code for r in exc.value.reasons] == ["TransactionConflict", "ConditionalCheckFailed"]


def test_expired_credentials_rebuild_the_client_and_retry(store: Store, engine: DynamoDBEngine) -> None:
    t = store.create_table(SIMPLE)
    t.put({"pk": "a"})
    old = engine.client
    with Stubber(old) as stub:
        stub.add_client_error("get_item", service_error_code="ExpiredTokenException", service_message="expired")
        assert t.get({"pk": "a"}) == {"pk": "a"}  # refused once, then retried on a fresh client
    assert engine.client is not old


def test_explicit_credentials_are_not_refreshed(server: Server) -> None:
    e = DynamoDBEngine(endpoint=server.endpoint, aws_access_key_id="k", aws_secret_access_key="s")
    with Stubber(e.client) as stub:
        stub.add_client_error("list_tables", service_error_code="ExpiredTokenException", service_message="expired")
        with pytest.raises(CredentialsExpired) as exc:
            e.list_tables()
    assert exc.value.code == "ExpiredTokenException"
    e.close()


def test_sweep_expired_deletes_only_expired(store: Store) -> None:
    t = store.create_table(TableSpec(name="ttl", partition_key=("pk", "S"), ttl_attribute="exp"))
    t.batch_write([{"pk": "old", "exp": 1}, {"pk": "new", "exp": 2**40}, {"pk": "none"}, {"pk": "str", "exp": "1"}])
    assert t.sweep_expired() == 1
    assert sorted(i["pk"] for i in t.scan(include_expired=True)) == ["new", "none", "str"]


# -- waiting (DynamoDB Local is instant, so the slow paths are stubbed) -------------


def _table(status: str, **extra: Any) -> dict[str, Any]:
    return {"Table": {"TableStatus": status, **extra}}


def test_create_table_waits_until_active(engine: DynamoDBEngine) -> None:
    with Stubber(engine.client) as stub:
        stub.add_response("create_table", {"TableDescription": {"TableStatus": "CREATING"}})
        stub.add_response("describe_table", _table("CREATING"))
        stub.add_response("describe_table", _table("ACTIVE"))
        engine.create_table(SIMPLE)
        stub.assert_no_pending_responses()


def test_add_index_waits_for_backfill(engine: DynamoDBEngine) -> None:
    def gsi(status: str, backfilling: bool = False) -> dict[str, Any]:
        return _table("ACTIVE" if status == "ACTIVE" else "UPDATING", GlobalSecondaryIndexes=[
            {"IndexName": "ByX", "IndexStatus": status, "Backfilling": backfilling}])

    with Stubber(engine.client) as stub:
        stub.add_response("describe_table", _table("ACTIVE", BillingModeSummary={"BillingMode": "PAY_PER_REQUEST"}))
        stub.add_response("update_table", {}, {
            "TableName": engine.table_prefix + "simple",
            "AttributeDefinitions": [{"AttributeName": "x", "AttributeType": "N"}],
            "GlobalSecondaryIndexUpdates": [{"Create": {
                "IndexName": "ByX", "KeySchema": [{"AttributeName": "x", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"}}}],
        })
        stub.add_response("describe_table", _table("UPDATING"))
        stub.add_response("describe_table", gsi("CREATING"))
        stub.add_response("describe_table", gsi("ACTIVE", backfilling=True))
        stub.add_response("describe_table", gsi("ACTIVE"))
        engine.add_index("simple", Index("ByX", partition_key=("x", "N"), projection="KEYS_ONLY"))
        stub.assert_no_pending_responses()


def test_delete_table_waits_until_gone(engine: DynamoDBEngine) -> None:
    with Stubber(engine.client) as stub:
        stub.add_response("delete_table", {"TableDescription": {"TableStatus": "DELETING"}})
        stub.add_response("describe_table", _table("DELETING"))
        stub.add_client_error("describe_table", service_error_code="ResourceNotFoundException",
                              service_message="Requested resource not found")
        engine.delete_table("simple")
        stub.assert_no_pending_responses()


def test_waiting_gives_up_after_wait_timeout(server: Server) -> None:
    e = DynamoDBEngine(endpoint=server.endpoint, wait_timeout=0.2)
    with Stubber(e.client) as stub:
        stub.add_response("create_table", {"TableDescription": {"TableStatus": "CREATING"}})
        for _ in range(20):
            stub.add_response("describe_table", _table("CREATING"))
        with pytest.raises(DynastoreError, match="gave up after"):
            e.create_table(SIMPLE)
    e.close()


def test_writes_refused_for_conflicts_alone_are_sent_again(engine: DynamoDBEngine) -> None:
    """DynamoDB refuses a write while a transaction works on the item, and cancels a transaction that
    overlaps another; nothing was written, so the engine sends it again after a backoff."""
    from dynastore.engine import TxAction

    conflict = "Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, None]"
    with Stubber(engine.client) as stub:
        stub.add_client_error("put_item", service_error_code="TransactionConflictException",
                              service_message="Transaction is ongoing for the item")
        stub.add_response("put_item", {})
        stub.add_client_error("transact_write_items", service_error_code="TransactionCanceledException",
                              service_message=conflict)
        stub.add_response("transact_write_items", {})
        engine.put_item("t", {"pk": "a"})
        engine.transact_write([TxAction("put", "t", {"pk": "a"}), TxAction("delete", "t", {"pk": "b"})])
        stub.assert_no_pending_responses()
