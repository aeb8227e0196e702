"""``dynastore messages migrate`` and ``dynastore messages sweep``."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dynastore import open_store
from dynastore.apps.chat import MessageStore
from dynastore.blobs import LocalBlobStore
from dynastore.cli import app

runner = CliRunner()


@pytest.fixture
def old_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    for var in ("DYNASTORE_URL", "USE_S3", "LOCAL_STORAGE_PATH"):
        monkeypatch.delenv(var, raising=False)
    url = f"sqlite:///{tmp_path}/chat.db"
    with open_store(url) as s:
        t = s.create_table({"name": "old-chat", "partition_key": ["chat_id", "S"], "sort_key": ["id", "S"]})
        for i in range(12):
            t.put({"chat_id": "c", "id": f"m{i:02d}", "role": "user", "content": f"hi {i}",
                   "timestamp": f"2025-07-10T00:00:{i:02d}", "storage_type": "dynamodb"})
    return url


def test_migrate_then_again(old_store: str, tmp_path: Path) -> None:
    args = ["messages", "migrate", "old-chat", "--url", old_store, "--blobs", str(tmp_path / "blobs"),
            "--checkpoint", str(tmp_path / "cp.json"), "--page-size", "5"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "migrated 12, already there 0, read 12" in first.output
    again = runner.invoke(app, args[:-4])  # no checkpoint: reads everything, writes nothing
    assert again.exit_code == 0 and "migrated 0, already there 12" in again.output
    with open_store(old_store) as s:
        ms = MessageStore(s, LocalBlobStore(tmp_path / "blobs"), create_table=False)
        assert [m.content for m in ms.messages("c")] == [f"hi {i}" for i in range(12)]


def test_migrate_defaults_to_the_local_storage_directory(old_store: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["messages", "migrate", "old-chat", "--url", old_store])
    assert result.exit_code == 0, result.output
    assert len(list(LocalBlobStore(tmp_path / "data" / "local_storage").list("messages/"))) == 12


def test_sweep_is_a_dry_run_unless_told(old_store: str, tmp_path: Path) -> None:
    blobs = tmp_path / "blobs"
    assert runner.invoke(app, ["messages", "migrate", "old-chat", "--url", old_store, "--blobs", str(blobs)]).exit_code == 0
    store = LocalBlobStore(blobs)
    store.put("messages/2025/07/10/c/orphan.json", b"{}")
    past = time.time() - 7200
    os.utime(blobs / "messages/2025/07/10/c/orphan.json", (past, past))
    dry = runner.invoke(app, ["messages", "sweep", "--url", old_store, "--blobs", str(blobs)])
    assert dry.exit_code == 0, dry.output
    assert "messages/2025/07/10/c/orphan.json" in dry.output and "dry run" in dry.output
    assert store.exists("messages/2025/07/10/c/orphan.json")
    real = runner.invoke(app, ["messages", "sweep", "--url", old_store, "--blobs", str(blobs), "--delete",
                               "--grace", "30m"])
    assert real.exit_code == 0 and "deleted 1" in real.output
    assert not store.exists("messages/2025/07/10/c/orphan.json")
    assert len(list(store.list("messages/"))) == 12


@pytest.mark.parametrize("args, fragment", [
    (["messages", "migrate", "missing"], "no table 'missing'"),
    (["messages", "sweep", "--grace", "soon"], "--grace 'soon'"),
    (["messages", "sweep", "--table", "nope"], "no message table 'nope'"),
    (["messages", "sweep", "--blobs", "ftp://x/y"], "unknown blob store URL"),
    (["messages", "sweep", "--blobs", "s3://b?color=red"], "unknown S3 blob store option"),
])
def test_errors_are_one_red_line(old_store: str, args: list[str], fragment: str) -> None:
    result = runner.invoke(app, [*args, "--url", old_store])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and fragment in lines[0], result.stderr


def test_every_option_has_help() -> None:
    for command in ("migrate", "sweep"):
        result = runner.invoke(app, ["messages", command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output


def test_every_messages_command_and_option_has_help() -> None:
    import typer

    group = typer.main.get_command(app).commands["messages"]  # type: ignore[attr-defined]
    assert set(group.commands) == {"migrate", "sweep"}
    missing = [f"{name} {p.name}" for name, cmd in group.commands.items() for p in cmd.params
               if p.name != "help" and not (getattr(p, "help", None) or "").strip()]
    missing += [name for name, cmd in group.commands.items() if not (cmd.help or "").strip()]
    assert not missing
