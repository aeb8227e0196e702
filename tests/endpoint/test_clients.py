"""Real clients talk to `dynastore endpoint` unchanged, with only the endpoint URL set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from conformance._support import unique_name

CREDENTIALS = {"region_name": "us-east-1", "aws_access_key_id": "dummy", "aws_secret_access_key": "dummy"}


@pytest.fixture
def resource(dynastore_endpoint: str) -> Any:
    return boto3.resource("dynamodb", endpoint_url=dynastore_endpoint, **CREDENTIALS)


@pytest.fixture
def client(dynastore_endpoint: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=dynastore_endpoint, **CREDENTIALS)


@pytest.fixture
def table(resource: Any) -> Any:
    t = resource.create_table(
        TableName=unique_name("boto"),
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
        BillingMode="PAY_PER_REQUEST",
    )
    t.wait_until_exists()
    yield t
    t.delete()


def test_boto3_resource_round_trip(table: Any) -> None:
    with table.batch_writer() as batch:
        for i in range(30):
            batch.put_item(Item={"pk": "p", "sk": i, "g": "even" if i % 2 == 0 else "odd", "n": Decimal("1.5"),
                                 "tags": {"a", "b"}, "blob": bytes([i])})
    got = table.get_item(Key={"pk": "p", "sk": 3})["Item"]
    assert got == {"pk": "p", "sk": 3, "g": "odd", "n": Decimal("1.5"), "tags": {"a", "b"}, "blob": bytes([3])}
    page = table.query(KeyConditionExpression=Key("pk").eq("p") & Key("sk").between(10, 19),
                       FilterExpression=Attr("g").eq("even"), ScanIndexForward=False)
    assert [i["sk"] for i in page["Items"]] == [18, 16, 14, 12, 10]
    assert page["ScannedCount"] == 10
    by_g = table.query(IndexName="by-g", KeyConditionExpression=Key("g").eq("odd"))
    assert sorted(i["sk"] for i in by_g["Items"]) == list(range(1, 30, 2))
    updated = table.update_item(Key={"pk": "p", "sk": 3}, UpdateExpression="ADD tags :t SET n = n + :one",
                                ExpressionAttributeValues={":t": {"c"}, ":one": 1}, ReturnValues="UPDATED_NEW")
    assert updated["Attributes"] == {"tags": {"a", "b", "c"}, "n": Decimal("2.5")}
    with pytest.raises(ClientError) as e:
        table.delete_item(Key={"pk": "p", "sk": 3}, ConditionExpression=Attr("n").lt(0))
    assert e.value.response["Error"]["Code"] == "ConditionalCheckFailedException"


def test_boto3_paginators_and_parallel_scan(table: Any, client: Any) -> None:
    with table.batch_writer() as batch:
        for i in range(40):
            batch.put_item(Item={"pk": f"p{i % 4}", "sk": i, "g": "x"})
    pages = list(client.get_paginator("scan").paginate(TableName=table.name, PaginationConfig={"PageSize": 7}))
    assert sum(p["Count"] for p in pages) == 40 and len(pages) >= 6
    seen: list[int] = []
    for segment in range(3):
        r = client.scan(TableName=table.name, Segment=segment, TotalSegments=3)
        seen += [int(i["sk"]["N"]) for i in r["Items"]]
    assert sorted(seen) == list(range(40))
    names = [n for p in client.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 1})
             for n in p["TableNames"]]
    assert table.name in names


def test_boto3_transactions_and_batch_get(table: Any, client: Any) -> None:
    put = {"Put": {"TableName": table.name, "Item": {"pk": {"S": "t"}, "sk": {"N": "1"}}}}
    client.transact_write_items(TransactItems=[put], ClientRequestToken="token-1")
    client.transact_write_items(TransactItems=[put], ClientRequestToken="token-1")  # idempotent replay
    with pytest.raises(ClientError) as e:
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": table.name, "Item": {"pk": {"S": "t"}, "sk": {"N": "2"}}}},
            {"ConditionCheck": {"TableName": table.name, "Key": {"pk": {"S": "t"}, "sk": {"N": "1"}},
                                "ConditionExpression": "attribute_not_exists(pk)",
                                "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        ])
    assert e.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = e.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"]
    assert reasons[1]["Item"] == {"pk": {"S": "t"}, "sk": {"N": "1"}}
    got = client.transact_get_items(TransactItems=[
        {"Get": {"TableName": table.name, "Key": {"pk": {"S": "t"}, "sk": {"N": k}}}} for k in ("1", "2")])
    assert [r.get("Item") for r in got["Responses"]] == [{"pk": {"S": "t"}, "sk": {"N": "1"}}, None]
    batch = client.batch_get_item(RequestItems={table.name: {"Keys": [
        {"pk": {"S": "t"}, "sk": {"N": "1"}}, {"pk": {"S": "t"}, "sk": {"N": "9"}}]}})
    assert batch["Responses"][table.name] == [{"pk": {"S": "t"}, "sk": {"N": "1"}}]
    assert batch["UnprocessedKeys"] == {}


def test_boto3_table_administration(table: Any, client: Any) -> None:
    client.update_time_to_live(TableName=table.name,
                               TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
    assert client.describe_time_to_live(TableName=table.name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
    arn = client.describe_table(TableName=table.name)["Table"]["TableArn"]
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "t"}])
    client.untag_resource(ResourceArn=arn, TagKeys=["env"])
    assert client.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "a"}]
    client.update_table(TableName=table.name,
                        AttributeDefinitions=[{"AttributeName": "h", "AttributeType": "N"}],
                        GlobalSecondaryIndexUpdates=[{"Create": {
                            "IndexName": "by-h", "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}],
                            "Projection": {"ProjectionType": "KEYS_ONLY"}}}])
    desc = client.describe_table(TableName=table.name)["Table"]
    assert {g["IndexName"]: g["Projection"]["ProjectionType"] for g in desc["GlobalSecondaryIndexes"]} == {
        "by-g": "ALL", "by-h": "KEYS_ONLY"}
    capacity = client.put_item(TableName=table.name, Item={"pk": {"S": "c"}, "sk": {"N": "1"}},
                               ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert capacity == {"TableName": table.name, "CapacityUnits": 1.0}
    assert client.describe_endpoints()["Endpoints"][0]["CachePeriodInMinutes"] == 1440


def test_pynamodb_model(dynastore_endpoint: str) -> None:
    from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
    from pynamodb.models import Model

    class Thing(Model):
        class Meta:
            table_name = unique_name("pynamo")
            host = dynastore_endpoint
            region = "us-east-1"
            aws_access_key_id = "dummy"
            aws_secret_access_key = "dummy"
            billing_mode = "PAY_PER_REQUEST"

        owner = UnicodeAttribute(hash_key=True)
        n = NumberAttribute(range_key=True)
        labels = UnicodeSetAttribute(null=True)

    Thing.create_table(wait=True)
    try:
        for i in range(5):
            Thing(owner="ann", n=i, labels={"x"} if i % 2 else None).save()
        assert [t.n for t in Thing.query("ann", Thing.n >= 2)] == [2, 3, 4]
        t = Thing.get("ann", 3)
        t.update(actions=[Thing.labels.add({"y"})])
        assert Thing.get("ann", 3).labels == {"x", "y"}
        assert Thing.count("ann", filter_condition=Thing.labels.exists()) == 2
        Thing.get("ann", 4).delete()
        assert not Thing.exists() or sum(1 for _ in Thing.scan()) == 4
    finally:
        Thing.delete_table()


def _aws(endpoint: str, *args: str) -> Any:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "dummy", "AWS_SECRET_ACCESS_KEY": "dummy",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": ""}
    aws = Path(sys.executable).with_name("aws")
    r = subprocess.run([str(aws), "dynamodb", *args, "--endpoint-url", endpoint, "--output", "json"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout) if r.stdout.strip() else None


def test_aws_cli(dynastore_endpoint: str) -> None:
    name = unique_name("awscli")
    _aws(dynastore_endpoint, "create-table", "--table-name", name, "--billing-mode", "PAY_PER_REQUEST",
         "--attribute-definitions", "AttributeName=id,AttributeType=S", "--key-schema", "AttributeName=id,KeyType=HASH")
    try:
        _aws(dynastore_endpoint, "wait", "table-exists", "--table-name", name)
        _aws(dynastore_endpoint, "put-item", "--table-name", name, "--item", '{"id": {"S": "1"}, "v": {"N": "7"}}')
        got = _aws(dynastore_endpoint, "get-item", "--table-name", name, "--key", '{"id": {"S": "1"}}')
        assert got["Item"] == {"id": {"S": "1"}, "v": {"N": "7"}}
        assert _aws(dynastore_endpoint, "scan", "--table-name", name)["Count"] == 1
        assert name in _aws(dynastore_endpoint, "list-tables")["TableNames"]
    finally:
        _aws(dynastore_endpoint, "delete-table", "--table-name", name)
