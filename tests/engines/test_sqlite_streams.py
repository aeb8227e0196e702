"""The embedded engine's streams: what only it has (a file that outlives processes, its own
retention and iterator expiry, records in the change's own transaction)."""

from __future__ import annotations

import time

import pytest

from dynastore.engines import sqlite_streams
from dynastore.engines.sqlite import SQLiteEngine
from dynastore.errors import IteratorExpired, StreamTrimmed
from dynastore.spec import TableSpec
from dynastore.store import Store
from dynastore.streams import Stream

SPEC = TableSpec(name="audited", partition_key=("pk", "S"), stream="NEW_AND_OLD_IMAGES")


def keys(stream: Stream) -> list[tuple[str, str]]:
    return [(r.event_name, r.keys["pk"]) for r in stream.iter_changes()]


def test_a_reopened_file_continues_the_same_stream(tmp_path):
    path = str(tmp_path / "s.db")
    with Store(SQLiteEngine(path)) as store:
        store.create_table(SPEC).put({"pk": "a"})
        arn = store.stream("audited").arn
    with Store(SQLiteEngine(path)) as store:
        store.table("audited").put({"pk": "b"})
        stream = store.stream("audited")
        assert stream.arn == arn
        assert keys(stream) == [("INSERT", "a"), ("INSERT", "b")]


def test_two_engines_on_one_file_see_a_stream_enabled_by_the_other(tmp_path):
    path = str(tmp_path / "s.db")
    with Store(SQLiteEngine(path)) as one, Store(SQLiteEngine(path)) as two:
        one.create_table(TableSpec(name="audited", partition_key=("pk", "S")))
        two.table("audited").put({"pk": "before"})  # caches the stream-less catalogue
        one.create_table(SPEC)
        two.table("audited").put({"pk": "after"})
        assert keys(one.stream("audited")) == [("INSERT", "after")]


def test_a_failing_journal_rolls_the_record_back(tmp_path):
    engine = SQLiteEngine(str(tmp_path / "s.db"))
    with Store(engine) as store:
        table = store.create_table(SPEC)

        def refuse(*_: object) -> None:
            raise RuntimeError("outbox full")

        with engine.journaled(refuse), pytest.raises(RuntimeError):
            table.put({"pk": "lost"})
        table.put({"pk": "kept"})
        assert keys(store.stream("audited")) == [("INSERT", "kept")]


def test_iterators_expire_after_15_minutes(monkeypatch):
    with Store(SQLiteEngine(":memory:")) as store:
        store.create_table(SPEC).put({"pk": "a"})
        stream = store.stream("audited")
        it = stream.iterator(stream.shards()[0].shard_id)
        later = time.time() + 15 * 60 + 1
        monkeypatch.setattr(sqlite_streams.time, "time", lambda: later)
        with pytest.raises(IteratorExpired):
            stream.read(it)


def test_writes_trim_records_past_retention(monkeypatch):
    with Store(SQLiteEngine(":memory:")) as store:
        table = store.create_table(SPEC)
        table.put({"pk": "old"})
        stream = store.stream("audited")
        [old] = list(stream.iter_changes())
        later = time.time() + sqlite_streams.RETENTION_SECONDS + 120
        monkeypatch.setattr(sqlite_streams.time, "time", lambda: later)
        table.put({"pk": "new"})  # a write a day later trims what it outlived
        assert keys(stream) == [("INSERT", "new")]
        with pytest.raises(StreamTrimmed):
            stream.iterator(stream.shards()[0].shard_id, "AT_SEQUENCE_NUMBER", old.sequence_number)


def test_concurrent_writers_records_follow_commit_order(tmp_path):
    """Records are written inside each change's transaction, so their order is the commit order:
    a counter bumped from several threads shows every value once, ascending."""
    from concurrent.futures import ThreadPoolExecutor

    from dynastore.expressions import Attr

    with Store(SQLiteEngine(str(tmp_path / "s.db"))) as store:
        table = store.create_table(SPEC)

        def bump(_: int) -> None:
            table.update({"pk": "counter"}, Attr("n").add(1))

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(bump, range(60)))
        records = list(store.stream("audited").iter_changes())
        assert [r.new_image["n"] for r in records] == list(range(1, 61))
        assert [r.old_image["n"] if r.old_image else None for r in records] == [None] + list(range(1, 60))
        assert [r.event_name for r in records] == ["INSERT"] + ["MODIFY"] * 59
