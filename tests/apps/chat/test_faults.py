"""Write order, retries and the orphan sweep, with real faults injected between the two writes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from dynastore import open_store
from dynastore.apps.chat import MessageStore
from dynastore.blobs import LocalBlobStore
from dynastore.errors import ConditionFailed, StoreUnavailable, Throttled
from dynastore.retry import RetryPolicy

from .conftest import Faults, Faulty, MakeMessages, table_name

FAST = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.002)
LATER = datetime.now(timezone.utc) + timedelta(days=1)  # "now" for sweeps: every body is a day old


def index_items(ms: MessageStore, chat_id: str) -> list[dict]:
    from dynastore.expressions import Key

    return ms.table.query(Key("chat_id").eq(chat_id), consistent=True).all()


def test_a_failed_index_write_leaves_no_dangling_item_and_the_orphan_is_swept(
        make_messages: MakeMessages, faults: Faults) -> None:
    ms = make_messages(retry=FAST)
    kept = ms.add("c", "user", "kept")
    ms.table = Faulty(ms.table, faults)  # type: ignore[assignment]
    faults.fail("put", times=10)  # the index write fails on every attempt
    with pytest.raises(StoreUnavailable, match="after 4 attempts"):
        ms.add("c", "user", "lost", message_id="lost")
    assert faults.calls["put"] == 4  # 1 try + 3 retries
    # The reader's view: no index item without a body (the failed message has neither an item ...)
    items = index_items(ms, "c")
    assert [i["message_id"] for i in items] == [kept.message_id]
    for item in items:
        assert ms.blobs.exists(ms.blobs.key_from_url(item["content_url"]))
    # ... and its body is an orphan, which a dry run finds and a real sweep removes.
    orphans = [k for k in (i.key for i in ms.blobs.list("")) if k.endswith("/lost.json")]
    assert len(orphans) == 1
    report = ms.sweep(grace=timedelta(hours=1), now=LATER)
    assert report.dry_run and report.orphans == orphans and report.deleted == 0
    assert ms.blobs.exists(orphans[0])
    assert ms.sweep(grace=timedelta(hours=1)).orphans == []  # too young: within the grace period
    report = ms.sweep(grace=timedelta(hours=1), dry_run=False, now=LATER)
    assert report.deleted == 1 and not ms.blobs.exists(orphans[0])
    assert ms.get("c", kept.message_id).content == "kept"  # the indexed body is untouched
    assert ms.sweep(grace=timedelta(0), dry_run=False, now=LATER).orphans == []


def test_a_failed_body_write_writes_no_index_item(make_messages: MakeMessages, faults: Faults) -> None:
    ms = make_messages(retry=FAST)
    ms.blobs = Faulty(ms.blobs, faults)  # type: ignore[assignment]
    faults.fail("put", times=10)
    with pytest.raises(StoreUnavailable, match="storing the body"):
        ms.add("c", "user", "never")
    assert index_items(ms, "c") == []


def test_transient_failures_are_retried(make_messages: MakeMessages, faults: Faults) -> None:
    registry = CollectorRegistry()
    ms = make_messages(retry=FAST, registry=registry, cache_bytes=0)
    ms.blobs = Faulty(ms.blobs, faults)  # type: ignore[assignment]
    ms.table = Faulty(ms.table, faults)  # type: ignore[assignment]
    faults.fail("put", times=3)  # the body write fails 3 times, then lands
    ref = ms.add("c", "user", "eventually")
    faults.fail("get", times=2)
    assert ms.body(ref).content == "eventually"
    assert registry.get_sample_value("dynastore_chat_retries_total") == 5


def test_a_retried_index_write_that_had_landed_is_a_success(make_messages: MakeMessages, faults: Faults) -> None:
    """The first put is stored but its answer is lost; the retry meets its own item, not a conflict."""
    ms = make_messages(retry=FAST)
    ms.table = Faulty(ms.table, faults)  # type: ignore[assignment]
    faults.fail("put", after_call=True)
    ref = ms.add("c", "user", "once", message_id="m")
    assert [i["message_id"] for i in index_items(ms, "c")] == ["m"]
    assert ms.get("c", "m").content == "once"
    faults.fail("put", after_call=True)  # a real duplicate still conflicts
    with pytest.raises(ConditionFailed):
        ms.put(ms.get("c", "m"))
    assert ref.message_id == "m"


def test_throttling_keeps_its_class_after_the_retries(make_messages: MakeMessages, faults: Faults) -> None:
    ms = make_messages(retry=FAST)
    ms.blobs = Faulty(ms.blobs, faults)  # type: ignore[assignment]
    faults.fail("put", times=10, error=Throttled)
    with pytest.raises(Throttled, match="after 4 attempts: injected fault in put"):
        ms.add("c", "user", "x")
    assert index_items(ms, "c") == []


def test_a_failed_body_delete_leaves_an_orphan_for_the_sweep(make_messages: MakeMessages, faults: Faults) -> None:
    ms = make_messages(retry=FAST)
    ref = ms.add("c", "user", "gone", message_id="m")
    real_blobs = ms.blobs
    ms.blobs = Faulty(ms.blobs, faults)  # type: ignore[assignment]
    faults.fail("delete", times=10)
    assert ms.delete("c", "m") is True  # deleted for every reader: the index item went first
    assert index_items(ms, "c") == []
    key = real_blobs.key_from_url(ref.content_url)
    assert real_blobs.exists(key)
    ms.blobs = real_blobs  # type: ignore[assignment]
    assert ms.sweep(grace=timedelta(minutes=5), dry_run=False, now=LATER).deleted == 1
    assert not real_blobs.exists(key)


def test_sweep_keeps_foreign_keys_and_indexed_bodies(make_messages: MakeMessages) -> None:
    ms = make_messages()
    ms.add("c", "user", "indexed")
    ms.blobs.put("messages/readme.txt", b"not a message body")
    ms.blobs.put("elsewhere/2025/x.json", b"{}")
    ms.blobs.put("messages/2025/07/10/c/orphan.json", b"{}")
    report = ms.sweep(grace=timedelta(0), dry_run=False, now=LATER)
    assert report.orphans == ["messages/2025/07/10/c/orphan.json"] and report.deleted == 1
    assert ms.blobs.exists("messages/readme.txt") and ms.blobs.exists("elsewhere/2025/x.json")
    assert len(ms.messages("c")) == 1


def test_botocore_fault_between_the_writes_on_dynamodb(dynamodb_local_endpoint: str, tmp_path: Path) -> None:
    """On DynamoDB the fault is a dropped connection at the transport (a botocore event), not a proxy."""
    from botocore.exceptions import EndpointConnectionError

    store = open_store(f"dynamodb://?endpoint={dynamodb_local_endpoint}&region=us-east-1")
    ms = MessageStore(store, LocalBlobStore(tmp_path / "blobs"), table=table_name(), retry=FAST)
    client = store.engine.client  # type: ignore[attr-defined]

    def drop(params: dict, **kwargs: object) -> None:
        if params.get("TableName", "").endswith(ms.table.name):
            raise EndpointConnectionError(endpoint_url=dynamodb_local_endpoint)

    client.meta.events.register("before-parameter-build.dynamodb.PutItem", drop)
    try:
        with pytest.raises(StoreUnavailable, match="after 4 attempts"):
            ms.add("c", "user", "lost", message_id="lost")
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb.PutItem", drop)
        ms.add("c", "user", "kept")
    assert [i["content_preview"] for i in index_items(ms, "c")] == ["kept"]
    report = ms.sweep(grace=timedelta(0), dry_run=False, now=LATER)
    assert [k.rsplit("/", 1)[-1] for k in report.orphans] == ["lost.json"] and report.deleted == 1
    assert [m.content for m in ms.messages("c")] == ["kept"]
    ms.close()
    store.close()


def test_put_many_index_failure_leaves_only_orphans(make_messages: MakeMessages, faults: Faults) -> None:
    from dynastore.apps.chat import Message

    ms = make_messages(retry=FAST)
    real_store = ms.store
    ms.store = Faulty(real_store, faults)  # type: ignore[assignment]
    faults.fail("transaction", times=10)
    batch = [Message(chat_id="c", role="user", content=f"{n}") for n in range(5)]
    with pytest.raises(StoreUnavailable, match="after 4 attempts"):
        ms.put_many(batch)
    assert index_items(ms, "c") == []
    assert ms.sweep(grace=timedelta(0), dry_run=False, now=LATER).deleted == 5


def test_put_many_retry_after_a_landed_transaction_applies_it_once(make_messages: MakeMessages,
                                                                   faults: Faults) -> None:
    """The commit lands but its answer is lost: the retry carries the same token and is not refused."""
    from dynastore.apps.chat import Message

    ms = make_messages(retry=FAST)

    class LosingAnswers:
        def __init__(self, store: object):
            self._s = store

        def __getattr__(self, name: str) -> object:
            return getattr(self._s, name)

        def transaction(self, **kw: object) -> object:
            tx = self._s.transaction(**kw)  # type: ignore[attr-defined]
            commit = tx.commit

            def commit_and_lose() -> None:
                commit()
                if faults.pending.get("answer", 0):
                    faults.pending["answer"] -= 1
                    raise StoreUnavailable("connection reset after the commit")

            tx.commit = commit_and_lose
            return tx

    ms.store = LosingAnswers(ms.store)  # type: ignore[assignment]
    faults.pending["answer"] = 1
    result = ms.put_many([Message(chat_id="c", role="user", content=f"{n}") for n in range(3)])
    assert len(result.stored) == 3 and result.existing == []
    assert len(index_items(ms, "c")) == 3
