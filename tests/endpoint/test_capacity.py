"""ConsumedCapacity of Query and Scan, and ReturnItemCollectionMetrics, compared with DynamoDB Local.

DynamoDB charges a Query or Scan for what it read, not for what it returned: the sizes of
the items read before a filter (index entries, as projected, on an index) summed, rounded
up to 4 KB units once per request, halved for eventually consistent reads. A projection or
``Select=COUNT`` does not make a read cheaper.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance._support import unique_name

from ._raw import send, table_on_each

BIG = "x" * 3000
TABLE = {
    "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                             {"AttributeName": "g", "AttributeType": "S"}],
    "GlobalSecondaryIndexes": [{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                "Projection": {"ProjectionType": "KEYS_ONLY"}}],
    "LocalSecondaryIndexes": [{"IndexName": "by-l", "Projection": {"ProjectionType": "ALL"},
                               "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                             {"AttributeName": "g", "KeyType": "RANGE"}]}],
}
ITEMS = [{"pk": {"S": "a"}, "sk": {"N": str(i)}, "g": {"S": f"x{i}"}, "d": {"S": BIG}} for i in range(5)]
P = {":p": {"S": "a"}}
Q = {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": P, "ReturnConsumedCapacity": "TOTAL"}
INDEXES = {"ReturnConsumedCapacity": "INDEXES"}

#: (case, operation, request without TableName): each answered with the same ConsumedCapacity
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("query", "Query", Q),
    ("query/consistent", "Query", {**Q, "ConsistentRead": True}),
    ("query/count", "Query", {**Q, "Select": "COUNT"}),
    ("query/limit", "Query", {**Q, "Limit": 2}),
    ("query/projection", "Query", {**Q, "ProjectionExpression": "sk"}),
    ("query/filter-matching-nothing", "Query", {**Q, "FilterExpression": "d = :n",
                                                "ExpressionAttributeValues": {**P, ":n": {"S": "no"}}}),
    ("query/nothing", "Query", {**Q, "ExpressionAttributeValues": {":p": {"S": "none"}}}),
    ("query/indexes", "Query", {**Q, **INDEXES}),
    ("query/sort-key-range", "Query", {**Q, "KeyConditionExpression": "pk = :p AND sk < :s",
                                       "ExpressionAttributeValues": {**P, ":s": {"N": "3"}}}),
    ("query/gsi-keys-only", "Query", {"IndexName": "by-g", "KeyConditionExpression": "g = :g",
                                      "ExpressionAttributeValues": {":g": {"S": "x1"}}, **INDEXES}),
    ("query/lsi", "Query", {**Q, "IndexName": "by-l", **INDEXES}),
    ("scan", "Scan", {"ReturnConsumedCapacity": "TOTAL"}),
    ("scan/consistent-count", "Scan", {"ReturnConsumedCapacity": "TOTAL", "ConsistentRead": True, "Select": "COUNT"}),
    ("scan/filter-matching-nothing", "Scan", {"ReturnConsumedCapacity": "TOTAL", "FilterExpression": "d = :n",
                                              "ExpressionAttributeValues": {":n": {"S": "no"}}}),
    ("scan/indexes", "Scan", INDEXES),
    ("scan/lsi", "Scan", {"IndexName": "by-l", **INDEXES}),
]


@pytest.fixture(scope="module")
def table(servers: dict[str, str]) -> Any:
    with table_on_each(servers, {"TableName": unique_name("capacity"), **TABLE}, ITEMS) as name:
        yield name


@pytest.mark.parametrize("case, operation, body", CASES, ids=[c[0] for c in CASES])
def test_query_and_scan_capacity_as_dynamodb_local(servers: dict[str, str], table: str, case: str, operation: str,
                                                    body: dict[str, Any]) -> None:
    replies = {n: send(url, operation, {"TableName": table, **body}) for n, url in servers.items()}
    for n, r in replies.items():
        assert r.status == 200, (n, r.raw)
    local, ours = replies["local"].body, replies["endpoint"].body
    assert (ours["Count"], ours["ScannedCount"]) == (local["Count"], local["ScannedCount"])
    assert ours["ConsumedCapacity"] == local["ConsumedCapacity"], json.dumps(local["ConsumedCapacity"])


def test_a_filter_does_not_make_a_read_cheaper(servers: dict[str, str], table: str) -> None:
    url = servers["endpoint"]
    everything = send(url, "Scan", {"TableName": table, "ReturnConsumedCapacity": "TOTAL"}).body
    nothing = send(url, "Scan", {"TableName": table, "ReturnConsumedCapacity": "TOTAL", "FilterExpression": "d = :n",
                                 "ExpressionAttributeValues": {":n": {"S": "no"}}}).body
    assert nothing["Count"] == 0 and nothing["ScannedCount"] == everything["ScannedCount"] == 5
    # 5 items of about 3 KB: 15 KB read, 4 units of 4 KB, halved for an eventually consistent read
    assert nothing["ConsumedCapacity"] == everything["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 2.0}


def test_scanning_a_keys_only_index_costs_its_entries(servers: dict[str, str], table: str) -> None:
    """DynamoDB charges an index read for the index entries read; DynamoDB Local charges a Scan of a global
    index for the table's items (2.0 here) while it charges a Query of the same index for its entries."""
    ours = send(servers["endpoint"], "Scan", {"TableName": table, "IndexName": "by-g", **INDEXES}).body
    assert ours["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 0.5, "Table": {"CapacityUnits": 0.0},
                                        "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 0.5}}}


def test_item_collection_metrics_of_batch_writes_and_transactions(servers: dict[str, str], table: str) -> None:
    """DynamoDB reports the item collections (tables with local indexes) that BatchWriteItem and
    TransactWriteItems wrote, per table; DynamoDB Local reports none, so only the endpoint is checked."""
    url = servers["endpoint"]
    key = {"pk": {"S": "m"}, "sk": {"N": "1"}}
    got = send(url, "BatchWriteItem", {"RequestItems": {table: [{"PutRequest": {"Item": key}},
                                                                {"DeleteRequest": {"Key": {**key, "pk": {"S": "n"}}}}]},
                                       "ReturnItemCollectionMetrics": "SIZE"}).body
    assert got["ItemCollectionMetrics"] == {table: [
        {"ItemCollectionKey": {"pk": {"S": "m"}}, "SizeEstimateRangeGB": [0.0, 1.0]},
        {"ItemCollectionKey": {"pk": {"S": "n"}}, "SizeEstimateRangeGB": [0.0, 1.0]}]}
    got = send(url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": table, "Item": {**key, "pk": {"S": "o"}}}},
        {"ConditionCheck": {"TableName": table, "Key": key, "ConditionExpression": "attribute_exists(pk)"}}],
        "ReturnItemCollectionMetrics": "SIZE"}).body
    assert got["ItemCollectionMetrics"] == {table: [
        {"ItemCollectionKey": {"pk": {"S": "o"}}, "SizeEstimateRangeGB": [0.0, 1.0]}]}
    none = send(url, "BatchWriteItem", {"RequestItems": {table: [{"PutRequest": {"Item": key}}]}}).body
    assert "ItemCollectionMetrics" not in none


