"""The wire protocol: the same request to DynamoDB Local and to `dynastore endpoint` gets the same answer."""

from __future__ import annotations

import http.client
import zlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from conformance._support import unique_name

from ._raw import send, table_on_each

KEY_SCHEMA = [{"AttributeName": "pk", "KeyType": "HASH"}]
DEFS = [{"AttributeName": "pk", "AttributeType": "S"}]


@pytest.fixture(scope="module")
def tables(servers: dict[str, str]) -> Iterator[str]:
    """One table with the same name on both servers, keyed by ``pk`` (S)."""
    with table_on_each(servers, {"TableName": unique_name("proto"), "KeySchema": KEY_SCHEMA,
                                 "AttributeDefinitions": DEFS, "BillingMode": "PAY_PER_REQUEST"}) as name:
        yield name


def both(servers: dict[str, str], operation: str | None, body: Any, **kw: Any) -> tuple[Any, Any]:
    return send(servers["local"], operation, body, **kw), send(servers["endpoint"], operation, body, **kw)


def assert_same_error(local: Any, ours: Any, *, message: bool = True) -> None:
    assert ours.status == local.status, (local.raw, ours.raw)
    assert ours.error_type == local.error_type, (local.raw, ours.raw)
    assert ours.body["__type"] == local.body["__type"]
    if message:
        assert ours.message == local.message


def test_unknown_operation(servers: dict[str, str]) -> None:
    assert_same_error(*both(servers, "NoSuchOperation", {}))


def test_missing_authorization_header(servers: dict[str, str]) -> None:
    local, ours = both(servers, "ListTables", {}, auth=None)
    # Without --auth the endpoint serves anyone, as DynamoDB Local's docs suggest clients expect;
    # DynamoDB Local itself insists on a header.
    assert local.status == 400 and local.error_type == "MissingAuthenticationToken"
    assert ours.status == 200 and "TableNames" in ours.body


@pytest.mark.parametrize("operation, body", [
    ("GetItem", {"TableName": "no-such-table-x", "Key": {"pk": {"S": "a"}}}),
    ("PutItem", {"TableName": "no-such-table-x", "Item": {"pk": {"S": "a"}}}),
    ("DescribeTable", {"TableName": "no-such-table-x"}),
    ("DeleteTable", {"TableName": "no-such-table-x"}),
    ("Query", {"TableName": "no-such-table-x", "KeyConditionExpression": "pk = :p",
               "ExpressionAttributeValues": {":p": {"S": "a"}}}),
])
def test_missing_table(servers: dict[str, str], operation: str, body: dict[str, Any]) -> None:
    assert_same_error(*both(servers, operation, body))


@pytest.mark.parametrize("body", [
    {"TableName": "x", "KeySchema": KEY_SCHEMA, "AttributeDefinitions": DEFS, "BillingMode": "PAY_PER_REQUEST"},
    {"TableName": "bad name!", "KeySchema": KEY_SCHEMA, "AttributeDefinitions": DEFS,
     "BillingMode": "PAY_PER_REQUEST"},
    {"TableName": "valid-name", "KeySchema": [{"AttributeName": "other", "KeyType": "HASH"}],
     "AttributeDefinitions": DEFS, "BillingMode": "PAY_PER_REQUEST"},
    {"TableName": "valid-name", "KeySchema": KEY_SCHEMA, "BillingMode": "PAY_PER_REQUEST",
     "AttributeDefinitions": DEFS + [{"AttributeName": "extra", "AttributeType": "S"}]},
    {"TableName": "valid-name", "KeySchema": KEY_SCHEMA, "AttributeDefinitions": DEFS, "BillingMode": "PROVISIONED"},
], ids=["short-name", "bad-characters", "undefined-key", "unused-definition", "provisioned-without-throughput"])
def test_create_table_validation(servers: dict[str, str], body: dict[str, Any]) -> None:
    assert_same_error(*both(servers, "CreateTable", body))


def test_on_demand_table_with_throughput_is_refused(servers: dict[str, str]) -> None:
    body = {"TableName": unique_name("ondemand"), "KeySchema": KEY_SCHEMA, "AttributeDefinitions": DEFS,
            "BillingMode": "PAY_PER_REQUEST", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}
    local, ours = both(servers, "CreateTable", body)
    send(servers["local"], "DeleteTable", {"TableName": body["TableName"]})
    # DynamoDB refuses this; DynamoDB Local creates the table and ignores the throughput.
    assert local.status == 200
    assert (ours.status, ours.error_type) == (400, "ValidationException")
    assert ours.message == ("One or more parameter values were invalid: Neither ReadCapacityUnits nor "
                            "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")


def test_create_existing_table(servers: dict[str, str], tables: str) -> None:
    body = {"TableName": tables, "KeySchema": KEY_SCHEMA, "AttributeDefinitions": DEFS,
            "BillingMode": "PAY_PER_REQUEST"}
    assert_same_error(*both(servers, "CreateTable", body), message=False)


