"""The legacy (pre-expression) parameters: the same requests give DynamoDB Local's answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from conformance._support import unique_name

from ._raw import canonical, send, table_on_each

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


#: (operation, body) sent in this order to a fresh table on both servers (``{T}``: its name): the same status,
#: error type, message of a validation error, and answer. They cover what the legacy parameters refuse
#: (operators and their types, Value / Exists / AttributeValueList together, ConditionalOperator without two
#: conditions), NOT_CONTAINS on an absent attribute, and AttributeUpdates: ADD of a list appends, refusals by type.
SEQUENCE: list[tuple[str, dict[str, Any]]] = [
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "1"}, "n": {"N": "5"}, "ss": {"SS": ["a", "b"]}, "s": {"S": "hello"}}}),
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "2"}}}),
    ("Scan", {"TableName": "{T}", "ScanFilter": {"n": {"ComparisonOperator": "NE", "AttributeValueList": [{"N": "1"}]}}, "Select": "COUNT"}),
    ("Scan", {"TableName": "{T}", "ScanFilter": {"ss": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "z"}]}}, "Select": "COUNT"}),
    ("Scan", {"TableName": "{T}", "ScanFilter": {"s": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "z"}]}}, "Select": "COUNT"}),
    ("Scan", {"TableName": "{T}", "ScanFilter": {"n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}, {"S": "x"}]}}}),
    ("Scan", {"TableName": "{T}", "ScanFilter": {"n": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"N": "1"}]}}}),
    ("Scan", {"TableName": "{T}", "ScanFilter": {"n": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"SS": ["a"]}]}}}),
    ("Scan", {"TableName": "{T}", "ScanFilter": {"n": {"ComparisonOperator": "IN", "AttributeValueList": [{"SS": ["a"]}]}}}),
    ("Scan", {"TableName": "{T}", "ScanFilter": {"n": {"ComparisonOperator": "LT", "AttributeValueList": [{"BOOL": True}]}}}),
    ("Scan", {"TableName": "{T}", "ScanFilter": {"n": {"ComparisonOperator": "EQ", "AttributeValueList": [{"L": [{"N": "1"}]}]}}, "Select": "COUNT"}),
    ("Scan", {"TableName": "{T}", "ScanFilter": {"n": {"ComparisonOperator": "NULL"}, "s": {"ComparisonOperator": "NULL"}}, "ConditionalOperator": "OR", "Select": "COUNT"}),
    ("Scan", {"TableName": "{T}", "ScanFilter": {"n": {"ComparisonOperator": "NULL"}}, "ConditionalOperator": "OR"}),
    ("Scan", {"TableName": "{T}", "ConditionalOperator": "OR"}),
    ("Query", {"TableName": "{T}", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "L"}]}}, "ConditionalOperator": "OR"}),
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "3"}}, "Expected": {"n": {"Value": {"N": "1"}, "ComparisonOperator": "EQ"}}}),
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "1"}, "n": {"N": "5"}, "ss": {"SS": ["a", "b"]}, "s": {"S": "hello"}}, "Expected": {"n": {"Value": {"N": "5"}, "ComparisonOperator": "EQ"}}}),
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "1"}, "n": {"N": "5"}, "ss": {"SS": ["a", "b"]}, "s": {"S": "hello"}}, "Expected": {"n": {"Value": {"N": "5"}, "ComparisonOperator": "EQ", "AttributeValueList": [{"N": "5"}]}}}),
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "1"}, "n": {"N": "5"}, "ss": {"SS": ["a", "b"]}, "s": {"S": "hello"}}, "Expected": {"n": {"Exists": True, "ComparisonOperator": "EQ", "AttributeValueList": [{"N": "5"}]}}}),
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "1"}, "n": {"N": "5"}, "ss": {"SS": ["a", "b"]}, "s": {"S": "hello"}}, "Expected": {"n": {"ComparisonOperator": "NOT_NULL", "AttributeValueList": [{"N": "5"}]}}}),
    ("UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "L"}, "sk": {"N": "5"}}, "AttributeUpdates": {"l": {"Action": "ADD", "Value": {"L": [{"S": "y"}]}}}, "ReturnValues": "ALL_NEW"}),
    ("UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "L"}, "sk": {"N": "5"}}, "AttributeUpdates": {"l": {"Action": "ADD", "Value": {"L": [{"S": "z"}]}}}, "ReturnValues": "UPDATED_NEW"}),
    ("UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "L"}, "sk": {"N": "6"}}, "AttributeUpdates": {"m": {"Action": "ADD", "Value": {"M": {}}}}}),
    ("UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "L"}, "sk": {"N": "6"}}, "AttributeUpdates": {"m": {"Action": "ADD", "Value": {"BOOL": True}}}}),
    ("UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "L"}, "sk": {"N": "6"}}, "AttributeUpdates": {"m": {"Action": "DELETE", "Value": {"L": []}}}}),
    ("UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "L"}, "sk": {"N": "1"}}, "AttributeUpdates": {"s": {"Action": "ADD", "Value": {"L": [{"S": "z"}]}}}}),
    ("UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "L"}, "sk": {"N": "1"}}, "AttributeUpdates": {"n": {"Action": "ADD", "Value": {"SS": ["z"]}}}}),
    ("UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "L"}, "sk": {"N": "1"}}, "AttributeUpdates": {"ss": {"Action": "DELETE", "Value": {"NS": ["1"]}}}}),
    ("UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "L"}, "sk": {"N": "7"}}, "AttributeUpdates": {"ss": {"Action": "DELETE", "Value": {"SS": ["1"]}}}, "ReturnValues": "ALL_NEW"}),
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "3"}}, "Expected": {"n": {"ComparisonOperator": "LIKE", "AttributeValueList": [{"N": "1"}]}}}),
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "3"}}, "Expected": {"n": {"ComparisonOperator": "LIKE", "AttributeValueList": [{"N": "1"}]}, "m": {"Exists": False}}, "ConditionalOperator": "XOR"}),
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "1"}, "n": {"N": "5"}, "s": {"S": "hello"}, "ss": {"SS": ["a", "b"]}, "l": {"L": [{"S": "x"}]}}}),
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "2"}, "n": {"N": "7"}}, "Expected": {"n": {"Exists": False}}}),
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "1"}, "n": {"N": "6"}}, "Expected": {"n": {"Value": {"N": "4"}}}}),
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "3"}}, "Expected": {"n": {"Exists": True}}}),
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "3"}}, "Expected": {"n": {"Exists": True, "Value": {"N": "1"}}, "m": {"ComparisonOperator": "NULL"}}, "ConditionalOperator": "OR"}),
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "3"}}, "Expected": {"n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}]}}}),
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "3"}}, "Expected": {"n": {"ComparisonOperator": "IN", "AttributeValueList": []}}}),
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "3"}}, "Expected": {"n": {"ComparisonOperator": "LIKE", "AttributeValueList": [{"N": "1"}]}}}),
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "3"}}, "Expected": {"n": {"Exists": False, "Value": {"N": "1"}}}}),
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "3"}}, "Expected": {"n": {"Value": {"N": "1"}, "ComparisonOperator": "EQ"}}}),
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "3"}}, "Expected": {"n": {"Exists": False}}, "ConditionalOperator": "XOR"}),
    ("PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "L"}, "sk": {"N": "3"}}, "ConditionalOperator": "AND"}),
    ("UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "L"}, "sk": {"N": "1"}}, "AttributeUpdates": {"n": {"Action": "ADD", "Value": {"N": "2"}}, "s": {"Action": "DELETE"}, "ss": {"Action": "DELETE", "Value": {"SS": ["a"]}}, "l": {"Action": "ADD", "Value": {"L": [{"S": "y"}]}}}, "ReturnValues": "ALL_NEW"}),
    ("UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "L"}, "sk": {"N": "9"}}, "AttributeUpdates": {"n": {"Action": "ADD", "Value": {"N": "2"}}, "ss": {"Action": "ADD", "Value": {"SS": ["q"]}}}, "ReturnValues": "ALL_NEW"}),
    ("UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "L"}, "sk": {"N": "9"}}, "AttributeUpdates": {"pk": {"Action": "PUT", "Value": {"S": "x"}}}}),
    ("UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "L"}, "sk": {"N": "9"}}, "AttributeUpdates": {"n": {"Action": "PUT"}}}),
    ("UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "L"}, "sk": {"N": "9"}}, "AttributeUpdates": {"n": {"Action": "DELETE", "Value": {"N": "1"}}}}),
    ("UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "L"}, "sk": {"N": "9"}}, "AttributeUpdates": {"zz": {"Action": "DELETE", "Value": {"SS": ["a"]}}}, "ReturnValues": "UPDATED_NEW"}),
    ("UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "L"}, "sk": {"N": "9"}}, "AttributeUpdates": {"n": {"Action": "ADD", "Value": {"S": "x"}}}}),
    ("UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "L"}, "sk": {"N": "9"}}, "AttributeUpdates": {"n": {"Action": "ADD", "Value": {"N": "1"}}}, "UpdateExpression": "SET a = :a", "ExpressionAttributeValues": {":a": {"N": "1"}}}),
    ("Query", {"TableName": "{T}", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "L"}]}, "sk": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}, {"N": "5"}]}}, "QueryFilter": {"n": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "5"}]}}, "AttributesToGet": ["sk", "n"]}),
    ("Query", {"TableName": "{T}", "KeyConditions": {"pk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "L"}]}}}),
    ("Query", {"TableName": "{T}", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "L"}]}}, "QueryFilter": {"sk": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "1"}]}}}),
    ("Query", {"TableName": "{T}", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "L"}]}}, "QueryFilter": {"n": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"N": "1"}]}, "ss": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "z"}]}}, "ConditionalOperator": "OR"}),
    ("Query", {"TableName": "{T}", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "L"}, {"S": "M"}]}}}),
    ("Scan", {"TableName": "{T}", "ScanFilter": {"n": {"ComparisonOperator": "NOT_NULL"}, "s": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "he"}]}}}),
    ("Scan", {"TableName": "{T}", "ScanFilter": {"n": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "5"}, {"N": "7"}, {"S": "x"}]}}}),
    ("Scan", {"TableName": "{T}", "ScanFilter": {"n": {"ComparisonOperator": "NULL", "AttributeValueList": [{"N": "5"}]}}}),
    ("Scan", {"TableName": "{T}", "ScanFilter": {"ss": {"ComparisonOperator": "EQ", "AttributeValueList": [{"SS": ["b"]}]}}}),
    ("Scan", {"TableName": "{T}", "ScanFilter": {"l": {"ComparisonOperator": "GT", "AttributeValueList": [{"L": []}]}}}),
    ("Scan", {"TableName": "{T}", "ScanFilter": {"n": {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "5"}]}}, "FilterExpression": "n > :v", "ExpressionAttributeValues": {":v": {"N": "1"}}}),
    ("GetItem", {"TableName": "{T}", "Key": {"pk": {"S": "L"}, "sk": {"N": "1"}}, "AttributesToGet": ["n", "ss", "zz"]}),
    ("DeleteItem", {"TableName": "{T}", "Key": {"pk": {"S": "L"}, "sk": {"N": "9"}}, "Expected": {"ss": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"S": "q"}]}}, "ReturnValues": "ALL_OLD"}),
]


def test_a_sequence_of_legacy_requests_as_dynamodb_local(servers: dict[str, str]) -> None:
    create = {"TableName": unique_name("legacy-seq"), "BillingMode": "PAY_PER_REQUEST",
              "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
              "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": S},
                                       {"AttributeName": "sk", "AttributeType": N}]}
    with table_on_each(servers, create) as name:
        for operation, body in SEQUENCE:
            request = json.loads(json.dumps(body).replace("{T}", name))
            local, ours = (send(servers[k], operation, request) for k in ("local", "endpoint"))
            assert (ours.status, ours.error_type if ours.status != 200 else None) == (
                local.status, local.error_type if local.status != 200 else None), (operation, body, local.raw, ours.raw)
            if local.status != 200:
                if local.error_type == "ValidationException":
                    assert ours.message == local.message, (operation, body)
                continue
            assert canonical(ours.body) == canonical(local.body), (operation, body)


@pytest.mark.parametrize("body", [
    {"ScanFilter": {"n": cond("NULL"), "s": cond("NULL")}, "ConditionalOperator": "XOR"},
    {"KeyConditions": {"pk": cond("EQ", {S: "p"}), "sk": cond("NE", {N: "1"})}},
], ids=["conditional-operator-xor", "key-condition-ne"])
def test_what_dynamodb_local_fails_on_is_a_validation_error(servers: dict[str, str], table: str,
                                                             body: dict[str, Any]) -> None:
    """DynamoDB Local answers these with a 500; DynamoDB refuses them (an enum value, a key operator)."""
    operation = "Query" if "KeyConditions" in body else "Scan"
    assert send(servers["local"], operation, {"TableName": table, **body}).status == 500
    ours = send(servers["endpoint"], operation, {"TableName": table, **body})
    assert (ours.status, ours.error_type) == (400, "ValidationException")
