"""UpdateTable beyond adding an index: deleting a global index, throughput, billing mode switches.

The same requests go to DynamoDB Local and to `dynastore endpoint`; what both implement must
describe alike. Where DynamoDB Local departs from DynamoDB (a Query on a deleted index fails
with a 500 there), the endpoint's answer is DynamoDB's and the test says so.
"""

from __future__ import annotations

import time
from typing import Any

from conformance._support import unique_name

from ._raw import send, table_on_each

TWO_GSIS = {
    "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "g", "h")],
    "GlobalSecondaryIndexes": [
        {"IndexName": f"by-{n}", "KeySchema": [{"AttributeName": n, "KeyType": "HASH"}],
         "Projection": {"ProjectionType": "ALL"}} for n in ("g", "h")],
}
ITEMS = [{"pk": {"S": str(i)}, "g": {"S": "x"}, "h": {"S": "y"}} for i in range(3)]


def units(tp: dict[str, Any] | None) -> tuple[int, int]:
    """Read and write units; DynamoDB Local leaves an on-demand index's out where DynamoDB shows 0."""
    return (tp["ReadCapacityUnits"], tp["WriteCapacityUnits"]) if tp else (0, 0)


def shape(table: dict[str, Any]) -> dict[str, Any]:
    """What UpdateTable changes, from a DynamoDB ``Table`` description."""
    return {
        "billing": (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED"),
        "table": units(table["ProvisionedThroughput"]),
        "indexes": {g["IndexName"]: units(g.get("ProvisionedThroughput")) for g in table.get("GlobalSecondaryIndexes", ())},
        "definitions": sorted(d["AttributeName"] for d in table["AttributeDefinitions"]),
    }


def on_each(servers: dict[str, str], operation: str, body: dict[str, Any]) -> dict[str, Any]:
    replies = {name: send(url, operation, body) for name, url in servers.items()}
    for name, r in replies.items():
        assert r.status == 200, (name, r.raw)
    return {name: r.body for name, r in replies.items()}


def test_billing_mode_switches_and_throughput_as_dynamodb_local(servers: dict[str, str]) -> None:
    name = unique_name("upd-billing")
    with table_on_each(servers, {"TableName": name, **TWO_GSIS}, ITEMS):
        got = on_each(servers, "UpdateTable", {
            "TableName": name, "BillingMode": "PROVISIONED",
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 6},
            "GlobalSecondaryIndexUpdates": [
                {"Update": {"IndexName": "by-g", "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 4}}},
                {"Update": {"IndexName": "by-h", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 6}}}]})
        ours = shape(got["endpoint"]["TableDescription"])
        assert ours == shape(got["local"]["TableDescription"])
        assert ours["billing"] == "PROVISIONED" and ours["table"] == (5, 6) and ours["indexes"]["by-g"] == (3, 4)
        on_each(servers, "UpdateTable", {"TableName": name, "ProvisionedThroughput": {"ReadCapacityUnits": 7,
                                                                                      "WriteCapacityUnits": 6}})
        on_each(servers, "UpdateTable", {"TableName": name, "GlobalSecondaryIndexUpdates": [
            {"Update": {"IndexName": "by-g", "ProvisionedThroughput": {"ReadCapacityUnits": 9, "WriteCapacityUnits": 4}}}]})
        described = on_each(servers, "DescribeTable", {"TableName": name})
        ours = shape(described["endpoint"]["Table"])
        assert ours == shape(described["local"]["Table"])
        assert ours["table"] == (7, 6) and ours["indexes"] == {"by-g": (9, 4), "by-h": (5, 6)}
        back = on_each(servers, "UpdateTable", {"TableName": name, "BillingMode": "PAY_PER_REQUEST"})
        for body in back.values():
            assert shape(body["TableDescription"])["billing"] == "PAY_PER_REQUEST"
            assert shape(body["TableDescription"])["table"] == (0, 0)
        # DynamoDB shows on-demand indexes with 0 units (DynamoDB Local keeps the old ones)
        assert set(shape(back["endpoint"]["TableDescription"])["indexes"].values()) == {(0, 0)}


def test_deleting_a_global_index_as_dynamodb_local(servers: dict[str, str]) -> None:
    name = unique_name("upd-drop")
    with table_on_each(servers, {"TableName": name, **TWO_GSIS}, ITEMS):
        got = on_each(servers, "UpdateTable", {"TableName": name,
                                               "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "by-g"}}]})
        # both answer with the index still listed, DELETING (the endpoint has dropped it already)
        for body in got.values():
            listed = {g["IndexName"]: (g["IndexStatus"], g["ItemCount"], g["IndexSizeBytes"])
                      for g in body["TableDescription"]["GlobalSecondaryIndexes"]}
            assert listed["by-g"] == ("DELETING", 0, 0) and listed["by-h"][0] == "ACTIVE"
            assert sorted(d["AttributeName"] for d in body["TableDescription"]["AttributeDefinitions"]) == ["h", "pk"]
        assert list(shape(on_each(servers, "DescribeTable", {"TableName": name})["endpoint"]["Table"])["indexes"]) == [
            "by-h"]
        for _ in range(200):  # DynamoDB Local deletes the index in the background, as DynamoDB does
            described = on_each(servers, "DescribeTable", {"TableName": name})
            if "by-g" not in shape(described["local"]["Table"])["indexes"]:
                break
            time.sleep(0.05)
        ours = shape(described["endpoint"]["Table"])
        assert ours == shape(described["local"]["Table"])
        assert list(ours["indexes"]) == ["by-h"] and ours["definitions"] == ["h", "pk"]
        scans = {n: send(url, "Scan", {"TableName": name, "IndexName": "by-g"}) for n, url in servers.items()}
        assert {(r.status, r.error_type, r.message) for r in scans.values()} == {
            (400, "ValidationException", "The table does not have the specified index: by-g")}
        # DynamoDB answers a Query on it the same way (DynamoDB Local fails with a 500 InternalFailure)
        q = send(servers["endpoint"], "Query", {"TableName": name, "IndexName": "by-g", "KeyConditionExpression": "g = :v",
                                                "ExpressionAttributeValues": {":v": {"S": "x"}}})
        assert (q.status, q.error_type, q.message) == (
            400, "ValidationException", "The table does not have the specified index: by-g")
        again = {n: send(url, "UpdateTable", {"TableName": name, "GlobalSecondaryIndexUpdates": [
            {"Delete": {"IndexName": "by-g"}}]}) for n, url in servers.items()}
        assert {(r.status, r.error_type, r.message) for r in again.values()} == {
            (400, "ResourceNotFoundException", "Requested resource not found")}
        # the other index still answers, and one made again under the old name starts from the table alone
        url = servers["endpoint"]
        assert send(url, "Query", {"TableName": name, "IndexName": "by-h", "KeyConditionExpression": "h = :v",
                                   "ExpressionAttributeValues": {":v": {"S": "y"}}}).body["Count"] == 3
        send(url, "DeleteItem", {"TableName": name, "Key": {"pk": {"S": "0"}}})
        r = send(url, "UpdateTable", {"TableName": name, "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
                                      "GlobalSecondaryIndexUpdates": [{"Create": {
                                          "IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                          "Projection": {"ProjectionType": "KEYS_ONLY"}}}]})
        assert r.status == 200, r.raw
        q = send(url, "Query", {"TableName": name, "IndexName": "by-g", "KeyConditionExpression": "g = :v",
                                "ExpressionAttributeValues": {":v": {"S": "x"}}})
        assert sorted(i["pk"]["S"] for i in q.body["Items"]) == ["1", "2"]


def test_deletion_protection_as_dynamodb_local(servers: dict[str, str]) -> None:
    """DeletionProtectionEnabled, from CreateTable or UpdateTable, refuses DeleteTable until turned off."""
    name = unique_name("upd-protect")
    plain = {"BillingMode": "PAY_PER_REQUEST", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
             "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}
    with table_on_each(servers, {"TableName": name, **plain, "DeletionProtectionEnabled": True}, ITEMS[:1]):
        described = on_each(servers, "DescribeTable", {"TableName": name})
        assert {body["Table"]["DeletionProtectionEnabled"] for body in described.values()} == {True}
        refused = {n: send(url, "DeleteTable", {"TableName": name}) for n, url in servers.items()}
        assert {(r.status, r.error_type, r.message) for r in refused.values()} == {
            (400, "ValidationException", "Resource cannot be deleted as it is currently protected against deletion. "
                                         "Disable deletion protection first.")}
        assert {body["Count"] for body in on_each(servers, "Scan", {"TableName": name}).values()} == {1}
        off = on_each(servers, "UpdateTable", {"TableName": name, "DeletionProtectionEnabled": False})
        assert {body["TableDescription"]["DeletionProtectionEnabled"] for body in off.values()} == {False}
        on = on_each(servers, "UpdateTable", {"TableName": name, "DeletionProtectionEnabled": True})
        assert {body["TableDescription"]["DeletionProtectionEnabled"] for body in on.values()} == {True}
        assert {send(url, "DeleteTable", {"TableName": name}).status for url in servers.values()} == {400}
        on_each(servers, "UpdateTable", {"TableName": name, "DeletionProtectionEnabled": False})
        assert {send(url, "DeleteTable", {"TableName": name}).status for url in servers.values()} == {200}
    # a table made again under the name starts unprotected
    with table_on_each(servers, {"TableName": name, **plain}):
        described = on_each(servers, "DescribeTable", {"TableName": name})
        assert {body["Table"]["DeletionProtectionEnabled"] for body in described.values()} == {False}