def test_write_capacity_counts_the_index_entries_written(servers: dict[str, str]) -> None:
    """A write also writes the index entries it adds, changes or removes: 1 KB units of each entry as projected,
    two writes where an index key changes, none where the entry stays the same."""
    name = unique_name("capacity-w")
    key = {"pk": {"S": "a"}, "sk": {"N": "1"}}
    item = {**key, "g": {"S": "x"}, "d": {"S": "y" * 1500}}
    steps: list[tuple[str, dict[str, Any]]] = [
        ("PutItem", {"Item": item}),  # new: the table and both indexes
        ("PutItem", {"Item": item}),  # the same item again: no index entry changes
        ("PutItem", {"Item": {**item, "g": {"S": "z"}}}),  # an index key changes: delete and put in each index
        ("PutItem", {"Item": {k: v for k, v in item.items() if k != "g"}}),  # out of both indexes
        ("UpdateItem", {"Key": key, "UpdateExpression": "SET g = :g", "ExpressionAttributeValues": {":g": {"S": "q"}}}),
        ("UpdateItem", {"Key": key, "UpdateExpression": "SET e = :e", "ExpressionAttributeValues": {":e": {"S": "e"}},
                        "ReturnValues": "UPDATED_OLD"}),  # only the ALL-projected local index changes
        ("UpdateItem", {"Key": {**key, "sk": {"N": "2"}}, "UpdateExpression": "SET e = :e",
                        "ExpressionAttributeValues": {":e": {"S": "e"}}}),  # a new item in no index
        ("DeleteItem", {"Key": key}),
        ("DeleteItem", {"Key": key}),  # nothing there
    ]
    with table_on_each(servers, {"TableName": name, **TABLE}):
        for mode in ("INDEXES", "TOTAL"):
            for operation, body in steps:
                request = {"TableName": name, "ReturnConsumedCapacity": mode, **body}
                local, ours = (send(servers[n], operation, request) for n in ("local", "endpoint"))
                assert local.status == ours.status == 200, (local.raw, ours.raw)
                assert ours.body["ConsumedCapacity"] == local.body["ConsumedCapacity"], (operation, body, mode)
                assert ours.body.get("Attributes") == local.body.get("Attributes")