@pytest.mark.parametrize("item", [
    {"other": {"S": "x"}},
    {"pk": {"N": "1"}},
    {"pk": {"S": ""}},
    {"pk": {"S": "a"}, "n": {"N": "not-a-number"}},
    {"pk": {"S": "a"}, "s": {"SS": []}},
    {"pk": {"S": "a"}, "e": {}},
], ids=["missing-key", "key-type", "empty-key", "bad-number", "empty-set", "empty-value"])
def test_put_item_validation(servers: dict[str, str], tables: str, item: dict[str, Any]) -> None:
    assert_same_error(*both(servers, "PutItem", {"TableName": tables, "Item": item}))


@pytest.mark.parametrize("extra", [
    {"KeyConditionExpression": "pk = :p AND", "ExpressionAttributeValues": {":p": {"S": "a"}}},
    {"KeyConditionExpression": "pk <> :p", "ExpressionAttributeValues": {":p": {"S": "a"}}},
    {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "a"}, ":unused": {"S": "b"}}},
    {"KeyConditionExpression": "pk = :missing", "ExpressionAttributeValues": {":p": {"S": "a"}}},
    {"KeyConditionExpression": "other = :p", "ExpressionAttributeValues": {":p": {"S": "a"}}},
    {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"N": "1"}}},
    {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "a"}},
     "FilterExpression": "pk = :p"},
], ids=["syntax", "not-equal", "unused-value", "undefined-value", "non-key", "wrong-type", "filter-on-key"])
def test_query_validation(servers: dict[str, str], tables: str, extra: dict[str, Any]) -> None:
    assert_same_error(*both(servers, "Query", {"TableName": tables, **extra}))


def test_conditional_check_failed(servers: dict[str, str], tables: str) -> None:
    body = {"TableName": tables, "Item": {"pk": {"S": "c"}}, "ConditionExpression": "attribute_exists(pk)"}
    assert_same_error(*both(servers, "PutItem", body))


def test_transaction_cancellation_reasons(servers: dict[str, str], tables: str) -> None:
    body = {"TransactItems": [
        {"Put": {"TableName": tables, "Item": {"pk": {"S": "t1"}}}},
        {"ConditionCheck": {"TableName": tables, "Key": {"pk": {"S": "t2"}},
                            "ConditionExpression": "attribute_exists(pk)"}},
    ]}
    local, ours = both(servers, "TransactWriteItems", body)
    assert_same_error(local, ours)
    assert ours.body["CancellationReasons"] == local.body["CancellationReasons"]


def test_bad_json_is_a_serialization_error(servers: dict[str, str]) -> None:
    local, ours = both(servers, "ListTables", b"{not json")
    # DynamoDB answers SerializationException (400); DynamoDB Local fails with a 500 InternalFailure.
    assert (local.status, local.error_type) == (500, "InternalFailure")
    assert (ours.status, ours.error_type) == (400, "SerializationException")


def test_successful_answers_carry_crc32_and_request_id(servers: dict[str, str], tables: str) -> None:
    for url in servers.values():
        r = send(url, "GetItem", {"TableName": tables, "Key": {"pk": {"S": "none"}}})
        assert r.status == 200 and r.body == {}
        assert int(r.headers["x-amz-crc32"]) == zlib.crc32(r.raw)
        assert r.headers["x-amzn-requestid"]
        assert r.headers["content-type"] == "application/x-amz-json-1.0"


def test_gzip_bodies_and_keep_alive(dynastore_endpoint: str, tables: str) -> None:
    parts = urlsplit(dynastore_endpoint)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        put = send(dynastore_endpoint, "PutItem", {"TableName": tables, "Item": {"pk": {"S": "gz"}}},
                   gzipped=True, conn=conn)
        assert put.status == 200, put.raw
        got = send(dynastore_endpoint, "GetItem", {"TableName": tables, "Key": {"pk": {"S": "gz"}}}, conn=conn)
        assert got.body == {"Item": {"pk": {"S": "gz"}}}
    finally:
        conn.close()


def test_binary_values_travel_as_base64(servers: dict[str, str], tables: str) -> None:
    item = {"pk": {"S": "bin"}, "b": {"B": "AAEC/w=="}, "bs": {"BS": ["AA==", "AQ=="]},
            "m": {"M": {"inner": {"L": [{"B": "Zm9v"}]}}}}
    for url in servers.values():
        assert send(url, "PutItem", {"TableName": tables, "Item": item}).status == 200
    local, ours = both(servers, "GetItem", {"TableName": tables, "Key": {"pk": {"S": "bin"}}})
    assert ours.body["Item"] == local.body["Item"]


