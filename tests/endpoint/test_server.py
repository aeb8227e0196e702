"""Namespaces, persistence, SigV4 checking and the ``dynastore endpoint`` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from dynastore.endpoint import EndpointServer

KEYS = [{"AttributeName": "pk", "KeyType": "HASH"}]
DEFS = [{"AttributeName": "pk", "AttributeType": "S"}]


def client(url: str, key: str = "dummy", secret: str = "dummy", region: str = "us-east-1") -> Any:
    return boto3.client("dynamodb", endpoint_url=url, region_name=region, aws_access_key_id=key,
                        aws_secret_access_key=secret)


def create(c: Any, name: str) -> None:
    c.create_table(TableName=name, KeySchema=KEYS, AttributeDefinitions=DEFS, BillingMode="PAY_PER_REQUEST")


def test_tables_are_namespaced_by_access_key_and_region() -> None:
    with EndpointServer("127.0.0.1", 0) as server:
        a, b, a_west = client(server.url, "alice"), client(server.url, "bob"), client(server.url, "alice",
                                                                                      region="eu-west-1")
        create(a, "mine")
        assert a.list_tables()["TableNames"] == ["mine"]
        assert b.list_tables()["TableNames"] == [] and a_west.list_tables()["TableNames"] == []
        create(b, "mine")  # the same name, another namespace
        arn = a_west.create_table(TableName="mine", KeySchema=KEYS, AttributeDefinitions=DEFS,
                                  BillingMode="PAY_PER_REQUEST")["TableDescription"]["TableArn"]
        assert arn == "arn:aws:dynamodb:eu-west-1:000000000000:table/mine"


def test_shared_db_is_one_namespace() -> None:
    with EndpointServer("127.0.0.1", 0, shared_db=True) as server:
        create(client(server.url, "alice"), "ours")
        assert client(server.url, "bob", region="eu-west-1").list_tables()["TableNames"] == ["ours"]


def test_tables_persist_in_the_db_file(tmp_path: Path) -> None:
    db = str(tmp_path / "data.db")
    with EndpointServer("127.0.0.1", 0, db=db) as server:
        c = client(server.url, "alice")
        create(c, "kept")
        c.put_item(TableName="kept", Item={"pk": {"S": "x"}, "v": {"N": "1"}})
    assert (tmp_path / "data.alice_us-east-1.db").exists()
    with EndpointServer("127.0.0.1", 0, db=db) as server:
        got = client(server.url, "alice").get_item(TableName="kept", Key={"pk": {"S": "x"}})
        assert got["Item"] == {"pk": {"S": "x"}, "v": {"N": "1"}}
        assert client(server.url, "bob").list_tables()["TableNames"] == []


@pytest.mark.parametrize("shared", [False, True], ids=["per-key", "shared-db"])
def test_tags_creation_times_and_table_changes_survive_a_restart(tmp_path: Path, shared: bool) -> None:
    db = str(tmp_path / "data.db")
    with EndpointServer("127.0.0.1", 0, db=db, shared_db=shared) as server:
        c = client(server.url, "alice")
        c.create_table(TableName="guarded", KeySchema=KEYS, AttributeDefinitions=DEFS, BillingMode="PAY_PER_REQUEST",
                       DeletionProtectionEnabled=True)
    with EndpointServer("127.0.0.1", 0, db=db, shared_db=shared) as server:
        c = client(server.url, "alice")
        assert c.describe_table(TableName="guarded")["Table"]["DeletionProtectionEnabled"] is True
        with pytest.raises(c.exceptions.ClientError, match="protected against deletion"):
            c.delete_table(TableName="guarded")
    with EndpointServer("127.0.0.1", 0, db=db, shared_db=shared) as server:
        c = client(server.url, "alice")
        desc = c.create_table(TableName="kept", KeySchema=KEYS, AttributeDefinitions=DEFS, BillingMode="PAY_PER_REQUEST",
                              Tags=[{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "dev"}])["TableDescription"]
        create(c, "other")
        arn = desc["TableArn"]
        c.tag_resource(ResourceArn=arn, Tags=[{"Key": "owner", "Value": "me"}])
        c.untag_resource(ResourceArn=arn, TagKeys=["env"])
        c.tag_resource(ResourceArn=arn.replace("kept", "other"), Tags=[{"Key": "x", "Value": "y"}])
        c.update_table(TableName="kept", BillingMode="PROVISIONED",
                       ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 3})
        tags = c.list_tags_of_resource(ResourceArn=arn)["Tags"]
        created = c.describe_table(TableName="kept")["Table"]["CreationDateTime"]
        assert created == desc["CreationDateTime"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("owner", "me"), ("team", "a")]
    with EndpointServer("127.0.0.1", 0, db=db, shared_db=shared) as server:
        c = client(server.url, "alice")
        assert sorted((t["Key"], t["Value"]) for t in c.list_tags_of_resource(ResourceArn=arn)["Tags"]) == [
            ("owner", "me"), ("team", "a")]
        table = c.describe_table(TableName="kept")["Table"]
        assert table["CreationDateTime"] == created
        assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 2
        assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 3
        # on demand since it was made, then provisioned: the summary keeps the time (as DynamoDB Local shows it)
        assert table["BillingModeSummary"] == {"BillingMode": "PROVISIONED", "LastUpdateToPayPerRequestDateTime": created}
        # a table deleted and made again starts without the old one's tags
        c.delete_table(TableName="other")
        create(c, "other")
        assert c.list_tags_of_resource(ResourceArn=arn.replace("kept", "other"))["Tags"] == []


def test_auth_checks_signatures() -> None:
    with EndpointServer("127.0.0.1", 0, auth_keys={"AKIDGOOD": "s3cret"}) as server:
        assert client(server.url, "AKIDGOOD", "s3cret").list_tables()["TableNames"] == []
        with pytest.raises(ClientError) as wrong_secret:
            client(server.url, "AKIDGOOD", "other").list_tables()
        assert wrong_secret.value.response["Error"]["Code"] == "InvalidSignatureException"
        with pytest.raises(ClientError) as unknown:
            client(server.url, "AKIDBAD", "s3cret").list_tables()
        assert unknown.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_endpoint_command_serves_until_stopped(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("dynastore")
    proc = subprocess.Popen([str(exe), "endpoint", "--port", "0", "--db", str(tmp_path / "cli.db"), "--shared-db"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, line + (proc.stderr.read() if proc.stderr else "")
        url = line.split("listening on ", 1)[1].split()[0]
        create(client(url), "via-cli")
        assert client(url, "someone-else").list_tables()["TableNames"] == ["via-cli"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert (tmp_path / "cli.db").exists()


@pytest.mark.parametrize("args, message", [
    (["--in-memory", "--db", "x.db"], "exactly one of --db PATH or --in-memory"),
    ([], "exactly one of --db PATH or --in-memory"),
    (["--in-memory", "--auth", "nocolon"], "--auth takes ACCESS_KEY:SECRET_KEY"),
])
def test_endpoint_command_usage_errors(args: list[str], message: str) -> None:
    from typer.testing import CliRunner

    from dynastore.cli import app

    result = CliRunner().invoke(app, ["endpoint", "--port", "0", *args])
    assert result.exit_code == 1
    assert message in result.output


def test_short_lived_connections_do_not_pile_up_sqlite_connections(tmp_path: Path) -> None:
    from endpoint._raw import send

    with EndpointServer("127.0.0.1", 0, db=str(tmp_path / "conns.db"), shared_db=True, workers=2) as server:
        create(client(server.url), "conns")
        for i in range(25):  # each send() is a new HTTP connection, so a new handler thread
            r = send(server.url, "PutItem", {"TableName": "conns", "Item": {"pk": {"S": str(i)}}})
            assert r.status == 200, r.raw
        engine = server.service.namespace("any", "any").engine
        assert len(engine._conns) <= 3  # type: ignore[attr-defined]  # the workers' and the creating thread's
        assert client(server.url).scan(TableName="conns", Select="COUNT")["Count"] == 25


def test_expired_items_are_swept_in_the_background() -> None:
    import time

    with EndpointServer("127.0.0.1", 0, shared_db=True, ttl_sweep_seconds=0.05) as server:
        c = client(server.url)
        create(c, "ttl-table")
        c.update_time_to_live(TableName="ttl-table",
                              TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
        past, future = int(time.time()) - 10, int(time.time()) + 3600
        c.put_item(TableName="ttl-table", Item={"pk": {"S": "old"}, "exp": {"N": str(past)}})
        c.put_item(TableName="ttl-table", Item={"pk": {"S": "new"}, "exp": {"N": str(future)}})
        deadline = time.monotonic() + 30
        while "Item" in c.get_item(TableName="ttl-table", Key={"pk": {"S": "old"}}) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "Item" not in c.get_item(TableName="ttl-table", Key={"pk": {"S": "old"}})
        assert "Item" in c.get_item(TableName="ttl-table", Key={"pk": {"S": "new"}})


@pytest.mark.parametrize("in_file", [False, True], ids=["in-memory (served inline)", "file (worker pool)"])
def test_answers_are_framed_for_keep_alive_with_crc32(tmp_path: Path, in_file: bool) -> None:
    """Status line, headers and body leave in one write; several requests share one connection."""
    import http.client
    import json
    import zlib

    with EndpointServer("127.0.0.1", 0, db=str(tmp_path / "t.db") if in_file else None, shared_db=True) as server:
        create(client(server.url), "framed")
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1])
        answers = []
        for target, body in (("PutItem", {"TableName": "framed", "Item": {"pk": {"S": "a"}, "n": {"N": "1"}}}),
                             ("GetItem", {"TableName": "framed", "Key": {"pk": {"S": "a"}}}),
                             ("GetItem", {"TableName": "nope", "Key": {"pk": {"S": "a"}}})):
            conn.request("POST", "/", body=json.dumps(body), headers={
                "X-Amz-Target": f"DynamoDB_20120810.{target}", "Content-Type": "application/x-amz-json-1.0"})
            resp = conn.getresponse()
            data = resp.read()
            assert resp.version == 11 and not resp.will_close
            assert resp.getheader("Content-Type") == "application/x-amz-json-1.0"
            assert int(resp.getheader("x-amz-crc32") or -1) == zlib.crc32(data)
            assert len(resp.getheader("x-amzn-RequestId") or "") == 36 and resp.getheader("Date")
            answers.append((resp.status, resp.reason, json.loads(data)))
        conn.close()
    assert answers[0] == (200, "OK", {})
    assert answers[1] == (200, "OK", {"Item": {"pk": {"S": "a"}, "n": {"N": "1"}}})
    assert answers[2][:2] == (400, "Bad Request")
    assert answers[2][2]["__type"].endswith("#ResourceNotFoundException")


def test_connections_beyond_the_resident_threads_are_served_too(tmp_path: Path) -> None:
    """Held-open connections past ``resident_threads`` get threads of their own; SQLite connections stay bounded."""
    import http.client
    import json

    with EndpointServer("127.0.0.1", 0, db=str(tmp_path / "r.db"), shared_db=True, workers=2,
                        resident_threads=1) as server:
        create(client(server.url), "held")
        conns = [http.client.HTTPConnection("127.0.0.1", server.server_address[1]) for _ in range(4)]
        for i in range(3):
            for n, conn in enumerate(conns):  # interleaved: every connection stays open throughout
                conn.request("POST", "/", body=json.dumps({"TableName": "held", "Item": {"pk": {"S": f"{n}-{i}"}}}),
                             headers={"X-Amz-Target": "DynamoDB_20120810.PutItem",
                                      "Content-Type": "application/x-amz-json-1.0"})
                resp = conn.getresponse()
                assert (resp.status, resp.read()) == (200, b"{}")
        for conn in conns:
            conn.close()
        assert client(server.url).scan(TableName="held", Select="COUNT")["Count"] == 12
        engine = server.service.namespace("any", "any").engine
        assert len(engine._conns) <= 4  # type: ignore[attr-defined]  # the resident's, the workers', the creator's
