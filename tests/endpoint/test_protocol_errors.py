"""Each operation's documented errors, sent raw to DynamoDB Local and to `dynastore endpoint`.

A data-driven table of (operation, request body): both servers must answer with
the same status and error type and, for validation errors, the same message.
Bodies name the tables ``{T}`` (hash key ``pk`` S), ``{I}`` (the same, holding
`ITEM`) and ``{C}`` (hash ``pk`` S, range ``sk`` N), created on both servers, and
``{N}``, a fresh name for CreateTable cases; ``{BIG}`` is a string over 400 KB.
Where DynamoDB Local deviates from DynamoDB's documented behaviour the case is in
`KNOWN` with the reason, and the endpoint keeps DynamoDB's behaviour.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conformance._support import unique_name

from ._raw import send, table_on_each
from ._verdict import check_marks, judge

S = {"S": "a"}
K = {"pk": S}
CK = {"pk": S, "sk": {"N": "1"}}
V = {":v": S}
BIG = "x" * (401 * 1024)
HASH = [{"AttributeName": "pk", "KeyType": "HASH"}]
DEFS = [{"AttributeName": "pk", "AttributeType": "S"}]
ON_DEMAND = {"BillingMode": "PAY_PER_REQUEST"}
#: the item of table ``{I}``: one attribute of each kind the cases below act on
ITEM = {"pk": S, "n": {"N": "1"}, "l": {"L": [{"S": "x"}]}, "m": {"M": {"k": {"S": "v"}}}, "s": {"SS": ["a"]}}
#: a valid Query of ``{T}``, for cases that add one wrong parameter
Q = {"TableName": "{T}", "KeyConditionExpression": "pk = :v", "ExpressionAttributeValues": V}


def _create(name: str, **extra: Any) -> dict[str, Any]:
    return {"TableName": name, "KeySchema": HASH, "AttributeDefinitions": DEFS, **ON_DEMAND, **extra}


def _kq(text: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
    """A Query of ``{C}`` with key condition ``text`` (values: ``:v`` S and ``:a`` N unless given)."""
    return {"TableName": "{C}", "KeyConditionExpression": text,
            "ExpressionAttributeValues": values if values is not None else {":v": S, ":a": {"N": "1"}}}


def _unused(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with one more value, ``:b``, that no expression uses."""
    return {**body, "ExpressionAttributeValues": {**body.get("ExpressionAttributeValues", {}), ":b": {"N": "2"}}}


def _list_sizes(prefix: str, operation: str, entry: Callable[[int], Any]) -> list[tuple[str, str | None, Any]]:
    """A transaction with no items, none, and 101 (``entry(i)`` each)."""
    return [(f"{prefix}/missing", operation, {}), (f"{prefix}/empty", operation, {"TransactItems": []}),
            (f"{prefix}/too-many", operation, {"TransactItems": [entry(i) for i in range(101)]})]


