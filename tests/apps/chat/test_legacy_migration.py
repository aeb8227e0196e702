"""Moving the seed's old layout (small bodies inline in DynamoDB, large ones in S3) to the new rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dynastore import Store
from dynastore.apps.chat import MessageStore, migrate_legacy
from dynastore.blobs import BlobStore
from dynastore.errors import ValidationError
from dynastore.table import Table

from .conftest import MakeMessages, table_name


def legacy_table(store: Store, blobs: BlobStore, n: int = 25) -> Table:
    """An old-rule table: every 5th message was 'large' and lives in blob storage under the old key."""
    t = store.create_table({"name": table_name(), "partition_key": ["chat_id", "S"], "sort_key": ["id", "S"]})
    for i in range(n):
        chat = f"chat-{i % 3}"
        item = {"id": f"msg-{i:03d}", "chat_id": chat, "role": "user" if i % 2 else "assistant",
                "content_type": "text", "timestamp": f"2025-07-{10 + i % 5:02d}T12:00:{i:02d}"}
        if i % 5 == 0:
            text = f"long body {i} " + "y" * 5000
            key = f"messages/{chat}/msg-{i:03d}.json"
            blobs.put(key, json.dumps({"content": text, "metadata": {"chat_id": chat, "message_id": item["id"],
                                       "original_size": str(len(text))},
                                       "created_at": item["timestamp"]}).encode())
            item.update(storage_type="s3", content_type="large_text", content=text[:200], content_preview=text[:200],
                        content_url=blobs.url(key), size_bytes=len(text))
        else:
            text = f"short body {i}"
            item.update(storage_type="dynamodb", content=text, size_bytes=len(text))
        t.put(item)
    return t


def expected(i: int) -> str:
    return f"long body {i} " + "y" * 5000 if i % 5 == 0 else f"short body {i}"


def all_messages(ms: MessageStore) -> dict[str, str]:
    return {m.id: m.content for c in range(3) for m in ms.messages(f"chat-{c}")}


def test_migration_moves_every_message_and_is_idempotent(backends, make_messages: MakeMessages) -> None:  # type: ignore[no-untyped-def]
    store, blobs = backends
    old = legacy_table(store, blobs)
    ms = make_messages()
    seen: list[int] = []
    report = migrate_legacy(old, ms, page_size=7, on_progress=lambda r: seen.append(r.read))
    assert (report.read, report.migrated, report.already, report.failed, report.done) == (25, 25, 0, [], True)
    assert seen == sorted(seen) and seen[-1] == 25 and len(seen) >= 4
    assert all_messages(ms) == {f"msg-{i:03d}": expected(i) for i in range(25)}
    # every body is now under the date layout, the index has no body
    msg = ms.get("chat-0", "msg-000")
    assert msg.content_type == "text" and msg.created_at.isoformat() == "2025-07-10T12:00:00+00:00"
    ref = ms.ref("chat-0", "msg-000")
    assert ref is not None and ref.content_url.endswith("messages/2025/07/10/chat-0/msg-000.json")
    assert "content" not in ms.table.get(ref.key, consistent=True)  # type: ignore[operator]
    # ordered by time within a chat
    assert [r.message_id for r in ms.list("chat-1").refs] == sorted(
        (f"msg-{i:03d}" for i in range(25) if i % 3 == 1), key=lambda m: (10 + int(m[4:]) % 5, int(m[4:])))
    again = migrate_legacy(old, ms, page_size=10)
    assert (again.migrated, again.already, again.failed) == (0, 25, [])
    assert len(all_messages(ms)) == 25


def test_migration_resumes_from_its_checkpoint(backends, make_messages: MakeMessages, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, blobs = backends
    old = legacy_table(store, blobs)
    ms = make_messages()
    checkpoint = tmp_path / "migrate.json"

    class Interrupted(Exception):
        pass

    def stop_after_two_pages(report) -> None:  # type: ignore[no-untyped-def]
        if report.read >= 10:
            raise Interrupted

    with pytest.raises(Interrupted):
        migrate_legacy(old, ms, page_size=5, checkpoint=checkpoint, on_progress=stop_after_two_pages)
    saved = json.loads(checkpoint.read_text())
    assert saved["report"]["read"] == 10 and saved["last_key"] is not None
    reads: list[int] = []
    report = migrate_legacy(old, ms, page_size=5, checkpoint=checkpoint, on_progress=lambda r: reads.append(r.read))
    assert report.resumed and report.done
    assert reads[0] == 15  # carried on after the 10 already read, not from the start
    assert (report.read, report.migrated, report.already) == (25, 25, 0)
    assert all_messages(ms) == {f"msg-{i:03d}": expected(i) for i in range(25)}
    assert migrate_legacy(old, ms, checkpoint=checkpoint).migrated == 25  # done: nothing more to do
    other = make_messages()
    with pytest.raises(ValidationError, match="belongs to a migration"):
        migrate_legacy(old, other, checkpoint=checkpoint)


def test_migration_reports_what_it_cannot_move(backends, make_messages: MakeMessages) -> None:  # type: ignore[no-untyped-def]
    store, blobs = backends
    old = store.create_table({"name": table_name(), "partition_key": ["chat_id", "S"], "sort_key": ["id", "S"]})
    old.put({"chat_id": "c", "id": "ok", "role": "user", "content": "fine", "timestamp": "2025-07-10T00:00:00"})
    old.put({"chat_id": "c", "id": "no-body", "role": "user", "storage_type": "s3",
             "content_url": blobs.url("messages/c/no-body.json"), "timestamp": "2025-07-10T00:00:01"})
    old.put({"chat_id": "c", "id": "no-role", "content": "x", "timestamp": "2025-07-10T00:00:02"})
    old.put({"chat_id": "c", "id": "big", "role": "user", "content": "z" * 200_000,
             "timestamp": "2025-07-10T00:00:03"})
    ms = make_messages()
    report = migrate_legacy(old, ms)
    assert report.migrated == 1 and report.read == 4
    assert sorted(f[0] for f in report.failed) == ["big", "no-body", "no-role"]
    assert [m.id for m in ms.messages("c")] == ["ok"]
