"""Table settings besides keys and indexes, sent alike to DynamoDB Local and `dynastore endpoint`.

Table class, encryption, the billing summary, throughput dates, on-demand limits, index status in
UpdateTable's answer, stream changes and replicas: what Local answers, the endpoint answers. Where
Local accepts what DynamoDB refuses (a malformed table class) or ignores a change (an index's
OnDemandThroughput), the endpoint does as DynamoDB does and the test says so.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from conformance._support import unique_name

from ._raw import send, table_on_each
from .test_update_table import on_each

PLAIN: dict[str, Any] = {"BillingMode": "PAY_PER_REQUEST", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                         "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}
WITH_GSI: dict[str, Any] = {
    **PLAIN, "AttributeDefinitions": [{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "g")],
    "GlobalSecondaryIndexes": [{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                "Projection": {"ProjectionType": "ALL"}}]}
NOTHING = (400, "ValidationException", "Nothing to update")


def answers(servers: dict[str, str], operation: str, body: dict[str, Any]) -> set[tuple[int, str, str | None]]:
    """Each server's refusal as (status, error type, message): one element when they answer alike."""
    replies = [send(url, operation, body) for url in servers.values()]
    return {(r.status, r.error_type if r.status != 200 else "", r.message if r.status != 200 else None)
            for r in replies}


def table(body: dict[str, Any]) -> dict[str, Any]:
    return body.get("Table") or body["TableDescription"]


def index(body: dict[str, Any], name: str) -> dict[str, Any]:
    return next(g for g in table(body)["GlobalSecondaryIndexes"] if g["IndexName"] == name)


