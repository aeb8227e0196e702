"""The outbox is written by the local write's own transaction: both happen, or neither."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dynastore.engine import TxAction, WriteRequest
from dynastore.engines.sqlite import SQLiteEngine
from dynastore.errors import ValidationError
from dynastore.expressions import Attr
from dynastore.outbox import Outbox
from dynastore.spec import make_spec
from dynastore.store import engine_from_url


@pytest.fixture
def local(tmp_path: Path) -> SQLiteEngine:
    engine = SQLiteEngine(str(tmp_path / "local.db"))
    engine.create_table(make_spec({"name": "tab", "partition_key": ["pk", "S"]}))
    return engine


def test_every_kind_of_write_is_journaled_with_the_item_before_and_after(local: SQLiteEngine) -> None:
    outbox = Outbox(local)
    local.put_item("tab", {"pk": "a", "v": 1})  # not journaled: outside the block
    with local.journaled(outbox.journal()):
        local.put_item("tab", {"pk": "a", "v": 2})
        local.update_item("tab", {"pk": "a"}, [Attr("v").add(1)])
        local.batch_write({"tab": [WriteRequest("put", {"pk": "b"}), WriteRequest("delete", {"pk": "a"})]})
        local.delete_item("tab", {"pk": "nothing"})  # changes nothing: no entry
    with local.journaled(outbox.journal(group=True)):
        local.transact_write([TxAction("put", "tab", {"pk": "c"}), TxAction("delete", "tab", {"pk": "b"})])
    entries = list(outbox.iter_entries())
    assert [(e.key, e.old, e.new) for e in entries] == [
        ({"pk": "a"}, {"pk": "a", "v": 1}, {"pk": "a", "v": 2}),
        ({"pk": "a"}, {"pk": "a", "v": 2}, {"pk": "a", "v": 3}),
        ({"pk": "b"}, None, {"pk": "b"}),
        ({"pk": "a"}, {"pk": "a", "v": 3}, None),
        ({"pk": "c"}, None, {"pk": "c"}),
        ({"pk": "b"}, {"pk": "b"}, None),
    ]
    assert [e.group for e in entries[:4]] == [None] * 4
    assert entries[4].group is not None and entries[4].group == entries[5].group


def test_a_failing_journal_rolls_the_write_back(local: SQLiteEngine) -> None:
    def refuse(*args: Any) -> None:
        raise RuntimeError("disk full")

    with local.journaled(refuse), pytest.raises(RuntimeError):
        local.put_item("tab", {"pk": "a"})
    assert local.get_item("tab", {"pk": "a"}) is None


def test_the_guard_refuses_to_overwrite_items_with_pending_writes(local: SQLiteEngine) -> None:
    outbox = Outbox(local)
    with local.journaled(outbox.journal()):
        local.put_item("tab", {"pk": "a", "v": "mine"})
    from dynastore.outbox import PendingWrites

    with local.journaled(Outbox.guard), pytest.raises(PendingWrites):
        local.put_item("tab", {"pk": "a", "v": "theirs"})
    with local.journaled(Outbox.guard):
        local.put_item("tab", {"pk": "b", "v": "theirs"})
    assert local.get_item("tab", {"pk": "a"}) == {"pk": "a", "v": "mine"}
    assert outbox.depth() == 1


@pytest.mark.parametrize("url, message", [
    ("dynamodb://?region=us-east-1&fallback=dynamodb://", "must be a sqlite"),
    ("dynamodb://?region=us-east-1&fallback=memory://&fallback_probe=1", "unknown fallback option"),
    ("dynamodb://?region=us-east-1&fallback=memory://&fallback_auto_sync=maybe", "true or false"),
    ("dynamodb://?region=us-east-1&fallback=memory://&fallback_probe_interval=soon", "number of seconds"),
])
def test_bad_fallback_urls_are_one_clear_error(url: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        engine_from_url(url)


def test_settings_add_the_fallback_to_the_dynamodb_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from dynastore.settings import Settings

    monkeypatch.setenv("DYNAMODB_ENABLED", "true")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("DYNASTORE_FALLBACK_URL", f"sqlite:///{tmp_path}/offline.db")
    monkeypatch.delenv("DYNASTORE_URL", raising=False)
    url = Settings(_env_file=None).store_url()  # type: ignore[call-arg]
    engine = engine_from_url(url)
    try:
        assert engine.kind == "fallback" and "fallback=sqlite" in url.replace("%3A", ":").replace("%2F", "/")
    finally:
        engine.close()
