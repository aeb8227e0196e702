"""dynamodb-admin, the web GUI, works on `dynastore endpoint` as on DynamoDB Local.

dynamodb-admin (pinned in `dynastore.testing.node`, run under node on 127.0.0.1)
is pointed at the session's in-process endpoint; the tests drive its routes with
HTTP as its pages' scripts do, and check through boto3 against the endpoint that
what it wrote is there.  Only per-table routes are used: its "delete all tables"
buttons would take the other tests' tables with them.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, unquote

import boto3
import httpx2 as httpx
import pytest
from botocore.exceptions import ClientError

from conformance._support import unique_name
from dynastore.endpoint import EndpointServer
from dynastore.testing.node import dynamodb_admin

CREDENTIALS = {"region_name": "us-east-1", "aws_access_key_id": "dummy", "aws_secret_access_key": "dummy"}


@pytest.fixture(scope="module")
def admin(dynastore_endpoint: str) -> Iterator[httpx.Client]:
    with dynamodb_admin(dynastore_endpoint) as server, httpx.Client(base_url=server.endpoint, timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def client(dynastore_endpoint: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=dynastore_endpoint, **CREDENTIALS)


@pytest.fixture(scope="module")
def filled(client: Any) -> Iterator[str]:
    """A table with 30 items, written by boto3."""
    name = unique_name("admin")
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                              {"AttributeName": "sk", "AttributeType": "N"}])
    for i in range(30):
        client.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, "v": {"S": f"value {i}"}})
    yield name
    client.delete_table(TableName=name)


def items_page(admin: httpx.Client, table: str, **query: str) -> dict[str, Any]:
    r = admin.get(f"/tables/{quote(table)}/items", params=query)
    assert r.status_code == 200, r.text
    page: dict[str, Any] = r.json()
    return page


def test_table_list_shows_the_tables(admin: httpx.Client, filled: str) -> None:
    home = admin.get("/")
    assert home.status_code == 200 and f"/tables/{filled}" in home.text
    described = {t["TableName"]: t for t in admin.get("/api/tables").json()}
    assert described[filled]["ItemCount"] == 30
    assert described[filled]["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "sk", "KeyType": "RANGE"}]


def test_table_page_lists_its_items_a_page_at_a_time(admin: httpx.Client, filled: str) -> None:
    assert admin.get(f"/tables/{filled}").status_code == 200
    first = items_page(admin, filled, pageSize="25")
    assert [i["sk"] for i in first["Items"]] == list(range(25))
    assert first["uniqueKeys"] == ["pk", "sk", "v"]
    assert first["Items"][3] == {"pk": "p", "sk": 3, "v": "value 3", "__key": {"pk": "p", "sk": 3}}
    assert json.loads(unquote(first["nextKey"])) == {"pk": "p", "sk": 24}
    rest = items_page(admin, filled, pageSize="25", startKey=unquote(first["nextKey"]))
    assert [i["sk"] for i in rest["Items"]] == list(range(25, 30)) and rest["nextKey"] is None
    meta = admin.get(f"/tables/{filled}/meta")  # the table's description, as JSON in the page
    assert meta.status_code == 200 and '"ItemCount": 30,' in html.unescape(meta.text)


def test_query_form_with_a_key_condition_and_a_filter(admin: httpx.Client, filled: str) -> None:
    filters = {"pk": {"value": "p", "type": "S", "operator": "="}, "sk": {"value": "26", "type": "N", "operator": ">="},
               "v": {"value": "value 2", "type": "S", "operator": "begins_with"}}
    page = items_page(admin, filled, operationType="query", queryableSelection="table", filters=json.dumps(filters))
    assert [(i["sk"], i["v"]) for i in page["Items"]] == [(26, "value 26"), (27, "value 27"), (28, "value 28"),
                                                          (29, "value 29")]


def test_create_table_form_then_items_through_the_forms(admin: httpx.Client, client: Any) -> None:
    name = unique_name("admin-form")
    # what its create-table page posts: the form's values, capacity units as strings
    created = admin.post("/create-table", json={
        "TableDefinition": {"TableName": name, "HashAttributeName": "id", "HashAttributeType": "S",
                            "RangeAttributeName": "n", "RangeAttributeType": "N",
                            "ReadCapacityUnits": "3", "WriteCapacityUnits": "4"},
        "SecondaryIndexes": [
            {"IndexName": "by-x", "IndexType": "global", "HashAttributeName": "x", "HashAttributeType": "S",
             "RangeAttributeName": "", "RangeAttributeType": "S", "ReadCapacityUnits": "2", "WriteCapacityUnits": "5"},
            {"IndexName": "by-y", "IndexType": "local", "HashAttributeName": "id", "HashAttributeType": "S",
             "RangeAttributeName": "y", "RangeAttributeType": "N"},
        ],
    })
    assert created.status_code == 204, created.text
    try:
        table = client.describe_table(TableName=name)["Table"]
        assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"},
                                      {"AttributeName": "n", "KeyType": "RANGE"}]
        assert (table["ProvisionedThroughput"]["ReadCapacityUnits"],
                table["ProvisionedThroughput"]["WriteCapacityUnits"]) == (3, 4)
        [gsi] = table["GlobalSecondaryIndexes"]
        assert gsi["IndexName"] == "by-x" and gsi["KeySchema"] == [{"AttributeName": "x", "KeyType": "HASH"}]
        assert (gsi["ProvisionedThroughput"]["ReadCapacityUnits"], gsi["ProvisionedThroughput"]["WriteCapacityUnits"]) == (2, 5)
        assert [ix["IndexName"] for ix in table["LocalSecondaryIndexes"]] == ["by-y"]
        assert admin.get(f"/tables/{name}/add-item").status_code == 200

        # its item editor PUTs the item as plain JSON; the answer is the new item's key
        added = admin.put(f"/tables/{name}/add-item", json={"id": "a", "n": 1, "x": "ex", "y": 5,
                                                             "tags": ["t1", 2], "m": {"k": 1.5, "deep": {"ok": True}}})
        assert added.status_code == 200 and added.json() == {"id": "a", "n": 1}
        got = client.get_item(TableName=name, Key={"id": {"S": "a"}, "n": {"N": "1"}})["Item"]
        assert got == {"id": {"S": "a"}, "n": {"N": "1"}, "x": {"S": "ex"}, "y": {"N": "5"},
                       "tags": {"L": [{"S": "t1"}, {"N": "2"}]},
                       "m": {"M": {"k": {"N": "1.5"}, "deep": {"M": {"ok": {"BOOL": True}}}}}}
        page = admin.get(f"/tables/{name}/items/a,1")
        assert page.status_code == 200 and "t1" in page.text
        by_index = items_page(admin, name, operationType="query", queryableSelection="by-x",
                              filters=json.dumps({"x": {"value": "ex", "type": "S", "operator": "="}}))
        assert [i["id"] for i in by_index["Items"]] == ["a"]

        edited = admin.put(f"/tables/{name}/items/a,1", json={"id": "a", "n": 1, "x": "changed"})
        assert edited.status_code == 200 and edited.json() == {"id": "a", "n": 1, "x": "changed"}
        assert client.get_item(TableName=name, Key={"id": {"S": "a"}, "n": {"N": "1"}})["Item"]["x"] == {"S": "changed"}

        assert admin.delete(f"/tables/{name}/items/a,1").status_code == 204
        assert "Item" not in client.get_item(TableName=name, Key={"id": {"S": "a"}, "n": {"N": "1"}})
        assert admin.get(f"/tables/{name}/items/a,1").status_code == 404

        for i in range(30):  # purge deletes with BatchWriteItem, 25 keys a request
            client.put_item(TableName=name, Item={"id": {"S": "b"}, "n": {"N": str(i)}})
        assert admin.delete(f"/tables/{name}/all").status_code == 200
        assert client.scan(TableName=name, Select="COUNT")["Count"] == 0
    finally:
        deleted = admin.delete(f"/tables/{name}")
    assert deleted.status_code == 204
    with pytest.raises(ClientError) as e:
        client.describe_table(TableName=name)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_ttl_page(admin: httpx.Client, client: Any, filled: str) -> None:
    client.update_time_to_live(TableName=filled, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"})
    page = admin.get(f"/tables/{filled}/ttl")
    assert page.status_code == 200 and "expires_at" in page.text


def test_a_refusal_reaches_the_page(admin: httpx.Client, filled: str) -> None:
    # an item without its sort key: the endpoint's ValidationException, which its editor shows
    r = admin.put(f"/tables/{filled}/add-item", json={"pk": "p"})
    assert r.status_code == 500 and r.json() == {"message": "One of the required keys was not given a value"}


def test_it_sees_the_tables_of_its_access_key_and_region() -> None:
    """Without --shared-db, tables are per access key and region, for dynamodb-admin as for any client."""
    with EndpointServer("127.0.0.1", 0, ttl_sweep_seconds=None) as endpoint:
        def create(name: str, key: str, region: str) -> None:
            boto3.client("dynamodb", endpoint_url=endpoint.url, region_name=region, aws_access_key_id=key,
                         aws_secret_access_key="x").create_table(
                TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])

        create("mine", "AKIDADMIN", "eu-west-1")
        create("other-key", "AKIDOTHER", "eu-west-1")
        create("other-region", "AKIDADMIN", "us-east-1")
        with (dynamodb_admin(endpoint.url, access_key="AKIDADMIN", region="eu-west-1") as server,
              httpx.Client(base_url=server.endpoint, timeout=30) as http):
            assert [t["TableName"] for t in http.get("/api/tables").json()] == ["mine"]
            assert http.get("/tables/other-key/meta").json()["message"] == "Cannot do operations on a non-existent table"
