"""The embedded engine's own guarantees: concurrency, durability, key order."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dynastore import Attr, Key, TableSpec, open_store
from dynastore.engines.keycodec import encode_number, pack_item, unpack_item

SRC = str(Path(__file__).resolve().parents[2] / "src")

numbers = st.one_of(
    st.integers(min_value=-(10**37), max_value=10**37),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
        lambda d: d == 0 or -130 <= d.adjusted() < 125
    ).map(lambda d: Decimal(d).normalize() if len(Decimal(d).normalize().as_tuple().digits) <= 38 else Decimal(0)),
)


@given(numbers, numbers)
def test_number_encoding_sorts_numerically(a, b):
    ea, eb = encode_number(a), encode_number(b)
    assert (a < b) == (ea < eb)
    assert (a == b) == (ea == eb)


values = st.recursive(
    st.one_of(st.text(), st.integers(min_value=-(10**37), max_value=10**37), st.booleans(), st.none(), st.binary(),
              st.frozensets(st.text(), min_size=1).map(set)),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(min_size=1), values, max_size=6))
def test_item_blob_round_trip(item):
    assert unpack_item(pack_item(item)) == item


def _counter_table(url: str):
    store = open_store(url)
    return store, store.create_table(TableSpec(name="counters", partition_key=("id", "S")))


def _increment(url: str, n: int) -> None:
    store, table = _counter_table(url)
    for _ in range(n):
        table.update({"id": "c"}, Attr("n").add(1))
    store.close()


def test_atomic_counter_across_processes(tmp_path):
    url = f"sqlite:///{tmp_path}/c.db"
    store, table = _counter_table(url)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_increment, args=(url, 500)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    assert table.get({"id": "c"})["n"] == 2000
    store.close()


@pytest.mark.parametrize("on_file", [True, False], ids=["file", "memory"])
def test_atomic_counter_across_threads(tmp_path, on_file):
    store, table = _counter_table(f"sqlite:///{tmp_path}/t.db" if on_file else "memory://")
    threads = [threading.Thread(target=lambda: [table.update({"id": "c"}, Attr("n").add(1)) for _ in range(200)])
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert table.get({"id": "c"})["n"] == 800
    store.close()


def test_acknowledged_writes_survive_kill_9(tmp_path):
    """A writer prints each key once put() has returned; after SIGKILL every printed key is there."""
    db = tmp_path / "k.db"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {SRC!r})
        from dynastore import open_store, TableSpec
        store = open_store("sqlite:///{db}")
        t = store.create_table(TableSpec(name="acks", partition_key=("id", "N")))
        i = 0
        while True:
            t.put({{"id": i, "body": "x" * 100}})
            print(i, flush=True)
            i += 1
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    acked = []
    assert proc.stdout is not None
    for line in proc.stdout:
        acked.append(int(line))
        if len(acked) >= 300:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = open_store(f"sqlite:///{db}")
    table = store.table("acks")
    assert all(table.get({"id": i}) is not None for i in acked)
    store.close()


def test_data_persists_across_reopen(tmp_path):
    url = f"sqlite:///{tmp_path}/p.db"
    store = open_store(url)
    t = store.create_table(TableSpec(name="things", partition_key=("pk", "S"), sort_key=("sk", "N")))
    t.put({"pk": "a", "sk": 1, "v": Decimal("1.5")})
    store.close()
    store = open_store(url)
    assert store.tables() == ["things"]
    assert store.table("things").query(Key("pk").eq("a")).all() == [{"pk": "a", "sk": 1, "v": Decimal("1.5")}]
    store.close()


def test_writer_with_a_stale_catalogue_keeps_a_new_index_up_to_date(tmp_path):
    """One process adds an index while another keeps writing: the writer must maintain it."""
    from dynastore import Index

    url = f"sqlite:///{tmp_path}/s.db"
    spec = TableSpec(name="events", partition_key=("pk", "S"))
    app = open_store(url)
    table = app.create_table(spec)
    table.put({"pk": "before", "kind": "x"})  # the app's engine has cached the catalogue
    admin = open_store(url)
    admin.create_table(TableSpec(name="events", partition_key=("pk", "S"),
                                 indexes=[Index("by_kind", partition_key=("kind", "S"))]))
    table.put({"pk": "after", "kind": "x"})  # written through the stale view
    table.update({"pk": "before"}, Attr("kind").set("y"))
    admin_table = admin.table("events")
    assert [i["pk"] for i in admin_table.query(Key("kind").eq("x"), index="by_kind")] == ["after"]
    assert [i["pk"] for i in admin_table.query(Key("kind").eq("y"), index="by_kind")] == ["before"]
    app.close()
    admin.close()