def test_table_class_and_encryption_are_accepted_and_not_described(servers: dict[str, str]) -> None:
    """DynamoDB Local takes TableClass and SSESpecification and reports neither; alone they update nothing."""
    name = unique_name("set-class")
    create = {"TableName": name, **PLAIN, "TableClass": "STANDARD_INFREQUENT_ACCESS",
              "SSESpecification": {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": "alias/mine"}}
    with table_on_each(servers, create):
        for body in on_each(servers, "DescribeTable", {"TableName": name}).values():
            assert not {"TableClassSummary", "SSEDescription"} & set(table(body))
        for update in ({"TableClass": "STANDARD"}, {"SSESpecification": {"Enabled": False}},
                       {"ReplicaUpdates": [{"Create": {"RegionName": "us-west-2"}}]},
                       {"WarmThroughput": {"ReadUnitsPerSecond": 13000, "WriteUnitsPerSecond": 5000}}):
            assert answers(servers, "UpdateTable", {"TableName": name, **update}) == {NOTHING}, update
        # beside a change they are taken and ignored
        got = on_each(servers, "UpdateTable", {"TableName": name, "TableClass": "STANDARD",
                                               "ReplicaUpdates": [{"Create": {"RegionName": "us-west-2"}}],
                                               "DeletionProtectionEnabled": False})
        for body in got.values():
            assert not {"TableClassSummary", "SSEDescription", "Replicas"} & set(table(body))


@pytest.mark.parametrize("member, value, message", [
    ("TableClass", "COLD", "1 validation error detected: Value 'COLD' at 'tableClass' failed to satisfy constraint: "
                           "Member must satisfy enum value set: [STANDARD, STANDARD_INFREQUENT_ACCESS]"),
    ("SSESpecification", {"Enabled": True, "SSEType": "RSA"},
     "1 validation error detected: Value 'RSA' at 'sSESpecification.sSEType' failed to satisfy constraint: Member must "
     "satisfy enum value set: [AES256, KMS]"),
])
def test_malformed_table_class_and_encryption_are_refused(servers: dict[str, str], member: str, value: Any,
                                                          message: str) -> None:
    """DynamoDB refuses them (Local takes anything there); nothing is made or changed."""
    name = unique_name("set-bad")
    url = servers["endpoint"]
    r = send(url, "CreateTable", {"TableName": name, **PLAIN, member: value})
    assert (r.status, r.error_type, r.message) == (400, "ValidationException", message)
    assert send(url, "DescribeTable", {"TableName": name}).error_type == "ResourceNotFoundException"
    with table_on_each({"endpoint": url}, {"TableName": name, **PLAIN}):
        r = send(url, "UpdateTable", {"TableName": name, member: value, "DeletionProtectionEnabled": True})
        assert (r.status, r.message) == (400, message)
        assert table(send(url, "DescribeTable", {"TableName": name}).body)["DeletionProtectionEnabled"] is False


def test_billing_mode_summary_follows_switches(servers: dict[str, str]) -> None:
    """The summary's time is the last switch to PAY_PER_REQUEST (creation, if made so); it stays when provisioned."""
    name, provisioned = unique_name("set-billing"), unique_name("set-prov")
    throughput = {"ReadCapacityUnits": 2, "WriteCapacityUnits": 3}
    prov = {**PLAIN, "BillingMode": "PROVISIONED", "ProvisionedThroughput": throughput}
    with table_on_each(servers, {"TableName": name, **PLAIN}), table_on_each(servers, {"TableName": provisioned, **prov}):
        for body in on_each(servers, "DescribeTable", {"TableName": provisioned}).values():
            assert "BillingModeSummary" not in table(body)
        created = {n: table(body)["CreationDateTime"]
                   for n, body in on_each(servers, "DescribeTable", {"TableName": name}).items()}
        got = on_each(servers, "UpdateTable", {"TableName": name, "BillingMode": "PROVISIONED",
                                               "ProvisionedThroughput": throughput})
        for n, body in got.items():
            assert table(body)["BillingModeSummary"] == {"BillingMode": "PROVISIONED",
                                                         "LastUpdateToPayPerRequestDateTime": created[n]}
        before = round(time.time() - 0.0005, 3)
        got = on_each(servers, "UpdateTable", {"TableName": name, "BillingMode": "PAY_PER_REQUEST"})
        after = round(time.time() + 0.0005, 3)
        described = on_each(servers, "DescribeTable", {"TableName": name})
        for n, body in got.items():
            summary = table(body)["BillingModeSummary"]
            assert summary["BillingMode"] == "PAY_PER_REQUEST"
            assert before <= summary["LastUpdateToPayPerRequestDateTime"] <= after
            assert table(described[n])["BillingModeSummary"] == summary
        # and a provisioned table switched to on demand and back keeps the switch's time
        on_each(servers, "UpdateTable", {"TableName": provisioned, "BillingMode": "PAY_PER_REQUEST"})
        on_each(servers, "UpdateTable", {"TableName": provisioned, "BillingMode": "PROVISIONED",
                                         "ProvisionedThroughput": throughput})
        for body in on_each(servers, "DescribeTable", {"TableName": provisioned}).values():
            summary = table(body)["BillingModeSummary"]
            assert summary["BillingMode"] == "PROVISIONED" and summary["LastUpdateToPayPerRequestDateTime"] >= before


def test_throughput_changes_are_described_alike(servers: dict[str, str]) -> None:
    """Increases and decreases: DynamoDB Local leaves the dates and the count of decreases at 0, and shows a
    global index's units alone."""
    name = unique_name("set-units")
    units = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    create = {**WITH_GSI, "TableName": name, "BillingMode": "PROVISIONED", "ProvisionedThroughput": units,
              "GlobalSecondaryIndexes": [{**WITH_GSI["GlobalSecondaryIndexes"][0], "ProvisionedThroughput": units}]}
    with table_on_each(servers, create):
        for update in ({"ProvisionedThroughput": {"ReadCapacityUnits": 9, "WriteCapacityUnits": 5}},
                       {"ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 2}},
                       {"GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "by-g", "ProvisionedThroughput": {
                           "ReadCapacityUnits": 1, "WriteCapacityUnits": 7}}}]}):
            got = on_each(servers, "UpdateTable", {"TableName": name, **update})
            described = on_each(servers, "DescribeTable", {"TableName": name})
            for body in (*got.values(), *described.values()):
                assert table(body)["ProvisionedThroughput"] == {
                    **table(described["local"])["ProvisionedThroughput"],
                    "LastIncreaseDateTime": 0.0, "LastDecreaseDateTime": 0.0, "NumberOfDecreasesToday": 0}
                assert index(body, "by-g")["ProvisionedThroughput"] == index(described["local"], "by-g")[
                    "ProvisionedThroughput"]
        assert index(described["endpoint"], "by-g")["ProvisionedThroughput"] == {"ReadCapacityUnits": 1,
                                                                                 "WriteCapacityUnits": 7}