def test_batch_and_transaction_capacity_counts_old_items_and_index_entries(servers: dict[str, str]) -> None:
    """Batches and transactions are charged like the single writes they hold (transactions twice, a
    ConditionCheck one unit), the items they replace or delete and the index entries included."""
    name = unique_name("capacity-b")
    key = {"pk": {"S": "a"}, "sk": {"N": "1"}}
    item = {**key, "g": {"S": "x"}, "d": {"S": "y" * 1500}}
    steps: list[tuple[str, dict[str, Any]]] = [
        ("TransactWriteItems", {"TransactItems": [{"Put": {"TableName": name, "Item": item}}]}),
        ("TransactWriteItems", {"TransactItems": [
            {"Update": {"TableName": name, "Key": key, "UpdateExpression": "SET g = :g",
                        "ExpressionAttributeValues": {":g": {"S": "z"}}}},
            {"ConditionCheck": {"TableName": name, "Key": {**key, "pk": {"S": "b"}},
                                "ConditionExpression": "attribute_not_exists(pk)"}}]}),
        ("TransactWriteItems", {"TransactItems": [{"Delete": {"TableName": name, "Key": key}}]}),
        ("BatchWriteItem", {"RequestItems": {name: [{"PutRequest": {"Item": item}},
                                                    {"PutRequest": {"Item": {**item, "sk": {"N": "2"}}}}]}}),
        ("BatchWriteItem", {"RequestItems": {name: [{"PutRequest": {"Item": item}},
                                                    {"DeleteRequest": {"Key": {**key, "sk": {"N": "2"}}}}]}}),
        ("BatchWriteItem", {"RequestItems": {name: [{"DeleteRequest": {"Key": key}}]}}),
        ("BatchGetItem", {"RequestItems": {name: {"Keys": [key]}}}),
        ("TransactGetItems", {"TransactItems": [{"Get": {"TableName": name, "Key": key}}]}),
    ]
    with table_on_each(servers, {"TableName": name, **TABLE}):
        for mode in ("INDEXES", "TOTAL"):
            for operation, body in steps:
                request = {**body, "ReturnConsumedCapacity": mode}
                local, ours = (send(servers[n], operation, request) for n in ("local", "endpoint"))
                assert local.status == ours.status == 200, (local.raw, ours.raw)
                assert ours.body["ConsumedCapacity"] == local.body["ConsumedCapacity"], (operation, mode)


#: the table with a KEYS_ONLY local index besides: what it does not project is fetched from the table
FETCHING = {**TABLE, "LocalSecondaryIndexes": [{"IndexName": "by-l-keys", "Projection": {"ProjectionType": "KEYS_ONLY"},
                                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                              {"AttributeName": "g", "KeyType": "RANGE"}]}]}
LQ = {**Q, "IndexName": "by-l-keys"}
FETCH_CASES: list[tuple[str, dict[str, Any]]] = [
    ("projected", {**LQ, **INDEXES}),
    ("projection-fetches", {**LQ, "ProjectionExpression": "d, g", **INDEXES}),
    ("projection-fetches-consistent", {**LQ, "ProjectionExpression": "d", "ConsistentRead": True}),
    ("all-attributes", {**LQ, "Select": "ALL_ATTRIBUTES", **INDEXES}),
    ("all-projected-attributes", {**LQ, "Select": "ALL_PROJECTED_ATTRIBUTES", **INDEXES}),
    ("count", {**LQ, "Select": "COUNT", **INDEXES}),
    ("limit", {**LQ, "Select": "ALL_ATTRIBUTES", "Limit": 2}),
]


@pytest.mark.parametrize("case, body", FETCH_CASES, ids=[c[0] for c in FETCH_CASES])
def test_a_local_index_fetches_what_it_does_not_project_as_dynamodb_local(servers: dict[str, str], case: str,
                                                                           body: dict[str, Any]) -> None:
    """A Query of a local index that asks for attributes it does not project (a projection, or Select
    ALL_ATTRIBUTES) reads them from the table, and each fetched item is charged to the table."""
    with table_on_each(servers, {"TableName": unique_name("capacity-f"), **FETCHING}, ITEMS) as name:
        replies = {n: send(url, "Query", {"TableName": name, **body}) for n, url in servers.items()}
    for n, r in replies.items():
        assert r.status == 200, (n, r.raw)
    assert replies["endpoint"].body == replies["local"].body
