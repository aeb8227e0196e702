"""``dynastore sync``: exit codes a script can rely on, dry runs, pulls and conflict resolution."""

from __future__ import annotations

from conformance._support import unique_name
from typer.testing import CliRunner

from dynastore.cli import app
from dynastore.expressions import Attr
from dynastore.store import Store

from ._proxy import TcpProxy
from .conftest import engine

runner = CliRunner()


def _sync(url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["sync", "--url", url, *args])
    return result.exit_code, result.output


def test_exit_codes_follow_the_state_of_the_outbox(store: Store, remote: Store, proxy: TcpProxy,
                                                   fallback_url: str) -> None:
    spec = {"name": unique_name("cli"), "partition_key": ["pk", "S"], "version_attribute": "version"}
    t = store.create_table(spec)
    t.put({"pk": "a", "body": "one"}, expected_version=None)
    proxy.cut()
    t.update({"pk": "a"}, Attr("body").set("offline"), expected_version=1)
    t.put({"pk": "b", "body": "new"}, expected_version=None)

    code, output = _sync(fallback_url)
    assert code == 4 and "unreachable" in output and "2 write(s) kept locally" in output

    proxy.restore()
    direct = remote.table(remote.create_table(spec).spec)
    direct.update({"pk": "a"}, Attr("body").set("elsewhere"), expected_version=1)

    code, output = _sync(fallback_url, "--dry-run")
    assert code == 3 and "would apply 1" in output and "conflicts 1" in output
    assert direct.get({"pk": "b"}) is None  # a dry run writes nothing

    code, output = _sync(fallback_url)
    assert code == 3 and "applied 1" in output and "elsewhere" in output and "offline" in output
    assert direct.get({"pk": "a"})["body"] == "elsewhere" and direct.get({"pk": "b"})["body"] == "new"

    code, output = _sync(fallback_url, "--resolve", "remote")
    assert code == 0 and "settled 1" in output
    assert engine(store).outbox.depth() == 0 and t.get({"pk": "a"})["body"] == "elsewhere"

    code, output = _sync(fallback_url)
    assert code == 0 and "applied 0" in output


def test_pull_takes_partition_values_of_the_index(store: Store, remote: Store, proxy: TcpProxy,
                                                  fallback_url: str) -> None:
    name = unique_name("pull")
    direct = remote.create_table({"name": name, "partition_key": ["id", "N"],
                                  "indexes": [{"name": "session_id-index", "partition_key": ["session_id", "S"]}]})
    direct.batch_write([{"id": i, "session_id": f"s{i % 2}"} for i in range(6)])

    code, output = _sync(fallback_url, "--pull", name, "--index", "session_id-index", "s0")

    assert code == 0 and "pulled 3 item(s)" in output
    assert sorted(it["id"] for it in engine(store).local.scan(name).items) == [0, 2, 4]
    code, output = _sync(fallback_url, "--pull", name, "5", "x")
    assert code == 1 and "'x' is not a number" in output


def test_usage_errors_and_stores_without_fallback(store: Store, dynamodb_local_endpoint: str,
                                                  fallback_url: str) -> None:
    code, output = _sync(f"dynamodb://?endpoint={dynamodb_local_endpoint}&region=us-east-1")
    assert code == 1 and "not a fallback store" in output
    code, _ = _sync(fallback_url, "s1")
    assert code == 2
    code, _ = _sync(fallback_url, "--dry-run", "--resolve", "local")
    assert code == 2