def on_demand(body: dict[str, Any]) -> tuple[Any, Any]:
    """The table's and index ``by-g``'s OnDemandThroughput (None where not shown)."""
    return table(body).get("OnDemandThroughput"), index(body, "by-g").get("OnDemandThroughput")


def limits(read: int, write: int) -> dict[str, int]:
    return {"MaxReadRequestUnits": read, "MaxWriteRequestUnits": write}


def test_on_demand_throughput_as_dynamodb_local(servers: dict[str, str]) -> None:
    name = unique_name("set-ondemand")
    create = {**WITH_GSI, "TableName": name, "OnDemandThroughput": limits(10, 5),
              "GlobalSecondaryIndexes": [{**WITH_GSI["GlobalSecondaryIndexes"][0], "OnDemandThroughput": limits(4, -1)}]}
    with table_on_each(servers, create):
        for body in on_each(servers, "DescribeTable", {"TableName": name}).values():
            assert on_demand(body) == (limits(10, 5), limits(4, -1))
        for body in on_each(servers, "UpdateTable", {"TableName": name, "OnDemandThroughput": limits(11, 6)}).values():
            assert on_demand(body) == (limits(11, 6), limits(4, -1))
        # -1 is "no limit", which DynamoDB Local does not show on a table
        for body in on_each(servers, "UpdateTable", {"TableName": name, "OnDemandThroughput": limits(-1, -1)}).values():
            assert on_demand(body) == (None, limits(4, -1))
        on_each(servers, "UpdateTable", {"TableName": name, "OnDemandThroughput": limits(12, 7)})
        # provisioned, the table has no on-demand limit (and takes none); the index keeps its own
        got = on_each(servers, "UpdateTable", {
            "TableName": name, "BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 1,
                                                                                     "WriteCapacityUnits": 1},
            "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "by-g", "ProvisionedThroughput": {
                "ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}]})
        assert {json.dumps(on_demand(body)) for body in got.values()} == {json.dumps((None, limits(4, -1)))}
        # (DynamoDB Local answers this with a 200 or, now and then, a 500)
        r = send(servers["endpoint"], "UpdateTable", {"TableName": name, "OnDemandThroughput": limits(13, 8)})
        assert r.status == 200 and on_demand(r.body) == (None, limits(4, -1))
        for body in on_each(servers, "UpdateTable", {"TableName": name, "BillingMode": "PAY_PER_REQUEST"}).values():
            assert on_demand(body) == (None, limits(4, -1))


@pytest.mark.parametrize("where, value", [
    ("table", {"MaxReadRequestUnits": 10}),
    ("table", {}),
    ("table", limits(0, 5)),
    ("table", limits(-2, 5)),
    ("table", limits(5, -3)),
    ("index", {"MaxWriteRequestUnits": 3}),
    ("index", limits(0, 5)),
    ("index", limits(5, 0)),
], ids=["table-read-only", "table-empty", "table-zero", "table-below-minus-one", "table-write-negative",
        "index-write-only", "index-zero-read", "index-zero-write"])
def test_malformed_on_demand_throughput_is_refused_alike(servers: dict[str, str], where: str, value: Any) -> None:
    name = unique_name("set-odbad")
    create: dict[str, Any] = {**WITH_GSI, "TableName": name}
    if where == "table":
        create["OnDemandThroughput"] = value
    else:
        create["GlobalSecondaryIndexes"] = [{**WITH_GSI["GlobalSecondaryIndexes"][0], "OnDemandThroughput": value}]
    try:
        got = answers(servers, "CreateTable", create)
        assert len(got) == 1 and next(iter(got))[:2] == (400, "ValidationException"), got
    finally:
        for url in servers.values():
            send(url, "DeleteTable", {"TableName": name})


def test_an_index_on_demand_update_is_applied(servers: dict[str, str]) -> None:
    """DynamoDB applies an index ``Update`` of its OnDemandThroughput; DynamoDB Local answers 200 and keeps the old."""
    name = unique_name("set-odindex")
    url = servers["endpoint"]
    with table_on_each({"endpoint": url}, {**WITH_GSI, "TableName": name}):
        r = send(url, "UpdateTable", {"TableName": name, "GlobalSecondaryIndexUpdates": [
            {"Update": {"IndexName": "by-g", "OnDemandThroughput": limits(6, 7)}}]})
        assert r.status == 200, r.raw
        assert on_demand(send(url, "DescribeTable", {"TableName": name}).body) == (None, limits(6, 7))
        r = send(url, "UpdateTable", {"TableName": name, "GlobalSecondaryIndexUpdates": [
            {"Update": {"IndexName": "by-x", "OnDemandThroughput": limits(6, 7)}}]})
        assert (r.status, r.message) == (400, "Invalid global secondary index name")
    # a provisioned table's index needs its ProvisionedThroughput there, as both say
    units = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
    create = {**WITH_GSI, "TableName": name, "BillingMode": "PROVISIONED", "ProvisionedThroughput": units,
              "GlobalSecondaryIndexes": [{**WITH_GSI["GlobalSecondaryIndexes"][0], "ProvisionedThroughput": units}]}
    with table_on_each(servers, create):
        assert answers(servers, "UpdateTable", {"TableName": name, "GlobalSecondaryIndexUpdates": [
            {"Update": {"IndexName": "by-g", "OnDemandThroughput": limits(6, 7)}}]}) == {
            (400, "ValidationException", "No provisioned throughput specified for the global secondary index")}


def test_index_status_in_update_table_answers(servers: dict[str, str]) -> None:
    """UpdateTable answers a new index CREATING, not backfilling, without size; the endpoint's is built by then."""
    name = unique_name("set-creating")
    items = [{"pk": {"S": str(i)}, "g": {"S": "x"}, "h": {"S": "y"}} for i in range(3)]
    with table_on_each(servers, {**WITH_GSI, "TableName": name}, items):
        create = {"IndexName": "by-pk", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                  "Projection": {"ProjectionType": "ALL"}}
        for defs in ({}, {"AttributeDefinitions": []}):  # even when the table defines its key attributes
            assert answers(servers, "UpdateTable", {"TableName": name, **defs, "GlobalSecondaryIndexUpdates": [
                {"Create": create}]}) == {(400, "ValidationException", "No Attribute Schema Defined")}
        got = on_each(servers, "UpdateTable", {
            "TableName": name, "AttributeDefinitions": [{"AttributeName": "h", "AttributeType": "S"}],
            "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "by-h", "KeySchema": [
                {"AttributeName": "h", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}}]})
        for body in got.values():
            new = index(body, "by-h")
            assert (new["IndexStatus"], new["Backfilling"]) == ("CREATING", False)
            assert not {"ItemCount", "IndexSizeBytes"} & set(new)
            # an index made on demand by UpdateTable shows "no limit"
            assert new["OnDemandThroughput"] == limits(-1, -1)
            assert index(body, "by-g")["IndexStatus"] == "ACTIVE"
        built = index(send(servers["endpoint"], "DescribeTable", {"TableName": name}).body, "by-h")
        assert (built["IndexStatus"], built["ItemCount"]) == ("ACTIVE", 3) and "Backfilling" not in built
        deadline = time.monotonic() + 60  # DynamoDB Local builds it in the background (~0.5 s when idle)
        while True:
            described = on_each(servers, "DescribeTable", {"TableName": name})
            if index(described["local"], "by-h")["IndexStatus"] == "ACTIVE" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        shown = [{k: v for k, v in index(body, "by-h").items() if k not in ("IndexArn", "IndexSizeBytes")}
                 for body in described.values()]
        assert shown[0] == shown[1]


