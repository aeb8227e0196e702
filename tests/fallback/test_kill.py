"""``kill -9`` of a ``dynastore sync`` in the middle of replaying: run it again and nothing is lost or doubled."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from conformance._support import unique_name

from dynastore.expressions import Attr, if_not_exists, list_append
from dynastore.store import Store
from dynastore.sync import sync

from ._proxy import TcpProxy
from .conftest import engine

WRITES = 400


def _outbox_depth(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM _dynastore_outbox").fetchone()[0])


def test_kill_9_during_sync_loses_and_doubles_nothing(open_fallback: Callable[[], Store], fallback_url: str,
                                                      remote: Store, proxy: TcpProxy, tmp_path: Path) -> None:
    store = open_fallback()
    t = store.create_table({"name": unique_name("kill"), "partition_key": ["pk", "S"]})
    proxy.cut()
    for i in range(WRITES):  # increments: a write replayed twice would count twice
        t.update({"pk": f"k{i % 50}"}, [Attr("n").add(1), Attr("log").set(list_append(if_not_exists("log", []), [i]))])
    db = tmp_path / "offline.db"
    assert _outbox_depth(db) == WRITES
    proxy.restore()

    proc = subprocess.Popen([sys.executable, "-c", "from dynastore.cli import main; main()", "sync", "--url",
                             fallback_url], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while _outbox_depth(db) > WRITES - 100 and proc.poll() is None:
            time.sleep(0.002)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    left = _outbox_depth(db)
    assert 0 < left < WRITES, f"the sync was not caught mid-way ({left} left): {proc.stderr.read().decode() if proc.stderr else ''}"

    report = sync(engine(store))

    assert report.synced and report.remaining == 0
    assert report.applied + report.already == left
    items = {it["pk"]: it for it in remote.table(t.name).scan()}
    for k in range(50):
        expected = list(range(k, WRITES, 50))
        assert items[f"k{k}"]["log"] == expected and items[f"k{k}"]["n"] == len(expected)
