"""The legacy (pre-expression) parameters: the same requests give DynamoDB Local's answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conformance._support import unique_name

from ._raw import send, table_on_each

S, N = "S", "N"


@pytest.fixture(scope="module")
def table(servers: dict[str, str]) -> Iterator[str]:
    items = [{"pk": {S: "p"}, "sk": {N: str(i)}, "v": {N: str(i * 10)}, "tag": {S: "even" if i % 2 == 0 else "odd"},
              "words": {"SS": ["a", f"w{i}"]}} for i in range(10)]
    create = {"TableName": unique_name("legacy"), "BillingMode": "PAY_PER_REQUEST",
              "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
              "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": S},
                                       {"AttributeName": "sk", "AttributeType": N}]}
    with table_on_each(servers, create, items) as name:
        yield name


def canonical(v: Any) -> Any:
    """Sets compare as sets: servers list their members in any order."""
    if isinstance(v, dict):
        return {k: sorted(x) if k in ("SS", "NS", "BS") else canonical(x) for k, x in v.items()}
    if isinstance(v, list):
        return [canonical(x) for x in v]
    return v


def both(servers: dict[str, str], operation: str, body: dict[str, Any]) -> Any:
    local, ours = (send(servers[k], operation, body) for k in ("local", "endpoint"))
    assert ours.status == local.status, (local.raw, ours.raw)
    if local.status != 200:
        assert ours.error_type == local.error_type, (local.raw, ours.raw)
        return ours.body
    strip = ("ConsumedCapacity",)
    assert canonical({k: v for k, v in ours.body.items() if k not in strip}) == canonical(
        {k: v for k, v in local.body.items() if k not in strip})
    return ours.body


def cond(op: str, *values: dict[str, str]) -> dict[str, Any]:
    return {"ComparisonOperator": op, "AttributeValueList": list(values)}


@pytest.mark.parametrize("body", [
    {"KeyConditions": {"pk": cond("EQ", {S: "p"}), "sk": cond("BETWEEN", {N: "2"}, {N: "6"})}},
    {"KeyConditions": {"pk": cond("EQ", {S: "p"}), "sk": cond("GT", {N: "7"})}, "ScanIndexForward": False},
    {"KeyConditions": {"pk": cond("EQ", {S: "p"})}, "QueryFilter": {"tag": cond("EQ", {S: "odd"})}},
    {"KeyConditions": {"pk": cond("EQ", {S: "p"})},
     "QueryFilter": {"v": cond("LT", {N: "20"}), "words": cond("CONTAINS", {S: "w9"})}, "ConditionalOperator": "OR"},
    {"KeyConditions": {"pk": cond("EQ", {S: "p"})}, "AttributesToGet": ["sk", "tag"]},
    {"KeyConditions": {"pk": cond("EQ", {S: "p"})}, "QueryFilter": {"v": cond("IN", {N: "10"}, {N: "30"})}},
    {"KeyConditions": {"pk": cond("EQ", {S: "p"})}, "QueryFilter": {"missing": cond("NULL")}, "Select": "COUNT"},
    {"KeyConditions": {"pk": cond("EQ", {S: "p"})}, "KeyConditionExpression": "pk = :p",
     "ExpressionAttributeValues": {":p": {S: "p"}}},
], ids=["between", "gt-reverse", "filter", "filter-or", "attributes-to-get", "in", "null-count", "mixed"])
def test_query(servers: dict[str, str], table: str, body: dict[str, Any]) -> None:
    both(servers, "Query", {"TableName": table, **body})


@pytest.mark.parametrize("body", [
    {"ScanFilter": {"tag": cond("BEGINS_WITH", {S: "ev"}), "v": cond("GE", {N: "40"})}},
    {"ScanFilter": {"words": cond("NOT_CONTAINS", {S: "w3"}), "v": cond("NE", {N: "0"})}},
], ids=["begins-with-ge", "not-contains-ne"])
def test_scan(servers: dict[str, str], table: str, body: dict[str, Any]) -> None:
    both(servers, "Scan", {"TableName": table, **body})


def test_expected_and_attribute_updates(servers: dict[str, str], table: str) -> None:
    key = {"pk": {S: "w"}, "sk": {N: "1"}}
    both(servers, "PutItem", {"TableName": table, "Item": {**key, "n": {N: "1"}},
                              "Expected": {"pk": {"Exists": False}}})
    both(servers, "PutItem", {"TableName": table, "Item": {**key, "n": {N: "2"}},
                              "Expected": {"pk": {"Exists": False}}})  # fails: it exists now
    both(servers, "UpdateItem", {"TableName": table, "Key": key, "ReturnValues": "ALL_NEW",
                                 "AttributeUpdates": {"n": {"Action": "ADD", "Value": {N: "5"}},
                                                      "s": {"Action": "PUT", "Value": {"SS": ["x", "y"]}}},
                                 "Expected": {"n": {"Value": {N: "1"}}}})
    both(servers, "UpdateItem", {"TableName": table, "Key": key, "ReturnValues": "ALL_NEW",
                                 "AttributeUpdates": {"s": {"Action": "DELETE", "Value": {"SS": ["x"]}},
                                                      "n": {"Action": "DELETE"}}})
    both(servers, "DeleteItem", {"TableName": table, "Key": key, "ReturnValues": "ALL_OLD",
                                 "Expected": {"s": cond("CONTAINS", {S: "y"})}})
    both(servers, "GetItem", {"TableName": table, "Key": key})