#: (case id, operation, body). Each body is sent to both servers as is, after ``{T}``/``{C}`` are filled in.
CASES: list[tuple[str, str | None, Any]] = [
    # --- CreateTable
    ("create/missing-name", "CreateTable", {"KeySchema": HASH, "AttributeDefinitions": DEFS, **ON_DEMAND}),
    ("create/missing-key-schema", "CreateTable", {"TableName": "{N}", "AttributeDefinitions": DEFS, **ON_DEMAND}),
    ("create/missing-definitions", "CreateTable", {"TableName": "{N}", "KeySchema": HASH, **ON_DEMAND}),
    ("create/long-name", "CreateTable", _create("n" * 256)),
    ("create/two-hash-keys", "CreateTable", _create("{N}", KeySchema=HASH + HASH)),
    ("create/range-only", "CreateTable", _create("{N}", KeySchema=[{"AttributeName": "pk", "KeyType": "RANGE"}])),
    ("create/bad-key-type", "CreateTable", _create("{N}", KeySchema=[{"AttributeName": "pk", "KeyType": "PRIMARY"}])),
    ("create/bad-attribute-type", "CreateTable", _create("{N}", AttributeDefinitions=[
        {"AttributeName": "pk", "AttributeType": "BOOL"}])),
    ("create/bad-billing-mode", "CreateTable", _create("{N}", BillingMode="FREE")),
    ("create/zero-throughput", "CreateTable", _create("{N}", BillingMode="PROVISIONED",
                                                      ProvisionedThroughput={"ReadCapacityUnits": 0, "WriteCapacityUnits": 1})),
    ("create/existing", "CreateTable", "{T-create}"),
    ("create/gsi-undefined-key", "CreateTable", _create("{N}", GlobalSecondaryIndexes=[
        {"IndexName": "gsi", "KeySchema": [{"AttributeName": "nope", "KeyType": "HASH"}],
         "Projection": {"ProjectionType": "ALL"}}])),
    ("create/lsi-without-range", "CreateTable", _create("{N}", LocalSecondaryIndexes=[
        {"IndexName": "lsi", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "pk", "KeyType": "RANGE"}],
         "Projection": {"ProjectionType": "ALL"}}])),
    ("create/stream-without-view", "CreateTable", _create("{N}", StreamSpecification={"StreamEnabled": True})),
    ("create/name-is-number", "CreateTable", _create(5)),
    # --- DescribeTable / DeleteTable / UpdateTable / ListTables
    ("describe/missing-name", "DescribeTable", {}),
    ("describe/bad-name", "DescribeTable", {"TableName": "bad name!"}),
    ("describe/missing-table", "DescribeTable", {"TableName": "no-such-table-x"}),
    ("delete/missing-table", "DeleteTable", {"TableName": "no-such-table-x"}),
    ("delete/missing-name", "DeleteTable", {}),
    ("update/missing-table", "UpdateTable", {"TableName": "no-such-table-x", **ON_DEMAND}),
    ("update/nothing", "UpdateTable", {"TableName": "{T}"}),
    ("list/limit-zero", "ListTables", {"Limit": 0}),
    ("list/limit-101", "ListTables", {"Limit": 101}),
    ("list/bad-start", "ListTables", {"ExclusiveStartTableName": "x"}),
    ("list/limit-string", "ListTables", {"Limit": "ten"}),
    # --- TTL and tags
    ("ttl/missing-table", "UpdateTimeToLive", {"TableName": "no-such-table-x",
                                               "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "ttl"}}),
    ("ttl/missing-spec", "UpdateTimeToLive", {"TableName": "{T}"}),
    ("ttl/describe-missing-table", "DescribeTimeToLive", {"TableName": "no-such-table-x"}),
    ("tags/missing-arn", "ListTagsOfResource", {}),
    ("tags/bad-arn", "ListTagsOfResource", {"ResourceArn": "not-an-arn"}),
    ("tags/missing-table", "ListTagsOfResource",
     {"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/no-such-table-x"}),
    ("tags/tag-missing-tags", "TagResource", {"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/{T}"}),
    ("tags/untag-missing-keys", "UntagResource", {"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/{T}"}),
    # --- PutItem
    ("put/missing-item", "PutItem", {"TableName": "{T}"}),
    ("put/missing-name", "PutItem", {"Item": K}),
    ("put/missing-range", "PutItem", {"TableName": "{C}", "Item": K}),
    ("put/range-type", "PutItem", {"TableName": "{C}", "Item": {"pk": S, "sk": S}}),
    ("put/empty-binary-key", "PutItem", {"TableName": "{T}", "Item": {"pk": {"B": ""}}}),
    ("put/too-big", "PutItem", {"TableName": "{T}", "Item": {"pk": S, "d": {"S": "{BIG}"}}}),
    ("put/bad-return-values", "PutItem", {"TableName": "{T}", "Item": K, "ReturnValues": "ALL_NEW"}),
    ("put/unknown-return-values", "PutItem", {"TableName": "{T}", "Item": K, "ReturnValues": "SOME"}),
    ("put/unused-values", "PutItem", {"TableName": "{T}", "Item": K, "ConditionExpression": "attribute_exists(pk)",
                                      "ExpressionAttributeValues": V}),
    ("put/unused-names", "PutItem", {"TableName": "{T}", "Item": K, "ConditionExpression": "attribute_exists(pk)",
                                     "ExpressionAttributeNames": {"#n": "x"}}),
    ("put/values-without-expression", "PutItem", {"TableName": "{T}", "Item": K, "ExpressionAttributeValues": V}),
    ("put/names-without-expression", "PutItem", {"TableName": "{T}", "Item": K, "ExpressionAttributeNames": {"#n": "x"}}),
    ("put/undefined-name", "PutItem", {"TableName": "{T}", "Item": K, "ConditionExpression": "attribute_exists(#n)"}),
    ("put/bad-condition", "PutItem", {"TableName": "{T}", "Item": K, "ConditionExpression": "pk =="}),
    ("put/unknown-function", "PutItem", {"TableName": "{T}", "Item": K, "ConditionExpression": "nope(pk)"}),
    ("put/empty-condition", "PutItem", {"TableName": "{T}", "Item": K, "ConditionExpression": ""}),
    ("put/empty-value-map", "PutItem", {"TableName": "{T}", "Item": K, "ConditionExpression": "attribute_exists(pk)",
                                        "ExpressionAttributeValues": {}}),
    ("put/two-types", "PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "a", "N": "1"}}}),
    ("put/unknown-type", "PutItem", {"TableName": "{T}", "Item": {"pk": S, "x": {"Q": "1"}}}),
    ("put/duplicate-set", "PutItem", {"TableName": "{T}", "Item": {"pk": S, "s": {"SS": ["a", "a"]}}}),
    ("put/number-overflow", "PutItem", {"TableName": "{T}", "Item": {"pk": S, "n": {"N": "1e126"}}}),
    ("put/number-precision", "PutItem", {"TableName": "{T}", "Item": {"pk": S, "n": {"N": "1.00000000000000000000000000000000000001"}}}),
    ("put/item-not-object", "PutItem", {"TableName": "{T}", "Item": "x"}),
    ("put/condition-failed", "PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "absent"}},
                                         "ConditionExpression": "attribute_exists(pk)"}),
    ("put/missing-table", "PutItem", {"TableName": "no-such-table-x", "Item": K}),
    # --- GetItem
    ("get/missing-key", "GetItem", {"TableName": "{T}"}),
    ("get/extra-key", "GetItem", {"TableName": "{T}", "Key": {"pk": S, "x": S}}),
    ("get/key-type", "GetItem", {"TableName": "{T}", "Key": {"pk": {"N": "1"}}}),
    ("get/empty-key", "GetItem", {"TableName": "{T}", "Key": {"pk": {"S": ""}}}),
    ("get/partial-key", "GetItem", {"TableName": "{C}", "Key": K}),
    ("get/wrong-attribute", "GetItem", {"TableName": "{T}", "Key": {"x": S}}),
    ("get/bad-projection", "GetItem", {"TableName": "{T}", "Key": K, "ProjectionExpression": "a,,b"}),
    ("get/overlapping-projection", "GetItem", {"TableName": "{T}", "Key": K, "ProjectionExpression": "a, a.b"}),
    ("get/projection-and-attributes", "GetItem", {"TableName": "{T}", "Key": K, "ProjectionExpression": "a",
                                                  "AttributesToGet": ["a"]}),
    ("get/unused-names", "GetItem", {"TableName": "{T}", "Key": K, "ProjectionExpression": "a",
                                     "ExpressionAttributeNames": {"#n": "x"}}),
    ("get/values-with-projection", "GetItem", {"TableName": "{T}", "Key": K, "ProjectionExpression": "a",
                                               "ExpressionAttributeValues": V}),
    ("get/consistent-read-string", "GetItem", {"TableName": "{T}", "Key": K, "ConsistentRead": "yes"}),
    ("get/missing-table", "GetItem", {"TableName": "no-such-table-x", "Key": K}),
    # --- UpdateItem
    ("update-item/bad-expression", "UpdateItem", {"TableName": "{T}", "Key": K, "UpdateExpression": "SET"}),
    ("update-item/key-attribute", "UpdateItem", {"TableName": "{T}", "Key": K, "UpdateExpression": "SET pk = :v",
                                                 "ExpressionAttributeValues": V}),
    ("update-item/overlapping-paths", "UpdateItem", {"TableName": "{T}", "Key": K, "UpdateExpression": "SET a = :v, a.b = :v",
                                                     "ExpressionAttributeValues": V}),
    ("update-item/same-path-twice", "UpdateItem", {"TableName": "{T}", "Key": K, "UpdateExpression": "SET a = :v REMOVE a",
                                                   "ExpressionAttributeValues": V}),
    ("update-item/two-set-clauses", "UpdateItem", {"TableName": "{T}", "Key": K, "UpdateExpression": "SET a = :v SET b = :v",
                                                   "ExpressionAttributeValues": V}),
    ("update-item/add-string", "UpdateItem", {"TableName": "{T}", "Key": K, "UpdateExpression": "ADD a :v",
                                              "ExpressionAttributeValues": V}),
    ("update-item/bad-return-values", "UpdateItem", {"TableName": "{T}", "Key": K, "UpdateExpression": "SET a = :v",
                                                     "ExpressionAttributeValues": V, "ReturnValues": "EVERYTHING"}),
    ("update-item/undefined-value", "UpdateItem", {"TableName": "{T}", "Key": K, "UpdateExpression": "SET a = :w",
                                                   "ExpressionAttributeValues": V}),
    ("update-item/expression-and-updates", "UpdateItem", {"TableName": "{T}", "Key": K, "UpdateExpression": "SET a = :v",
                                                          "ExpressionAttributeValues": V,
                                                          "AttributeUpdates": {"b": {"Action": "DELETE"}}}),
    ("update-item/missing-key", "UpdateItem", {"TableName": "{T}", "UpdateExpression": "SET a = :v",
                                               "ExpressionAttributeValues": V}),
    ("update-item/condition-failed", "UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "absent"}},
                                                    "UpdateExpression": "SET a = :v", "ExpressionAttributeValues": V,
                                                    "ConditionExpression": "attribute_exists(pk)"}),
    ("update-item/too-big", "UpdateItem", {"TableName": "{T}", "Key": K, "UpdateExpression": "SET d = :v",
                                           "ExpressionAttributeValues": {":v": {"S": "{BIG}"}}}),
    ("update-item/missing-table", "UpdateItem", {"TableName": "no-such-table-x", "Key": K,
                                                 "UpdateExpression": "SET a = :v", "ExpressionAttributeValues": V}),
    # --- DeleteItem
    ("delete-item/missing-key", "DeleteItem", {"TableName": "{T}"}),
    ("delete-item/key-type", "DeleteItem", {"TableName": "{T}", "Key": {"pk": {"N": "1"}}}),
    ("delete-item/bad-return-values", "DeleteItem", {"TableName": "{T}", "Key": K, "ReturnValues": "ALL_NEW"}),
    ("delete-item/condition-failed", "DeleteItem", {"TableName": "{T}", "Key": {"pk": {"S": "absent"}},
                                                    "ConditionExpression": "attribute_exists(pk)"}),
    ("delete-item/missing-table", "DeleteItem", {"TableName": "no-such-table-x", "Key": K}),
    # --- Query
    ("query/no-condition", "Query", {"TableName": "{T}"}),
    ("query/limit-zero", "Query", {**Q, "Limit": 0}),
    ("query/limit-negative", "Query", {**Q, "Limit": -1}),
    ("query/bad-select", "Query", {**Q, "Select": "SOME"}),
    ("query/select-with-projection", "Query", {**Q, "Select": "ALL_ATTRIBUTES", "ProjectionExpression": "a"}),
    ("query/specific-without-projection", "Query", {**Q, "Select": "SPECIFIC_ATTRIBUTES"}),
    ("query/projected-without-index", "Query", {**Q, "Select": "ALL_PROJECTED_ATTRIBUTES"}),
    ("query/missing-index", "Query", {"TableName": "{T}", "IndexName": "nope", "KeyConditionExpression": "pk = :v",
                                      "ExpressionAttributeValues": V}),
    ("query/range-only", "Query", {"TableName": "{C}", "KeyConditionExpression": "sk = :n",
                                   "ExpressionAttributeValues": {":n": {"N": "1"}}}),
    ("query/or", "Query", {"TableName": "{C}", "KeyConditionExpression": "pk = :v OR sk = :n",
                           "ExpressionAttributeValues": {":v": S, ":n": {"N": "1"}}}),
    ("query/begins-with-number", "Query", {"TableName": "{C}", "KeyConditionExpression": "pk = :v AND begins_with(sk, :n)",
                                           "ExpressionAttributeValues": {":v": S, ":n": {"N": "1"}}}),
    ("query/between-reversed", "Query", {"TableName": "{C}", "KeyConditionExpression": "pk = :v AND sk BETWEEN :b AND :a",
                                         "ExpressionAttributeValues": {":v": S, ":a": {"N": "1"}, ":b": {"N": "2"}}}),
    ("query/two-range-conditions", "Query", {"TableName": "{C}",
                                             "KeyConditionExpression": "pk = :v AND sk > :n AND sk < :n",
                                             "ExpressionAttributeValues": {":v": S, ":n": {"N": "1"}}}),
    ("query/start-key-wrong", "Query", {**Q, "ExclusiveStartKey": {"x": S}}),
    ("query/start-key-other-partition", "Query", {"TableName": "{C}", "KeyConditionExpression": "pk = :v",
                                                  "ExpressionAttributeValues": V,
                                                  "ExclusiveStartKey": {"pk": {"S": "b"}, "sk": {"N": "1"}}}),
    ("query/condition-and-key-conditions", "Query", {**Q, "KeyConditions": {"pk": {"ComparisonOperator": "EQ",
                                                                              "AttributeValueList": [S]}}}),
    ("query/consistent-read-gsi", "Query", "{G-consistent}"),
    ("query/limit-string", "Query", {**Q, "Limit": "5"}),
    # --- Scan
    ("scan/limit-zero", "Scan", {"TableName": "{T}", "Limit": 0}),
    ("scan/segment-without-total", "Scan", {"TableName": "{T}", "Segment": 0}),
    ("scan/total-without-segment", "Scan", {"TableName": "{T}", "TotalSegments": 2}),
    ("scan/segment-too-big", "Scan", {"TableName": "{T}", "Segment": 2, "TotalSegments": 2}),
    ("scan/total-zero", "Scan", {"TableName": "{T}", "Segment": 0, "TotalSegments": 0}),
    ("scan/total-too-big", "Scan", {"TableName": "{T}", "Segment": 0, "TotalSegments": 1000001}),
    ("scan/bad-filter", "Scan", {"TableName": "{T}", "FilterExpression": "a = "}),
    ("scan/filter-unused-values", "Scan", {"TableName": "{T}", "FilterExpression": "a = :v",
                                           "ExpressionAttributeValues": {":v": S, ":w": S}}),
    ("scan/select-count-projection", "Scan", {"TableName": "{T}", "Select": "COUNT", "ProjectionExpression": "a"}),
    ("scan/missing-table", "Scan", {"TableName": "no-such-table-x"}),
    ("scan/missing-index", "Scan", {"TableName": "{T}", "IndexName": "nope"}),
    ("scan/start-key-wrong", "Scan", {"TableName": "{T}", "ExclusiveStartKey": {"x": S}}),
    # --- BatchGetItem
    ("batch-get/missing", "BatchGetItem", {}),
    ("batch-get/empty", "BatchGetItem", {"RequestItems": {}}),
    ("batch-get/no-keys", "BatchGetItem", {"RequestItems": {"{T}": {"Keys": []}}}),
    ("batch-get/too-many", "BatchGetItem", {"RequestItems": {"{T}": {"Keys": [{"pk": {"S": str(i)}} for i in range(101)]}}}),
    ("batch-get/duplicate-keys", "BatchGetItem", {"RequestItems": {"{T}": {"Keys": [K, K]}}}),
    ("batch-get/key-type", "BatchGetItem", {"RequestItems": {"{T}": {"Keys": [{"pk": {"N": "1"}}]}}}),
    ("batch-get/missing-table", "BatchGetItem", {"RequestItems": {"no-such-table-x": {"Keys": [K]}}}),
    ("batch-get/bad-projection", "BatchGetItem", {"RequestItems": {"{T}": {"Keys": [K], "ProjectionExpression": "a,"}}}),
    # --- BatchWriteItem
    ("batch-write/missing", "BatchWriteItem", {}),
    ("batch-write/empty", "BatchWriteItem", {"RequestItems": {}}),
    ("batch-write/no-requests", "BatchWriteItem", {"RequestItems": {"{T}": []}}),
    ("batch-write/too-many", "BatchWriteItem", {"RequestItems": {"{T}": [
        {"PutRequest": {"Item": {"pk": {"S": str(i)}}}} for i in range(26)]}}),
    ("batch-write/duplicate-keys", "BatchWriteItem", {"RequestItems": {"{T}": [
        {"PutRequest": {"Item": K}}, {"DeleteRequest": {"Key": K}}]}}),
    ("batch-write/both-requests", "BatchWriteItem", {"RequestItems": {"{T}": [
        {"PutRequest": {"Item": K}, "DeleteRequest": {"Key": K}}]}}),
    ("batch-write/neither-request", "BatchWriteItem", {"RequestItems": {"{T}": [{}]}}),
    ("batch-write/key-type", "BatchWriteItem", {"RequestItems": {"{T}": [{"DeleteRequest": {"Key": {"pk": {"N": "1"}}}}]}}),
    ("batch-write/missing-key", "BatchWriteItem", {"RequestItems": {"{T}": [{"PutRequest": {"Item": {"x": S}}}]}}),
    ("batch-write/too-big", "BatchWriteItem", {"RequestItems": {"{T}": [
        {"PutRequest": {"Item": {"pk": S, "d": {"S": "{BIG}"}}}}]}}),
    ("batch-write/missing-table", "BatchWriteItem", {"RequestItems": {"no-such-table-x": [{"PutRequest": {"Item": K}}]}}),
    # --- TransactWriteItems
    *_list_sizes("transact-write", "TransactWriteItems", lambda i: {"Put": {"TableName": "{T}", "Item": {"pk": {"S": str(i)}}}}),
    ("transact-write/duplicate-keys", "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "{T}", "Item": K}}, {"Delete": {"TableName": "{T}", "Key": K}}]}),
    ("transact-write/two-actions", "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "{T}", "Item": K}, "Delete": {"TableName": "{T}", "Key": K}}]}),
    ("transact-write/no-action", "TransactWriteItems", {"TransactItems": [{}]}),
    ("transact-write/check-without-condition", "TransactWriteItems", {"TransactItems": [
        {"ConditionCheck": {"TableName": "{T}", "Key": K}}]}),
    ("transact-write/key-type", "TransactWriteItems", {"TransactItems": [
        {"Delete": {"TableName": "{T}", "Key": {"pk": {"N": "1"}}}}]}),
    ("transact-write/missing-table", "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "no-such-table-x", "Item": K}}]}),
    ("transact-write/bad-condition", "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "{T}", "Item": K, "ConditionExpression": "a =="}}]}),
    ("transact-write/condition-failed", "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "{T}", "Item": {"pk": {"S": "n1"}}, "ConditionExpression": "attribute_exists(pk)"}},
        {"Update": {"TableName": "{T}", "Key": {"pk": {"S": "n2"}}, "UpdateExpression": "SET a = :v",
                    "ExpressionAttributeValues": V}}]}),
    ("transact-write/too-big", "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "{T}", "Item": {"pk": S, "d": {"S": "{BIG}"}}}}]}),
    ("transact-write/long-token", "TransactWriteItems", {"ClientRequestToken": "t" * 37, "TransactItems": [
        {"Put": {"TableName": "{T}", "Item": K}}]}),
    # --- TransactGetItems
    *_list_sizes("transact-get", "TransactGetItems", lambda i: {"Get": {"TableName": "{T}", "Key": {"pk": {"S": str(i)}}}}),
    ("transact-get/duplicate-keys", "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": "{T}", "Key": K}}, {"Get": {"TableName": "{T}", "Key": K}}]}),
    ("transact-get/key-type", "TransactGetItems", {"TransactItems": [{"Get": {"TableName": "{T}", "Key": {"pk": {"N": "1"}}}}]}),
    ("transact-get/missing-table", "TransactGetItems", {"TransactItems": [{"Get": {"TableName": "no-such-table-x", "Key": K}}]}),
    ("transact-get/no-get", "TransactGetItems", {"TransactItems": [{}]}),
    # --- expressions, placeholders and return options, more widely
    ("put/reserved-word", "PutItem", {"TableName": "{T}", "Item": K, "ConditionExpression": "attribute_exists(name)"}),
    ("put/unclosed-parenthesis", "PutItem", {"TableName": "{T}", "Item": K, "ConditionExpression": "(attribute_exists(pk)"}),
    ("put/name-without-hash", "PutItem", {"TableName": "{T}", "Item": K, "ConditionExpression": "attribute_exists(pk)",
                                          "ExpressionAttributeNames": {"n": "x"}}),
    ("put/value-without-colon", "PutItem", {"TableName": "{T}", "Item": K, "ConditionExpression": "pk = :v",
                                            "ExpressionAttributeValues": {":v": S, "w": S}}),
    ("put/empty-names-map", "PutItem", {"TableName": "{T}", "Item": K, "ConditionExpression": "attribute_exists(pk)",
                                        "ExpressionAttributeNames": {}}),
    ("put/empty-value", "PutItem", {"TableName": "{T}", "Item": K, "ConditionExpression": "pk = :v",
                                    "ExpressionAttributeValues": {":v": {}}}),
    ("put/size-type", "PutItem", {"TableName": "{T}", "Item": K, "ConditionExpression": "size(pk) = :v",
                                  "ExpressionAttributeValues": V}),
    ("put/bad-rv-on-failure", "PutItem", {"TableName": "{T}", "Item": K, "ReturnValuesOnConditionCheckFailure": "ALL_NEW"}),
    ("put/bad-consumed-capacity", "PutItem", {"TableName": "{T}", "Item": K, "ReturnConsumedCapacity": "SOME"}),
    ("put/bad-collection-metrics", "PutItem", {"TableName": "{T}", "Item": K, "ReturnItemCollectionMetrics": "ALL"}),
    ("put/condition-failed-all-old", "PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "absent"}},
                                                 "ConditionExpression": "attribute_exists(pk)",
                                                 "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}),
    ("put/expected-and-condition", "PutItem", {"TableName": "{T}", "Item": K, "ConditionExpression": "attribute_exists(pk)",
                                               "Expected": {"pk": {"Exists": False}}}),
    ("put/legacy-with-values", "PutItem", {"TableName": "{T}", "Item": K, "Expected": {"pk": {"Exists": False}},
                                           "ExpressionAttributeValues": V}),
    ("put/deep-nesting", "PutItem", {"TableName": "{T}", "Item": {"pk": S, "m": json.loads(
        '{"M": {"a": ' * 33 + '{"S": "x"}' + '}}' * 33)}}),
    ("update-item/remove-key", "UpdateItem", {"TableName": "{T}", "Key": K, "UpdateExpression": "REMOVE pk"}),
    ("update-item/list-append-string", "UpdateItem", {"TableName": "{T}", "Key": K,
                                                      "UpdateExpression": "SET a = list_append(:v, :v)",
                                                      "ExpressionAttributeValues": V}),
    ("update-item/plus-string", "UpdateItem", {"TableName": "{T}", "Key": K, "UpdateExpression": "SET a = :v + :v",
                                               "ExpressionAttributeValues": V}),
    ("update-item/delete-scalar", "UpdateItem", {"TableName": "{T}", "Key": K, "UpdateExpression": "DELETE a :v",
                                                 "ExpressionAttributeValues": V}),
    ("update-item/function-in-condition-position", "UpdateItem", {"TableName": "{T}", "Key": K,
                                                                  "UpdateExpression": "SET a = attribute_exists(b)"}),
    ("update-item/unused-name", "UpdateItem", {"TableName": "{T}", "Key": K, "UpdateExpression": "SET a = :v",
                                               "ExpressionAttributeValues": V, "ExpressionAttributeNames": {"#x": "x"}}),
    ("update-item/values-alone", "UpdateItem", {"TableName": "{T}", "Key": K, "ExpressionAttributeValues": V}),
    ("update-item/names-alone", "UpdateItem", {"TableName": "{T}", "Key": K, "ExpressionAttributeNames": {"#a": "a"}}),
    ("update-item/updates-with-values", "UpdateItem", {"TableName": "{T}", "Key": K, "ExpressionAttributeValues": V,
                                                       "AttributeUpdates": {"b": {"Action": "DELETE"}}}),
    ("update-item/empty-expression", "UpdateItem", {"TableName": "{T}", "Key": K, "UpdateExpression": ""}),
    ("delete-item/values-alone", "DeleteItem", {"TableName": "{T}", "Key": K, "ExpressionAttributeValues": V}),
    ("delete-item/updated-old", "DeleteItem", {"TableName": "{T}", "Key": K, "ReturnValues": "UPDATED_OLD"}),
    ("get/names-alone", "GetItem", {"TableName": "{T}", "Key": K, "ExpressionAttributeNames": {"#a": "a"}}),
    ("get/values-alone", "GetItem", {"TableName": "{T}", "Key": K, "ExpressionAttributeValues": V}),
    ("query/values-with-key-conditions", "Query", {"TableName": "{T}", "ExpressionAttributeValues": V,
                                                   "KeyConditions": {"pk": {"ComparisonOperator": "EQ",
                                                                            "AttributeValueList": [S]}}}),
    ("query/begins-with-hash", "Query", {"TableName": "{T}", "KeyConditionExpression": "begins_with(pk, :v)",
                                         "ExpressionAttributeValues": V}),
    ("query/filter-undefined-name", "Query", {**Q, "FilterExpression": "#x = :v"}),
    ("query/scan-index-forward-string", "Query", {**Q, "ScanIndexForward": "no"}),
    ("query/gsi-on-table-key", "Query", {"TableName": "{C}", "IndexName": "by-g", "KeyConditionExpression": "pk = :v",
                                         "ExpressionAttributeValues": V}),
    ("query/count-with-projection", "Query", {**Q, "Select": "COUNT", "ProjectionExpression": "a"}),
    ("query/projected-on-index", "Query", {"TableName": "{C}", "IndexName": "by-g", "KeyConditionExpression": "g = :v",
                                           "ExpressionAttributeValues": V, "Select": "ALL_PROJECTED_ATTRIBUTES"}),
    ("query/all-attributes-on-keys-only-index", "Query", {"TableName": "{C}", "IndexName": "by-g",
                                                          "KeyConditionExpression": "g = :v",
                                                          "ExpressionAttributeValues": V, "Select": "ALL_ATTRIBUTES"}),
    ("query/size-in-key-condition", "Query", {"TableName": "{T}", "KeyConditionExpression": "size(pk) = :n",
                                              "ExpressionAttributeValues": {":n": {"N": "1"}}}),
    ("scan/values-alone", "Scan", {"TableName": "{T}", "ExpressionAttributeValues": V}),
    ("scan/names-alone", "Scan", {"TableName": "{T}", "ExpressionAttributeNames": {"#a": "a"}}),
    ("scan/consistent-gsi", "Scan", {"TableName": "{C}", "IndexName": "by-g", "ConsistentRead": True}),
    ("scan/scan-filter-and-filter", "Scan", {"TableName": "{T}", "FilterExpression": "attribute_exists(a)",
                                             "ScanFilter": {"a": {"ComparisonOperator": "NOT_NULL"}}}),
    ("scan/projected-without-index", "Scan", {"TableName": "{T}", "Select": "ALL_PROJECTED_ATTRIBUTES"}),
    ("batch-get/too-many-two-tables", "BatchGetItem", {"RequestItems": {
        "{T}": {"Keys": [{"pk": {"S": str(i)}} for i in range(60)]},
        "{C}": {"Keys": [{"pk": {"S": str(i)}, "sk": {"N": "1"}} for i in range(41)]}}}),
    ("batch-get/values-given", "BatchGetItem", {"RequestItems": {"{T}": {"Keys": [K], "ExpressionAttributeValues": V}}}),
    ("batch-get/projection-and-attributes", "BatchGetItem", {"RequestItems": {"{T}": {
        "Keys": [K], "ProjectionExpression": "a", "AttributesToGet": ["a"]}}}),
    ("batch-write/too-many-two-tables", "BatchWriteItem", {"RequestItems": {
        "{T}": [{"PutRequest": {"Item": {"pk": {"S": str(i)}}}} for i in range(13)],
        "{C}": [{"PutRequest": {"Item": {"pk": {"S": str(i)}, "sk": {"N": "1"}}}} for i in range(13)]}}),
    ("batch-write/empty-key", "BatchWriteItem", {"RequestItems": {"{T}": [{"PutRequest": {"Item": {"pk": {"S": ""}}}}]}}),
    ("transact-write/update-bad-expression", "TransactWriteItems", {"TransactItems": [
        {"Update": {"TableName": "{T}", "Key": K, "UpdateExpression": "SET"}}]}),
    ("transact-write/update-without-expression", "TransactWriteItems", {"TransactItems": [
        {"Update": {"TableName": "{T}", "Key": K}}]}),
    ("transact-write/unused-values", "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "{T}", "Item": K, "ExpressionAttributeValues": V}}]}),
    ("transact-write/one-table-missing", "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "{T}", "Item": K}}, {"Put": {"TableName": "no-such-table-x", "Item": K}}]}),
    ("transact-write/failed-with-old", "TransactWriteItems", {"TransactItems": [
        {"ConditionCheck": {"TableName": "{T}", "Key": {"pk": {"S": "absent"}},
                            "ConditionExpression": "attribute_exists(pk)",
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}]}),
    ("transact-get/projection", "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": "{T}", "Key": K, "ProjectionExpression": "a,"}}]}),
    ("ttl/describe-missing-name", "DescribeTimeToLive", {}),
    ("ttl/no-attribute", "UpdateTimeToLive", {"TableName": "{T}", "TimeToLiveSpecification": {"Enabled": True}}),
    ("ttl/disable-when-disabled", "UpdateTimeToLive", {"TableName": "{T}",
                                                       "TimeToLiveSpecification": {"Enabled": False, "AttributeName": "ttl"}}),
    ("update/missing-name", "UpdateTable", {**ON_DEMAND}),
    ("update/delete-missing-index", "UpdateTable", {"TableName": "{C}", "GlobalSecondaryIndexUpdates": [
        {"Delete": {"IndexName": "nope"}}]}),
    ("update/create-existing-index", "UpdateTable", {"TableName": "{C}", "AttributeDefinitions": [
        {"AttributeName": "g", "AttributeType": "S"}], "GlobalSecondaryIndexUpdates": [
        {"Create": {"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"}}}]}),
    ("create/lsi-on-hash-table", "CreateTable", _create("{N}", LocalSecondaryIndexes=[
        {"IndexName": "lsi", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
         "Projection": {"ProjectionType": "ALL"}}])),
    ("create/bad-projection-type", "CreateTable", {**_create("{N}"), "AttributeDefinitions": DEFS + [
        {"AttributeName": "g", "AttributeType": "S"}], "GlobalSecondaryIndexes": [
        {"IndexName": "gsi", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
         "Projection": {"ProjectionType": "SOME"}}]}),
    ("create/include-without-attributes", "CreateTable", {**_create("{N}"), "AttributeDefinitions": DEFS + [
        {"AttributeName": "g", "AttributeType": "S"}], "GlobalSecondaryIndexes": [
        {"IndexName": "gsi", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
         "Projection": {"ProjectionType": "INCLUDE"}}]}),
    ("create/duplicate-index-names", "CreateTable", {**_create("{N}"), "AttributeDefinitions": DEFS + [
        {"AttributeName": "g", "AttributeType": "S"}], "GlobalSecondaryIndexes": [
        {"IndexName": "gsi", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}},
        {"IndexName": "gsi", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}]}),
    # --- a third round: more of each operation's documented errors
    ("put/updated-new", "PutItem", {"TableName": "{T}", "Item": K, "ReturnValues": "UPDATED_NEW"}),
    ("put/key-too-long", "PutItem", {"TableName": "{T}", "Item": {"pk": {"S": "k" * 2049}}}),
    ("put/range-key-too-long", "PutItem", {"TableName": "{C}", "Item": {"pk": S, "sk": {"N": "1" + "0" * 40}}}),
    ("put/empty-set-member", "PutItem", {"TableName": "{T}", "Item": {"pk": S, "s": {"SS": [""]}}}),
    ("put/null-false", "PutItem", {"TableName": "{T}", "Item": {"pk": S, "n": {"NULL": False}}}),
    ("update-item/undefined-name", "UpdateItem", {"TableName": "{T}", "Key": K, "UpdateExpression": "SET #a = :v",
                                                  "ExpressionAttributeValues": V}),
    ("update-item/add-list", "UpdateItem", {"TableName": "{T}", "Key": K, "UpdateExpression": "ADD a :v",
                                            "ExpressionAttributeValues": {":v": {"L": [S]}}}),
    ("update-item/index-missing-list", "UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "absent"}},
                                                      "UpdateExpression": "SET a[0].b = :v",
                                                      "ExpressionAttributeValues": V}),
    ("update-item/key-through-name", "UpdateItem", {"TableName": "{T}", "Key": K, "UpdateExpression": "SET #k = :v",
                                                    "ExpressionAttributeNames": {"#k": "pk"},
                                                    "ExpressionAttributeValues": V}),
    ("update-item/condition-unused-value", "UpdateItem", {"TableName": "{T}", "Key": K, "UpdateExpression": "SET a = :v",
                                                          "ConditionExpression": "attribute_exists(pk)",
                                                          "ExpressionAttributeValues": {":v": S, ":w": S}}),
    ("update-item/negative-index", "UpdateItem", {"TableName": "{T}", "Key": K, "UpdateExpression": "REMOVE a[-1]"}),
    ("query/range-type", "Query", {"TableName": "{C}", "KeyConditionExpression": "pk = :v AND sk = :v",
                                   "ExpressionAttributeValues": V}),
    ("query/function-in-key-condition", "Query", {"TableName": "{T}",
                                                  "KeyConditionExpression": "pk = :v AND attribute_exists(a)",
                                                  "ExpressionAttributeValues": V}),
    ("query/hash-twice", "Query", {"TableName": "{T}", "KeyConditionExpression": "pk = :v AND pk = :v",
                                   "ExpressionAttributeValues": V}),
    ("scan/segment-negative", "Scan", {"TableName": "{T}", "Segment": -1, "TotalSegments": 2}),
    ("scan/total-string", "Scan", {"TableName": "{T}", "Segment": 0, "TotalSegments": "2"}),
    ("scan/attributes-and-projection", "Scan", {"TableName": "{T}", "AttributesToGet": ["a"], "ProjectionExpression": "a"}),
    ("batch-get/consistent-read-string", "BatchGetItem", {"RequestItems": {"{T}": {"Keys": [K], "ConsistentRead": "yes"}}}),
    ("batch-get/extra-key", "BatchGetItem", {"RequestItems": {"{T}": {"Keys": [{"pk": S, "x": S}]}}}),
    ("batch-write/put-without-item", "BatchWriteItem", {"RequestItems": {"{T}": [{"PutRequest": {}}]}}),
    ("batch-write/delete-extra-key", "BatchWriteItem", {"RequestItems": {"{T}": [{"DeleteRequest": {"Key": {"pk": S, "x": S}}}]}}),
    ("transact-write/bad-rv-on-failure", "TransactWriteItems", {"TransactItems": [
        {"Delete": {"TableName": "{T}", "Key": K, "ReturnValuesOnConditionCheckFailure": "ALL_NEW"}}]}),
    ("transact-write/check-and-put-same-item", "TransactWriteItems", {"TransactItems": [
        {"ConditionCheck": {"TableName": "{T}", "Key": K, "ConditionExpression": "attribute_exists(pk)"}},
        {"Put": {"TableName": "{T}", "Item": K}}]}),
    ("transact-get/unused-names", "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": "{T}", "Key": K, "ProjectionExpression": "a", "ExpressionAttributeNames": {"#x": "x"}}}]}),
    ("describe/long-name", "DescribeTable", {"TableName": "n" * 256}),
    ("delete/bad-name", "DeleteTable", {"TableName": "bad name!"}),
    ("list/start-number", "ListTables", {"ExclusiveStartTableName": 5}),
    ("create/three-keys", "CreateTable", {**_create("{N}"), "KeySchema": HASH + [
        {"AttributeName": "a", "KeyType": "RANGE"}, {"AttributeName": "b", "KeyType": "RANGE"}],
        "AttributeDefinitions": DEFS + [{"AttributeName": "a", "AttributeType": "S"},
                                        {"AttributeName": "b", "AttributeType": "S"}]}),
    ("create/hash-and-range-same", "CreateTable", _create("{N}", KeySchema=HASH + [
        {"AttributeName": "pk", "KeyType": "RANGE"}])),
    ("create/write-throughput-missing", "CreateTable", _create("{N}", BillingMode="PROVISIONED",
                                                               ProvisionedThroughput={"ReadCapacityUnits": 1})),
    ("create/bad-stream-view", "CreateTable", _create("{N}", StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "EVERYTHING"})),
    ("create/lsi-other-hash", "CreateTable", {"TableName": "{N}", **ON_DEMAND,
        "KeySchema": HASH + [{"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": DEFS + [{"AttributeName": "sk", "AttributeType": "S"},
                                        {"AttributeName": "o", "AttributeType": "S"}],
        "LocalSecondaryIndexes": [{"IndexName": "lsi", "Projection": {"ProjectionType": "ALL"},
                                   "KeySchema": [{"AttributeName": "o", "KeyType": "HASH"},
                                                 {"AttributeName": "sk", "KeyType": "RANGE"}]}]}),
    ("create/gsi-short-name", "CreateTable", {**_create("{N}"), "AttributeDefinitions": DEFS + [
        {"AttributeName": "g", "AttributeType": "S"}], "GlobalSecondaryIndexes": [
        {"IndexName": "g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}]}),
    # --- UpdateTable: billing mode, throughput, index updates ({P}: PROVISIONED 1/1, index by-g 1/1)
    ("update/to-provisioned-without-throughput", "UpdateTable", {"TableName": "{C}", "BillingMode": "PROVISIONED"}),
    ("update/to-provisioned-without-index-throughput", "UpdateTable", {
        "TableName": "{C}", "BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 2,
                                                                                    "WriteCapacityUnits": 2}}),
    ("update/throughput-on-demand", "UpdateTable", {"TableName": "{T}", "ProvisionedThroughput": {
        "ReadCapacityUnits": 2, "WriteCapacityUnits": 2}}),
    ("update/bad-billing-mode", "UpdateTable", {"TableName": "{T}", "BillingMode": "FREE"}),
    ("update/same-throughput", "UpdateTable", {"TableName": "{P}", "ProvisionedThroughput": {
        "ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}),
    ("update/zero-throughput", "UpdateTable", {"TableName": "{P}", "ProvisionedThroughput": {
        "ReadCapacityUnits": 0, "WriteCapacityUnits": 1}}),
    ("update/throughput-without-write", "UpdateTable", {"TableName": "{P}", "ProvisionedThroughput": {
        "ReadCapacityUnits": 2}}),
    ("update/index-update-missing-index", "UpdateTable", {"TableName": "{P}", "GlobalSecondaryIndexUpdates": [
        {"Update": {"IndexName": "nope", "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}}}]}),
    ("update/index-update-without-throughput", "UpdateTable", {"TableName": "{P}", "GlobalSecondaryIndexUpdates": [
        {"Update": {"IndexName": "by-g"}}]}),
    ("update/index-update-zero", "UpdateTable", {"TableName": "{P}", "GlobalSecondaryIndexUpdates": [
        {"Update": {"IndexName": "by-g", "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 2}}}]}),
    ("update/index-update-same", "UpdateTable", {"TableName": "{P}", "GlobalSecondaryIndexUpdates": [
        {"Update": {"IndexName": "by-g", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}]}),
    ("update/index-update-on-demand", "UpdateTable", {"TableName": "{C}", "GlobalSecondaryIndexUpdates": [
        {"Update": {"IndexName": "by-g", "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}}}]}),
    ("update/empty-index-update", "UpdateTable", {"TableName": "{C}", "GlobalSecondaryIndexUpdates": [{}]}),
    ("update/no-index-updates", "UpdateTable", {"TableName": "{C}", "GlobalSecondaryIndexUpdates": []}),
    ("update/two-index-deletes", "UpdateTable", {"TableName": "{C}", "GlobalSecondaryIndexUpdates": [
        {"Delete": {"IndexName": "x1"}}, {"Delete": {"IndexName": "x2"}}]}),
    ("create/gsi-without-throughput", "CreateTable", {**_create("{N}"), "BillingMode": "PROVISIONED",
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        "AttributeDefinitions": DEFS + [{"AttributeName": "g", "AttributeType": "S"}], "GlobalSecondaryIndexes": [
            {"IndexName": "gsi", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "ALL"}}]}),
    ("create/gsi-zero-throughput", "CreateTable", {**_create("{N}"), "BillingMode": "PROVISIONED",
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        "AttributeDefinitions": DEFS + [{"AttributeName": "g", "AttributeType": "S"}], "GlobalSecondaryIndexes": [
            {"IndexName": "gsi", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "ALL"}, "ProvisionedThroughput": {"ReadCapacityUnits": 0,
                                                                               "WriteCapacityUnits": 1}}]}),
    ("create/gsi-throughput-on-demand", "CreateTable", {**_create("{N}"), "AttributeDefinitions": DEFS + [
        {"AttributeName": "g", "AttributeType": "S"}], "GlobalSecondaryIndexes": [
        {"IndexName": "gsi", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
         "Projection": {"ProjectionType": "ALL"}, "ProvisionedThroughput": {"ReadCapacityUnits": 1,
                                                                           "WriteCapacityUnits": 1}}]}),
    # capacity units as JSON strings, as dynamodb-admin's create-table form sends them through the JS SDK:
    # DynamoDB would refuse them, DynamoDB Local reads them as numbers, and so does the endpoint, so that
    # dynamodb-admin works on it as on Local (tests/endpoint/test_dynamodb_admin.py)
    ("create/throughput-numeric-strings", "CreateTable", _create("{N}", BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": "3", "WriteCapacityUnits": " 4"})),
    ("create/throughput-fraction", "CreateTable", _create("{N}", BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 3.5, "WriteCapacityUnits": 4})),
    ("create/throughput-word", "CreateTable", _create("{N}", BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": "three", "WriteCapacityUnits": 4})),
    ("create/throughput-boolean", "CreateTable", _create("{N}", BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": True, "WriteCapacityUnits": 4})),
    ("create/gsi-throughput-numeric-strings", "CreateTable", {**_create("{N}"), "BillingMode": "PROVISIONED",
        "ProvisionedThroughput": {"ReadCapacityUnits": "1", "WriteCapacityUnits": "1"},
        "AttributeDefinitions": DEFS + [{"AttributeName": "g", "AttributeType": "S"}], "GlobalSecondaryIndexes": [
            {"IndexName": "gsi", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "ALL"}, "ProvisionedThroughput": {"ReadCapacityUnits": "2",
                                                                               "WriteCapacityUnits": "2"}}]}),
    ("update/same-throughput-numeric-strings", "UpdateTable", {"TableName": "{P}", "ProvisionedThroughput": {
        "ReadCapacityUnits": "1", "WriteCapacityUnits": "1"}}),
    ("update/index-update-same-numeric-strings", "UpdateTable", {"TableName": "{P}", "GlobalSecondaryIndexUpdates": [
        {"Update": {"IndexName": "by-g", "ProvisionedThroughput": {"ReadCapacityUnits": "1", "WriteCapacityUnits": "1"}}}]}),
    ("update/create-index-without-throughput", "UpdateTable", {"TableName": "{P}", "AttributeDefinitions": [
        {"AttributeName": "h", "AttributeType": "S"}], "GlobalSecondaryIndexUpdates": [
        {"Create": {"IndexName": "by-h", "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"}}}]}),
    ("update/create-index-zero-throughput", "UpdateTable", {"TableName": "{P}", "AttributeDefinitions": [
        {"AttributeName": "h", "AttributeType": "S"}], "GlobalSecondaryIndexUpdates": [
        {"Create": {"IndexName": "by-h", "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                    "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 1}}}]}),
    # the last {P} case: DynamoDB Local switches the table to PAY_PER_REQUEST
    ("update/on-demand-with-throughput", "UpdateTable", {"TableName": "{P}", "BillingMode": "PAY_PER_REQUEST",
                                                         "ProvisionedThroughput": {"ReadCapacityUnits": 2,
                                                                                   "WriteCapacityUnits": 2}}),
    # --- more of each operation's refusals, several on {I}, which holds ITEM
    ("delete-item/empty-key-string", "DeleteItem", {"TableName": "{T}", "Key": {"pk": {"S": ""}}}),
    ("delete-item/empty-key", "DeleteItem", {"TableName": "{T}", "Key": {}}),
    ("delete-item/partial-key", "DeleteItem", {"TableName": "{C}", "Key": K}),
    ("delete-item/condition-on-key-undefined-value", "DeleteItem", {"TableName": "{I}", "Key": K,
                                                                    "ConditionExpression": "pk = :v"}),
    ("delete-item/failed-returns-old", "DeleteItem", {"TableName": "{I}", "Key": K,
                                                      "ConditionExpression": "attribute_exists(nope)",
                                                      "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}),
    ("delete-item/bad-rv-on-failure", "DeleteItem", {"TableName": "{I}", "Key": K,
                                                     "ReturnValuesOnConditionCheckFailure": "BOGUS"}),
    ("delete-item/expected-and-expression", "DeleteItem", {"TableName": "{T}", "Key": {"pk": {"S": "zz"}},
                                                           "Expected": {"n": {"Value": {"N": "1"}}},
                                                           "ConditionExpression": "attribute_exists(n)"}),
    ("delete-item/size-condition-absent", "DeleteItem", {"TableName": "{T}", "Key": {"pk": {"S": "zz"}},
                                                         "ConditionExpression": "size(l) > :z",
                                                         "ExpressionAttributeValues": {":z": {"N": "0"}}}),
    ("delete-item/binary-key", "DeleteItem", {"TableName": "{T}", "Key": {"pk": {"B": "AAA="}}}),
    ("delete-item/two-types", "DeleteItem", {"TableName": "{T}", "Key": {"pk": {"S": "a", "N": "1"}}}),
    ("delete-item/unused-name", "DeleteItem", {"TableName": "{T}", "Key": {"pk": {"S": "zz"}},
                                               "ConditionExpression": "#a = :v",
                                               "ExpressionAttributeNames": {"#a": "n", "#b": "x"},
                                               "ExpressionAttributeValues": {":v": {"N": "1"}}}),
    ("delete-item/absent-with-metrics", "DeleteItem", {"TableName": "{T}", "Key": {"pk": {"S": "zz"}},
                                                       "ReturnItemCollectionMetrics": "SIZE"}),
    ("get/projection-twice", "GetItem", {"TableName": "{I}", "Key": K, "ProjectionExpression": "n, n"}),
    ("get/projection-overlaps-list", "GetItem", {"TableName": "{I}", "Key": K, "ProjectionExpression": "l[0], l"}),
    ("get/projection-overlaps-map", "GetItem", {"TableName": "{I}", "Key": K, "ProjectionExpression": "m.k, m"}),
    ("get/projection-empty", "GetItem", {"TableName": "{I}", "Key": K, "ProjectionExpression": ""}),
    ("get/attributes-to-get-empty", "GetItem", {"TableName": "{I}", "Key": K, "AttributesToGet": []}),
    ("get/attributes-to-get-twice", "GetItem", {"TableName": "{I}", "Key": K, "AttributesToGet": ["n", "n"]}),
    ("get/attributes-and-projection", "GetItem", {"TableName": "{I}", "Key": K, "AttributesToGet": ["n"],
                                                  "ProjectionExpression": "n"}),
    ("get/unused-name", "GetItem", {"TableName": "{I}", "Key": K, "ProjectionExpression": "#x",
                                    "ExpressionAttributeNames": {"#x": "n", "#y": "m"}}),
    ("get/negative-index", "GetItem", {"TableName": "{I}", "Key": K, "ProjectionExpression": "l[-1]"}),
    ("get/huge-index", "GetItem", {"TableName": "{I}", "Key": K, "ProjectionExpression": "l[99999999999]"}),
    ("update-item/path-into-string", "UpdateItem", {"TableName": "{I}", "Key": K, "UpdateExpression": "SET m.k.z = :v",
                                                    "ExpressionAttributeValues": {":v": {"S": "x"}}}),
    ("update-item/add-numbers-to-strings", "UpdateItem", {"TableName": "{I}", "Key": K, "UpdateExpression": "ADD s :v",
                                                          "ExpressionAttributeValues": {":v": {"NS": ["1"]}}}),
    ("update-item/delete-scalar-from-set", "UpdateItem", {"TableName": "{I}", "Key": K,
                                                          "UpdateExpression": "DELETE s :v",
                                                          "ExpressionAttributeValues": {":v": {"S": "a"}}}),
    ("update-item/add-string-to-number", "UpdateItem", {"TableName": "{I}", "Key": K, "UpdateExpression": "ADD n :v",
                                                        "ExpressionAttributeValues": {":v": {"S": "a"}}}),
    ("update-item/number-plus-string", "UpdateItem", {"TableName": "{I}", "Key": K, "UpdateExpression": "SET n = n + :v",
                                               "ExpressionAttributeValues": {":v": {"S": "a"}}}),
    ("update-item/list-append-to-list-string", "UpdateItem", {"TableName": "{I}", "Key": K,
                                                      "UpdateExpression": "SET l = list_append(l, :v)",
                                                      "ExpressionAttributeValues": {":v": {"S": "a"}}}),
    *[(f"update-item/number-{label}", "UpdateItem", {"TableName": "{I}", "Key": K, "UpdateExpression": "SET n = :v",
                                                     "ExpressionAttributeValues": {":v": value}})
      for label, value in (("too-big", {"N": "1e126"}), ("too-small", {"N": "1e-131"}), ("not-a-number", {"N": "abc"}),
                           ("empty-set", {"SS": []}), ("duplicate-strings", {"SS": ["a", "a"]}),
                           ("duplicate-numbers", {"NS": ["1", "1.0"]}))],
    ("update-item/key-attribute-of-item", "UpdateItem", {"TableName": "{I}", "Key": K, "UpdateExpression": "SET pk = :v",
                                                 "ExpressionAttributeValues": {":v": {"S": "b"}}}),
    ("update-item/remove-and-set", "UpdateItem", {"TableName": "{I}", "Key": K, "UpdateExpression": "REMOVE n SET n = :v",
                                                  "ExpressionAttributeValues": {":v": {"S": "b"}}}),
    ("update-item/empty-name", "UpdateItem", {"TableName": "{I}", "Key": K, "UpdateExpression": "SET #a = :v",
                                              "ExpressionAttributeNames": {"#a": ""},
                                              "ExpressionAttributeValues": {":v": {"S": "b"}}}),
    ("update-item/size-in-set", "UpdateItem", {"TableName": "{I}", "Key": K, "UpdateExpression": "SET n = size(l)"}),
    ("update-item/size-condition-fails", "UpdateItem", {"TableName": "{I}", "Key": K, "UpdateExpression": "SET n = :v",
                                                        "ConditionExpression": "size(l) = :v",
                                                        "ExpressionAttributeValues": {":v": {"N": "2"}}}),
    ("update-item/transaction-key-attribute", "TransactWriteItems", {"TransactItems": [
        {"Update": {"TableName": "{I}", "Key": K, "UpdateExpression": "SET pk = :v",
                    "ExpressionAttributeValues": {":v": {"S": "b"}}}}]}),
    *[(f"query/key-{label}", "Query", {"TableName": "{C}", "KeyConditionExpression": text,
                                       "ExpressionAttributeValues": {":v": S, ":a": {"N": "1"}, ":b": {"N": "2"}}})
      for label, text in (("between-reversed", "pk = :v AND sk BETWEEN :b AND :a"),
                          ("begins-with-number", "pk = :v AND begins_with(sk, :a)"),
                          ("in", "pk = :v AND sk IN (:a, :b)"), ("or", "pk = :v OR sk = :a"),
                          ("not-equal", "pk = :v AND sk <> :a"), ("partition-twice", "pk = :v AND pk = :v AND sk = :a"),
                          ("sort-twice", "pk = :v AND sk = :a AND sk = :b"), ("partition-range", "pk > :v AND sk = :a"),
                          ("parenthesised", "(pk = :v) AND (sk = :a OR sk = :b)"), ("not", "NOT pk = :v AND sk = :a"))],
    ("query/specific-attributes-alone", "Query", {**{**Q, "TableName": "{C}"}, "Select": "SPECIFIC_ATTRIBUTES"}),
    ("query/count-with-projection-composite", "Query", {**{**Q, "TableName": "{C}"}, "Select": "COUNT",
                                              "ProjectionExpression": "pk"}),
    ("query/unknown-index", "Query", {**{**Q, "TableName": "{C}"}, "IndexName": "nope"}),
    ("query/parenthesised-partition", "Query", {**{**Q, "TableName": "{C}"}, "KeyConditionExpression": "(pk = :v)"}),
    *[(f"scan/filter-{label}", "Scan", {"TableName": "{I}", "FilterExpression": text,
                                        **({"ExpressionAttributeValues": values} if values else {})})
      for label, text, values in (
          ("between-reversed", "n BETWEEN :b AND :a", {":a": {"N": "1"}, ":b": {"N": "2"}}),
          ("empty-in", "n IN ()", None), ("bad-type-name", "attribute_type(n, :t)", {":t": {"S": "BOGUS"}}),
          ("contains-one-operand", "contains(n)", None), ("unknown-function", "unknownfn(n)", None),
          ("size-both-sides", "size(n) = size(m)", None), ("values-only", ":a = :a", {":a": {"N": "1"}}),
          ("same-path", "n = n", None), ("value-begins-with-path", "begins_with(:a, n)", {":a": {"S": "1"}}),
          ("value-contains-path", "contains(:a, n)", {":a": {"NS": ["1", "2"]}}),
          ("size-of-value", "size(:a) = n", {":a": {"S": "x"}}),
          ("contains-size", "contains(size(l), n)", None),
          ("exists-on-value", "attribute_exists(:a)", {":a": {"S": "1"}}))],
    ("scan/too-many-segments", "Scan", {"TableName": "{T}", "Segment": 0, "TotalSegments": 1000001}),
    ("scan/start-key-extra", "Scan", {"TableName": "{T}", "ExclusiveStartKey": {"pk": S, "x": {"S": "b"}}}),
    ("scan/unknown-index-consistent", "Scan", {"TableName": "{T}", "ConsistentRead": True, "IndexName": "nope"}),
    ("batch-get/attributes-and-projection", "BatchGetItem", {"RequestItems": {"{T}": {
        "Keys": [K], "ProjectionExpression": "n", "AttributesToGet": ["n"]}}}),
    ("batch-get/names-without-projection", "BatchGetItem", {"RequestItems": {"{T}": {
        "Keys": [K], "ExpressionAttributeNames": {"#a": "n"}}}}),
    ("batch-write/put-and-delete-in-one", "BatchWriteItem", {"RequestItems": {"{T}": [
        {"PutRequest": {"Item": K}, "DeleteRequest": {"Key": K}}]}}),
    ("batch-write/empty-request", "BatchWriteItem", {"RequestItems": {"{T}": [{}]}}),
    ("transact-write/two-actions-in-one", "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "{T}", "Item": K}, "Delete": {"TableName": "{T}", "Key": K}}]}),
    ("transact-write/check-fails", "TransactWriteItems", {"TransactItems": [
        {"ConditionCheck": {"TableName": "{I}", "Key": K, "ConditionExpression": "attribute_exists(zz)"}}]}),
    ("transact-get/undefined-name", "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": "{I}", "Key": K, "ProjectionExpression": "#a"}}]}),
    ("transact-get/bad-consumed-capacity", "TransactGetItems", {"TransactItems": [{"Get": {"TableName": "{I}", "Key": K}}],
                                                                "ReturnConsumedCapacity": "BOGUS"}),
    ("describe/unknown-member", "DescribeTable", {"TableName": "{T}", "Extra": 1}),
    ("transact-write/empty-token", "TransactWriteItems", {"ClientRequestToken": "", "TransactItems": [
        {"Put": {"TableName": "{T}", "Item": {"pk": {"S": "tok"}}}}]}),
    ("put/index-key-type", "PutItem", {"TableName": "{C}", "Item": {**CK, "g": {"N": "5"}}}),
    ("update-item/index-key-type", "UpdateItem", {"TableName": "{C}", "Key": CK, "UpdateExpression": "SET g = :g",
                                                  "ExpressionAttributeValues": {":g": {"N": "1"}}}),
    ("transact-write/index-key-type", "TransactWriteItems", {"TransactItems": [  # cancelled, not refused
        {"Put": {"TableName": "{C}", "Item": {**CK, "g": {"N": "5"}}}}, {"Put": {"TableName": "{C}", "Item": CK}}]}),
    ("batch-write/index-key-type", "BatchWriteItem", {"RequestItems": {"{C}": [
        {"PutRequest": {"Item": {**CK, "g": {"N": "5"}}}}]}}),
    # --- which refusal comes first when a placeholder is also unused (`_unused` adds one):
    # expression syntax and operands before it; key-condition shape, key types and key attributes after it
    *[(f"order/{label}", operation, _unused(body)) for label, operation, body in (
        ("key-or", "Query", _kq("pk = :v OR sk = :a")),
        ("key-syntax", "Query", _kq("pk = :v AND AND", {":v": S})),
        ("filter-on-key", "Query", {**_kq("pk = :v"), "FilterExpression": "sk = :a"}),
        ("key-nested", "Query", _kq("pk.x = :v", {":v": S})),
        ("key-type", "Query", _kq("pk = :a", {":a": {"N": "1"}})),
        ("key-no-partition", "Query", _kq("sk = :a", {":a": {"N": "1"}})),
        ("key-sort-twice", "Query", _kq("pk = :v AND sk = :a AND sk = :a")),
        ("key-size", "Query", _kq("pk = :v AND size(sk) = :a")),
        ("key-between-reversed", "Query", _kq("pk = :v AND sk BETWEEN :a AND :z", {":v": S, ":a": {"N": "2"},
                                                                                ":z": {"N": "1"}})),
        ("key-other-attribute", "Query", _kq("pk = :v AND x = :a")),
        ("filter-same-path", "Query", {**_kq("pk = :v", {":v": S}), "FilterExpression": "a = a"}),
        ("projection-twice", "Query", {**_kq("pk = :v", {":v": S}), "ProjectionExpression": "a, a"}),
        ("scan-same-path", "Scan", {"TableName": "{T}", "FilterExpression": "a = a"}),
        ("scan-arity", "Scan", {"TableName": "{T}", "FilterExpression": "contains(n)"}),
        ("scan-operand-type", "Scan", {"TableName": "{T}", "FilterExpression": "begins_with(n, :a)",
                                       "ExpressionAttributeValues": {":a": {"N": "2"}}}),
        ("update-key-attribute", "UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "zz"}},
                                                "UpdateExpression": "SET pk = :v", "ExpressionAttributeValues": V}),
        ("update-same-path", "UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "zz"}},
                                            "UpdateExpression": "SET a = :v, a = :v", "ExpressionAttributeValues": V}),
        ("update-condition-same-path", "UpdateItem", {"TableName": "{T}", "Key": {"pk": {"S": "zz"}},
                                                      "UpdateExpression": "SET a = :v", "ConditionExpression": "a = a",
                                                      "ExpressionAttributeValues": V}),
        ("delete-same-path", "DeleteItem", {"TableName": "{T}", "Key": {"pk": {"S": "zz"}},
                                            "ConditionExpression": "a = a"}),
        ("delete-exists-on-value", "DeleteItem", {"TableName": "{T}", "Key": {"pk": {"S": "zz"}},
                                                  "ConditionExpression": "attribute_exists(:c)",
                                                  "ExpressionAttributeValues": {":c": {"N": "2"}}}),
    )],
    ("order/key-unused-name", "Query", {**_kq("pk = :v AND #k = :a"), "ExpressionAttributeNames": {"#k": "sk", "#u": "x"}}),
    ("order/key-or-unused-name", "Query", {**_kq("pk = :v OR #k = :a"),
                                           "ExpressionAttributeNames": {"#k": "sk", "#u": "x"}}),
    # --- whole-request errors
    ("unknown-operation", "Frobnicate", {}),
    ("missing-target", None, {}),
    ("describe-endpoints", "DescribeEndpoints", {}),
    ("json-array-body", "ListTables", []),
]

_PREFIX = "DynamoDB Local leaves out the '1 validation error detected: ' that DynamoDB puts before a constraint failure"
_OWN_WORDS = "DynamoDB Local has its own words; DynamoDB answers with the member's constraint message"
_NO_TAGS = "DynamoDB Local 3.3.0 does not implement TagResource / UntagResource / ListTagsOfResource"
_FAILS = "DynamoDB Local fails with a 500 InternalFailure"
_COERCES = "DynamoDB Local turns a JSON string into a number; DynamoDB's protocol refuses the wrong JSON type"
_KEY_WORDS = "DynamoDB says 'The provided key element does not match the schema'; DynamoDB Local has its own words"
_SEGMENTS = "DynamoDB's words for parallel scan parameters (as dynalite records them); DynamoDB Local has its own"

#: case id -> (the endpoint's error type, why DynamoDB Local's answer is not DynamoDB's); the endpoint answers as DynamoDB
KNOWN: dict[str, tuple[str, str]] = {
    "create/missing-name": ("ValidationException", "DynamoDB Local checks the pattern of a missing name; " + _OWN_WORDS),
    "create/missing-key-schema": ("ValidationException", _OWN_WORDS),
    "create/missing-definitions": ("ValidationException", _OWN_WORDS),
    "create/range-only": ("ValidationException", "DynamoDB: 'Invalid KeySchema: The first KeySchemaElement is not a "
                                                 "HASH key type'; " + _OWN_WORDS),
    "create/bad-key-type": ("ValidationException", "DynamoDB refuses an unknown KeyType with its enum constraint; "
                                                   "DynamoDB Local says there is no hash key"),
    "create/bad-attribute-type": ("ValidationException", _PREFIX + " and the member's path"),
    "create/bad-billing-mode": ("ValidationException", _FAILS),
    "create/zero-throughput": ("ValidationException", _OWN_WORDS),
    "create/throughput-word": ("SerializationException", _FAILS),
    "create/throughput-boolean": ("SerializationException", _FAILS),
    "create/gsi-undefined-key": ("ValidationException", "DynamoDB lists the index keys and the definitions; " + _OWN_WORDS),
    "create/name-is-number": ("SerializationException", "DynamoDB Local turns a JSON number into a string; "
                                                        "DynamoDB's protocol refuses the wrong JSON type"),
    "describe/missing-name": ("ValidationException", _PREFIX),
    "delete/missing-name": ("ValidationException", _PREFIX),
    "put/missing-name": ("ValidationException", _PREFIX),
    "list/limit-zero": ("ValidationException", _OWN_WORDS),
    "list/limit-101": ("ValidationException", _OWN_WORDS),
    "list/limit-string": ("ValidationException", _FAILS),
    "ttl/missing-spec": ("ValidationException", _OWN_WORDS),
    "tags/missing-arn": ("ValidationException", _NO_TAGS),
    "tags/bad-arn": ("ValidationException", _NO_TAGS),
    "tags/missing-table": ("ResourceNotFoundException", _NO_TAGS),
    "tags/tag-missing-tags": ("ValidationException", _NO_TAGS),
    "tags/untag-missing-keys": ("ValidationException", _NO_TAGS),
    "put/missing-item": ("ValidationException", _OWN_WORDS),
    "put/unknown-return-values": ("ValidationException", "DynamoDB refuses a value outside the enum with its "
                                                         "constraint message; " + _OWN_WORDS),
    "update-item/bad-return-values": ("ValidationException", "DynamoDB refuses a value outside the enum with its "
                                                             "constraint message; " + _OWN_WORDS),
    "put/number-precision": ("ValidationException", "DynamoDB: 'Attempting to store more than 38 significant digits "
                                                    "in a Number'; " + _OWN_WORDS),
    "put/item-not-object": ("ValidationException", _FAILS),
    "get/missing-key": ("ValidationException", _OWN_WORDS),
    "update-item/missing-key": ("ValidationException", _OWN_WORDS),
    "delete-item/missing-key": ("ValidationException", _OWN_WORDS),
    "get/extra-key": ("ValidationException", _KEY_WORDS),
    "get/partial-key": ("ValidationException", _KEY_WORDS),
    "get/wrong-attribute": ("ValidationException", _KEY_WORDS),
    "get/consistent-read-string": ("SerializationException", _FAILS + "; DynamoDB refuses the wrong JSON type"),
    "query/limit-zero": ("ValidationException", _OWN_WORDS),
    "query/limit-negative": ("ValidationException", _OWN_WORDS),
    "scan/limit-zero": ("ValidationException", _OWN_WORDS),
    "query/bad-select": ("ValidationException", _OWN_WORDS),
    "query/limit-string": ("SerializationException", _COERCES),
    "query/start-key-wrong": ("ValidationException", "DynamoDB adds why the starting key is invalid"),
    "scan/start-key-wrong": ("ValidationException", "DynamoDB adds why the starting key is invalid"),
    "scan/segment-without-total": ("ValidationException", _SEGMENTS),
    "scan/total-without-segment": ("ValidationException", _SEGMENTS),
    "scan/segment-too-big": ("ValidationException", _SEGMENTS),
    "scan/total-zero": ("ValidationException", "DynamoDB refuses TotalSegments < 1 with its constraint; DynamoDB "
                                               "Local words it as a bound on Segment (<= -1)"),
    "batch-write/no-requests": ("ValidationException", "DynamoDB refuses it with the map values' length constraint; "
                                                       "DynamoDB Local has its own words"),
    "batch-write/too-many": ("ValidationException", "DynamoDB refuses it with the map values' length constraint; "
                                                    "DynamoDB Local has its own words"),
    "transact-write/missing": ("ValidationException", _PREFIX),
    "transact-get/missing": ("ValidationException", _PREFIX),
    "transact-write/empty": ("ValidationException", _PREFIX),
    "transact-get/empty": ("ValidationException", "DynamoDB Local calls an empty list null; " + _PREFIX),
    "transact-write/too-many": ("ValidationException", _PREFIX + " and the value"),
    "transact-get/too-many": ("ValidationException", _PREFIX + " and the value"),
    "transact-write/check-without-condition": ("ValidationException", _PREFIX),
    "transact-write/long-token": ("ValidationException", _PREFIX),
    "describe-endpoints": ("", "DynamoDB Local 3.3.0 does not implement DescribeEndpoints (UnknownOperationException)"),
    "json-array-body": ("SerializationException", _FAILS + "; DynamoDB answers SerializationException"),
    "put/bad-consumed-capacity": ("ValidationException", "DynamoDB checks the enum; DynamoDB Local ignores the value"),
    "put/bad-collection-metrics": ("ValidationException", "DynamoDB checks the enum; DynamoDB Local ignores the value"),
    "query/scan-index-forward-string": ("SerializationException", _FAILS + "; DynamoDB refuses the wrong JSON type"),
    "transact-write/update-without-expression": ("ValidationException", "UpdateExpression is required in a "
                                                 "transaction's Update (API reference); DynamoDB Local accepts none"),
    "ttl/describe-missing-name": ("ValidationException", _PREFIX),
    "update/missing-name": ("ValidationException", _PREFIX),
    "ttl/no-attribute": ("ValidationException", _OWN_WORDS),
    "missing-target": ("UnknownOperationException", _FAILS + "; DynamoDB answers UnknownOperationException"),
    "put/key-too-long": ("ValidationException", "DynamoDB: 'Size of hashkey has exceeded the maximum size limit of "
                                                "2048 bytes'; " + _OWN_WORDS),
    "scan/segment-negative": ("ValidationException", "DynamoDB's constraint is Segment >= 0; DynamoDB Local words "
                                                     "it as a bound from TotalSegments"),
    "scan/total-string": ("SerializationException", _COERCES),
    "batch-get/consistent-read-string": ("SerializationException", _FAILS + "; DynamoDB refuses the wrong JSON type"),
    "batch-get/extra-key": ("ValidationException", _KEY_WORDS),
    "batch-write/delete-extra-key": ("ValidationException", _KEY_WORDS),
    "batch-write/put-without-item": ("ValidationException", _OWN_WORDS),
    "transact-write/bad-rv-on-failure": ("ValidationException", "DynamoDB checks the enum; DynamoDB Local ignores "
                                                                "the value"),
    "transact-write/check-and-put-same-item": ("ValidationException", "DynamoDB documents a ValidationException for "
                                               "several operations on one item; DynamoDB Local cancels the "
                                               "transaction when one of them is a ConditionCheck"),
    "list/start-number": ("SerializationException", "DynamoDB Local turns a JSON number into a string; DynamoDB's "
                                                    "protocol refuses the wrong JSON type"),
    "create/write-throughput-missing": ("ValidationException", _OWN_WORDS),
    "transact-get/no-get": ("ValidationException", "DynamoDB Local calls the whole list null; " + _PREFIX
                            + " and the member's path"),
    "create/bad-stream-view": ("ValidationException", "DynamoDB checks the enum; DynamoDB Local creates the table"),
    "update/to-provisioned-without-index-throughput": ("ValidationException", "DynamoDB needs every global index's "
                                                       "throughput in the request that switches to PROVISIONED; "
                                                       + _FAILS),
    "update/throughput-on-demand": ("ValidationException", "DynamoDB refuses throughput for a PAY_PER_REQUEST "
                                                           "table; DynamoDB Local ignores it"),
    "update/bad-billing-mode": ("ValidationException", _FAILS),
    "update/index-update-on-demand": ("ValidationException", "DynamoDB refuses index throughput on a "
                                                             "PAY_PER_REQUEST table; " + _FAILS),
    "create/gsi-throughput-on-demand": ("ValidationException", "DynamoDB refuses index throughput on a "
                                                               "PAY_PER_REQUEST table; DynamoDB Local creates it"),
    "update/create-index-without-throughput": ("ValidationException", "DynamoDB needs a new index's throughput on a "
                                                                      "PROVISIONED table; " + _FAILS),
    "transact-write/empty-token": ("ValidationException", "DynamoDB's constraint on ClientRequestToken is a length of "
                                                          "1 to 36; DynamoDB Local takes an empty one"),
    **{f"{op}/index-key-type": ("ValidationException", "DynamoDB names the attribute, both types and the index; "
                                                       "DynamoDB Local stops after 'Type mismatch for Index Key'")
       for op in ("put", "update-item", "batch-write")},
    "delete-item/empty-key": ("ValidationException", _KEY_WORDS),
    "delete-item/partial-key": ("ValidationException", _KEY_WORDS),
    "get/attributes-to-get-twice": ("ValidationException", "DynamoDB's words for a repeated name (as dynalite records "
                                                           "them); DynamoDB Local has its own"),
    "scan/start-key-extra": ("ValidationException", "DynamoDB adds why the starting key is invalid"),
    "transact-get/bad-consumed-capacity": ("ValidationException", "DynamoDB checks the enum; DynamoDB Local ignores "
                                                                  "the value"),
    # the last {P} case: DynamoDB Local switches the table to PAY_PER_REQUEST here
    "update/on-demand-with-throughput": ("ValidationException", "DynamoDB refuses throughput with PAY_PER_REQUEST; "
                                                                "DynamoDB Local ignores it and switches"),
}

#: case id -> why the answers still differ: not yet settled which one is DynamoDB's, or the fix is in shared code
REMAINING: dict[str, str] = {
    "update-item/transaction-key-attribute": "DynamoDB Local cancels the transaction with one ValidationError reason "
                                             "(one reason even when the transaction has two actions); the endpoint "
                                             "refuses the request up front, as UpdateItem does. Which one DynamoDB "
                                             "answers is not documented",
}


@pytest.fixture(scope="module")
def names(servers: dict[str, str]) -> Iterator[dict[str, str]]:
    t, c = unique_name("errs"), unique_name("errs-c")
    composite = {"TableName": c, **ON_DEMAND,
                 "KeySchema": HASH + [{"AttributeName": "sk", "KeyType": "RANGE"}],
                 "AttributeDefinitions": DEFS + [{"AttributeName": "sk", "AttributeType": "N"},
                                                 {"AttributeName": "g", "AttributeType": "S"}],
                 "GlobalSecondaryIndexes": [{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                             "Projection": {"ProjectionType": "KEYS_ONLY"}}]}
    one = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
    provisioned = {**composite, "TableName": unique_name("errs-p"), "BillingMode": "PROVISIONED",
                   "ProvisionedThroughput": one,
                   "GlobalSecondaryIndexes": [{**composite["GlobalSecondaryIndexes"][0], "ProvisionedThroughput": one}]}
    i = unique_name("errs-i")
    with table_on_each(servers, _create(t)), table_on_each(servers, composite), table_on_each(servers, provisioned), \
            table_on_each(servers, _create(i), [ITEM]):
        # {N}: a fresh name for CreateTable cases (the DynamoDB Local may be shared by several test runs)
        yield {"T": t, "C": c, "P": provisioned["TableName"], "I": i, "N": unique_name("errs-n")}


def _fill(body: Any, names: dict[str, str]) -> Any:
    if body == "{T-create}":
        return _create(names["T"])
    if body == "{G-consistent}":
        return {"TableName": names["C"], "IndexName": "by-g", "KeyConditionExpression": "g = :v",
                "ExpressionAttributeValues": V, "ConsistentRead": True}
    text = json.dumps(body)
    for placeholder in ("T", "C", "P", "I", "N"):
        text = text.replace("{%s}" % placeholder, names[placeholder])
    text = text.replace("{BIG}", BIG)
    return json.loads(text)


def answer(reply: Any) -> tuple[int, str | None, str | None]:
    """Status, error type and (for validation errors) message; None for a success."""
    if reply.status == 200:
        return 200, None, None
    message = reply.message if reply.error_type == "ValidationException" else None
    return reply.status, reply.error_type, message


@pytest.mark.parametrize("case, operation, body", CASES, ids=[c[0] for c in CASES])
def test_same_answer(servers: dict[str, str], names: dict[str, str], case: str, operation: str | None, body: Any) -> None:
    request = _fill(body, names)
    local = answer(send(servers["local"], operation, request))
    ours = answer(send(servers["endpoint"], operation, request))
    if operation == "CreateTable" and request.get("TableName") == names["N"]:
        for url in servers.values():  # a case one server accepted must not leave a table behind for the next
            send(url, "DeleteTable", {"TableName": names["N"]})
    judge(case, ours, local, KNOWN, REMAINING)


def test_every_marked_case_exists() -> None:
    check_marks(CASES, KNOWN, REMAINING)


def test_key_type_cancels_a_transaction_with_the_same_reasons(servers: dict[str, str], names: dict[str, str]) -> None:
    body = {"TransactItems": [{"Put": {"TableName": names["T"], "Item": {"pk": {"S": "tx-ok"}}}},
                              {"Delete": {"TableName": names["T"], "Key": {"pk": {"N": "1"}}}}]}
    local, ours = (send(url, "TransactWriteItems", body) for url in (servers["local"], servers["endpoint"]))
    assert (ours.status, ours.error_type) == (local.status, local.error_type) == (400, "TransactionCanceledException")
    assert ours.body["CancellationReasons"] == local.body["CancellationReasons"]
    assert ours.message == local.message