def test_stream_changes_as_dynamodb_local(servers: dict[str, str]) -> None:
    name = unique_name("set-stream")
    create = {"TableName": name, **PLAIN, "StreamSpecification": {"StreamEnabled": True,
                                                                  "StreamViewType": "NEW_AND_OLD_IMAGES"}}
    with table_on_each(servers, create):
        first = {n: table(body)["LatestStreamArn"]
                 for n, body in on_each(servers, "DescribeTable", {"TableName": name}).items()}
        for spec, message in (
                ({"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}, "Table already has an enabled stream"),
                ({"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}, "Table already has an enabled stream"),
                ({"StreamEnabled": False, "StreamViewType": "KEYS_ONLY"},
                 "Invalid StreamViewType: Stream StreamEnabled was false but a StreamViewType was present."),
                ({}, "Stream StreamEnabled was null")):
            assert answers(servers, "UpdateTable", {"TableName": name, "StreamSpecification": spec}) == {
                (400, "ValidationException", message)}, spec
        on_each(servers, "UpdateTable", {"TableName": name, "StreamSpecification": {"StreamEnabled": False}})
        # a disabled stream is still the table's latest
        for n, body in on_each(servers, "DescribeTable", {"TableName": name}).items():
            t = table(body)
            assert "StreamSpecification" not in t
            assert (t["LatestStreamArn"], t["LatestStreamLabel"]) == (first[n], first[n].rsplit("/", 1)[-1])
        assert answers(servers, "UpdateTable", {"TableName": name, "StreamSpecification": {"StreamEnabled": False}}) == {
            (400, "ValidationException", "Table has no stream to disable")}
        got = on_each(servers, "UpdateTable", {"TableName": name, "StreamSpecification": {
            "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}})
        for n, body in got.items():
            t = table(body)
            assert t["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
            assert t["LatestStreamArn"] != first[n]
    for spec, message in (({"StreamEnabled": False, "StreamViewType": "KEYS_ONLY"},
                           "Invalid StreamViewType: Stream StreamEnabled was false but a StreamViewType was present."),
                          ({}, "Stream StreamEnabled was null")):
        refused = {"TableName": unique_name("set-stream"), **PLAIN, "StreamSpecification": spec}
        assert answers(servers, "CreateTable", refused) == {(400, "ValidationException", message)}


def comparable(body: dict[str, Any]) -> dict[str, Any]:
    """A table description without what legitimately differs: ARNs' regions, times, stream labels, index sizes
    (see docs/endpoint.md), the order of attribute definitions."""
    t = json.loads(json.dumps(table(body)).replace(":ddblocal:", ":us-east-1:"))
    for k in ("CreationDateTime", "LatestStreamArn", "LatestStreamLabel"):
        t.pop(k, None)
    t.get("BillingModeSummary", {}).pop("LastUpdateToPayPerRequestDateTime", None)
    t["AttributeDefinitions"].sort(key=lambda d: d["AttributeName"])
    for ix in (*t.get("GlobalSecondaryIndexes", ()), *t.get("LocalSecondaryIndexes", ())):
        ix.pop("IndexSizeBytes", None)
    return t


@pytest.mark.parametrize("billing", ["PROVISIONED", "PAY_PER_REQUEST"])
def test_full_descriptions_as_dynamodb_local(servers: dict[str, str], billing: str) -> None:
    name = unique_name("set-full")
    units = {"ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 3}} if billing == "PROVISIONED" else {}
    create = {
        "TableName": name, "BillingMode": billing, **units,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "z", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                                 {"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "l", "AttributeType": "B"}],
        "LocalSecondaryIndexes": [{"IndexName": "lsi", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                                     {"AttributeName": "l", "KeyType": "RANGE"}],
                                   "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "b"]}}],
        "GlobalSecondaryIndexes": [{"IndexName": "gsi", "KeySchema": [{"AttributeName": "z", "KeyType": "HASH"}],
                                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                                    **{k: {"ReadCapacityUnits": 4, "WriteCapacityUnits": 5} for k in units}}],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        "TableClass": "STANDARD", "Tags": [{"Key": "a", "Value": "b"}],
    }
    item = {"pk": {"S": "a"}, "sk": {"N": "1"}, "z": {"S": "q"}, "l": {"B": "AAE="}, "a": {"S": "xx"}}
    created = {n: send(url, "CreateTable", create) for n, url in servers.items()}
    try:
        assert comparable(created["endpoint"].body) == comparable(created["local"].body)
        for url in servers.values():
            assert send(url, "PutItem", {"TableName": name, "Item": item}).status == 200
        described = on_each(servers, "DescribeTable", {"TableName": name})
        assert comparable(described["endpoint"]) == comparable(described["local"])
        got = on_each(servers, "UpdateTable", {"TableName": name, "StreamSpecification": {"StreamEnabled": False},
                                               "DeletionProtectionEnabled": True})
        assert comparable(got["endpoint"]) == comparable(got["local"])
        on_each(servers, "UpdateTable", {"TableName": name, "DeletionProtectionEnabled": False})
    finally:
        for url in servers.values():
            send(url, "DeleteTable", {"TableName": name})