def test_sets_come_back_in_the_same_order(servers: dict[str, str], tables: str) -> None:
    """DynamoDB Local orders set members (strings by UTF-16 code units, numbers by value, binaries by their base64
    text); the endpoint answers in the same order, not in Python's hash order, which changes between processes."""
    item = {"pk": {"S": "sets"}, "ss": {"SS": ["b", "a", "B", "é", "aa", "10", "9", "😀", "\uffee"]},
            "ns": {"NS": ["10", "9", "-1", "1.5", "100", "0.01", "-20"]},
            "bs": {"BS": ["Ag==", "AQ==", "/w==", "AAA=", "+w=="]},
            "m": {"M": {"inner": {"SS": ["z", "y", "x"]}}}}
    for url in servers.values():
        assert send(url, "PutItem", {"TableName": tables, "Item": item}).status == 200
    local, ours = both(servers, "GetItem", {"TableName": tables, "Key": {"pk": {"S": "sets"}}})
    assert ours.body["Item"] == local.body["Item"]
    assert ours.body["Item"]["ns"]["NS"] == ["-20", "-1", "0.01", "1.5", "9", "10", "100"]


def test_item_collection_metrics(servers: dict[str, str]) -> None:
    name = unique_name("lsi")
    body = {"TableName": name, "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                     {"AttributeName": "sk", "AttributeType": "S"},
                                     {"AttributeName": "at", "AttributeType": "N"}],
            "LocalSecondaryIndexes": [{"IndexName": "by-at", "Projection": {"ProjectionType": "KEYS_ONLY"},
                                       "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                     {"AttributeName": "at", "KeyType": "RANGE"}]}]}
    with table_on_each(servers, body):
        put = {"TableName": name, "Item": {"pk": {"S": "a"}, "sk": {"S": "b"}, "at": {"N": "1"}},
               "ReturnItemCollectionMetrics": "SIZE"}
        local, ours = both(servers, "PutItem", put)
        # DynamoDB reports the item collection of a table with local indexes; DynamoDB Local leaves it out.
        assert "ItemCollectionMetrics" not in local.body
        assert ours.body["ItemCollectionMetrics"] == {"ItemCollectionKey": {"pk": {"S": "a"}},
                                                      "SizeEstimateRangeGB": [0.0, 1.0]}
        local, ours = both(servers, "DescribeTable", {"TableName": name})
        for key in ("KeySchema", "AttributeDefinitions", "TableStatus", "BillingModeSummary"):
            if key == "BillingModeSummary":
                assert ours.body["Table"][key]["BillingMode"] == local.body["Table"][key]["BillingMode"]
            else:
                assert ours.body["Table"][key] == local.body["Table"][key]
        # IndexSizeBytes is each server's own estimate (DynamoDB Local's ignores the projection)
        strip = ("IndexArn", "IndexSizeBytes")
        assert [{k: v for k, v in ix.items() if k not in strip} for ix in ours.body["Table"]["LocalSecondaryIndexes"]] \
            == [{k: v for k, v in ix.items() if k not in strip} for ix in local.body["Table"]["LocalSecondaryIndexes"]]
        assert ours.body["Table"]["LocalSecondaryIndexes"][0]["ItemCount"] == 1


def test_consumed_capacity(servers: dict[str, str]) -> None:
    name = unique_name("capacity")
    big = "x" * 3000  # 3 write units, 1 read unit
    with table_on_each(servers, {"TableName": name, "KeySchema": KEY_SCHEMA, "AttributeDefinitions": DEFS,
                                 "BillingMode": "PAY_PER_REQUEST"}):
        total = {"ReturnConsumedCapacity": "TOTAL"}
        requests = [
            ("PutItem", {"TableName": name, "Item": {"pk": {"S": "a"}, "d": {"S": big}}, **total}),
            ("PutItem", {"TableName": name, "Item": {"pk": {"S": "a"}}, "ReturnConsumedCapacity": "INDEXES"}),
            ("PutItem", {"TableName": name, "Item": {"pk": {"S": "b"}, "d": {"S": big}}, **total}),
            ("GetItem", {"TableName": name, "Key": {"pk": {"S": "b"}}, "ConsistentRead": True, **total}),
            ("Query", {"TableName": name, "KeyConditionExpression": "pk = :p",
                       "ExpressionAttributeValues": {":p": {"S": "b"}}, **total}),
            ("BatchGetItem", {"RequestItems": {name: {"Keys": [{"pk": {"S": "a"}}, {"pk": {"S": "b"}},
                                                                {"pk": {"S": "z"}}]}}, **total}),
            ("TransactWriteItems", {"TransactItems": [
                {"Put": {"TableName": name, "Item": {"pk": {"S": "t"}, "d": {"S": big}}}},
                {"Delete": {"TableName": name, "Key": {"pk": {"S": "a"}}}}], **total}),
            ("DeleteItem", {"TableName": name, "Key": {"pk": {"S": "b"}}, **total}),
        ]
        for operation, body in requests:
            local, ours = both(servers, operation, body)
            assert local.status == ours.status == 200, (local.raw, ours.raw)
            assert ours.body["ConsumedCapacity"] == local.body["ConsumedCapacity"], operation
