"""Health checks and the `dynastore health` exit codes, with failures injected on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dynastore.cli import app
from dynastore.engines.dynamodb import DynamoDBEngine
from dynastore.spec import TableSpec
from dynastore.store import Store, open_store
from dynastore.testing import free_port

from ._proxy import AuthProxy, auth_proxy, unique_name

runner = CliRunner()


def _url(endpoint: str, **params: str) -> str:
    extra = "".join(f"&{k}={v}" for k, v in params.items())
    return f"dynamodb://?endpoint={endpoint}&region=us-east-1{extra}"


def test_health_follows_the_server_going_away(aws_env: pytest.MonkeyPatch, dynamodb_local_endpoint: str) -> None:
    with auth_proxy(dynamodb_local_endpoint) as proxy:
        s = Store(DynamoDBEngine(endpoint=proxy.endpoint, region="us-east-1", max_attempts=1, connect_timeout=2))
        t = s.create_table(TableSpec(name=unique_name("h"), partition_key=("pk", "S")))
        h = s.health()
        assert (h.status, h.tables) == ("ok", {t.name: "ACTIVE"})
        assert h.details["credentials"] == "default chain" and h.details["credential_refreshes"] == 0
    h = s.health()  # the proxy is gone: nothing listens there any more
    assert (h.status, h.reachable, h.exit_code, h.tables) == ("unreachable", False, 2, {})
    assert h.problems and h.problems[0].startswith("StoreUnavailable: cannot reach")
    s.close()


def test_refused_credentials_make_the_store_unreachable(
    aws_env: pytest.MonkeyPatch, ddb_proxy: AuthProxy
) -> None:
    s = Store(DynamoDBEngine(endpoint=ddb_proxy.endpoint, region="us-east-1"))
    ddb_proxy.revoked.add("token-1")
    h = s.health()
    assert h.status == "unreachable"
    assert h.problems[0].startswith("CredentialsExpired: AWS still refuses the credentials")
    assert h.details["credential_refreshes"] == 1
    s.close()


def test_cli_exit_codes(dynamodb_local_endpoint: str, tmp_path: Path) -> None:
    with open_store(_url(dynamodb_local_endpoint)) as s:
        name = s.create_table(TableSpec(name=unique_name("cli"), partition_key=("pk", "S"))).name
    ok = runner.invoke(app, ["health", "--url", _url(dynamodb_local_endpoint), "-t", name, "--json"])
    assert ok.exit_code == 0, ok.output
    report = json.loads(ok.output)
    assert report["status"] == "ok" and report["tables"] == {name: "ACTIVE"}

    missing = runner.invoke(app, ["health", "--url", _url(dynamodb_local_endpoint), "-t", name, "-t", "absent-x"])
    assert missing.exit_code == 1
    assert "DEGRADED" in missing.output and "'absent-x' is MISSING" in missing.output

    down = runner.invoke(app, ["health", "--url", _url(f"http://127.0.0.1:{free_port()}"), "--timeout", "1"])
    assert down.exit_code == 2
    assert "UNREACHABLE" in down.output

    bad = runner.invoke(app, ["health", "--url", "nosuch://x"])
    assert bad.exit_code == 3

    prom = runner.invoke(app, ["health", "--url", f"sqlite:///{tmp_path}/h.db", "--prometheus"])
    assert prom.exit_code == 0 and "dynastore_up 1.0" in prom.output


def test_fallback_engine_reports_degraded_with_its_outbox(
    aws_env: pytest.MonkeyPatch, dynamodb_local_endpoint: str, tmp_path: Path
) -> None:
    pytest.importorskip("dynastore.engines.fallback")
    with auth_proxy(dynamodb_local_endpoint) as proxy:
        url = _url(proxy.endpoint, max_attempts="1", connect_timeout="1",
                   fallback=f"sqlite:///{tmp_path}/local.db")
        s = open_store(url)
        t = s.create_table(TableSpec(name=unique_name("fb"), partition_key=("pk", "S")))
        t.put({"pk": "before"})
        assert s.health().status == "ok"
    t.put({"pk": "while-down"})  # the primary is gone: this lands in the local store and its outbox
    h = s.health([t.name])
    assert h.status == "degraded" and h.exit_code == 1
    assert h.details["degraded"] is True and h.details["outbox_depth"] == 1
    assert any(p.startswith("degraded:") for p in h.problems)
    s.close()
