"""(m) Chat messages: dynastore's MessageStore vs writing the same JSON files with plain ``open()``.

One operation stores a ~1 KB chat message and reads it back. dynastore's side
is the seed-002 store as an application uses it: ``MessageStore.add`` (size
check, the body as JSON to the local blob store under the date layout, written
to a temporary file and renamed into place, then the index item put with a
condition into the embedded engine: a file database, WAL, synchronous=NORMAL)
and ``MessageStore.body(ref)`` with the cache off (so the body is read from
its file and parsed). The baseline writes the same JSON body to the same
date-based path with ``open(path, "w")`` and reads it back with ``json.load``:
no index, no atomic rename, no checks.

Informational rows split the two halves and show a read served by the cache.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

from rich.console import Console

from dynastore import open_store
from dynastore.apps.chat import Message, MessageStore
from dynastore.blobs import LocalBlobStore

from .harness import Config, Report, Row, compare, profile

BENCH = "messages"
TITLE = "(m) chat messages: MessageStore (local blobs + embedded engine) vs JSON files with open()"
CHATS = 20
TEXT = ("DynamoDBのインデックス設計について: PKをchat_id、SKを作成日時+メッセージIDにすると時系列で並びます。"
        "本文はすべてS3(開発時はローカル)に置き、DynamoDBは索引だけを持ちます。 ") * 5  # ~1 KB of UTF-8


def _message(i: int) -> Message:
    return Message(chat_id=f"chat-{i % CHATS}", role="user" if i % 2 else "assistant", content=TEXT, id=f"m{i:09d}")


class PlainFiles:
    """What an application would write by hand: one JSON file per message under the same layout."""

    def __init__(self, root: str):
        self.root = root
        self._dirs: set[str] = set()

    def path(self, m: Message) -> str:
        t = m.created_at
        return os.path.join(self.root, "messages", f"{t.year:04d}", f"{t.month:02d}", f"{t.day:02d}", m.chat_id,
                            f"{m.id}.json")

    def put(self, m: Message) -> str:
        path = self.path(m)
        d = os.path.dirname(path)
        if d not in self._dirs:
            os.makedirs(d, exist_ok=True)
            self._dirs.add(d)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(m.to_body(), f, ensure_ascii=False, separators=(",", ":"))
        return path

    def get(self, path: str) -> dict[str, Any]:
        with open(path, encoding="utf-8") as f:
            return json.load(f)  # type: ignore[no-any-return]


def run(cfg: Config, report: Report, console: Console) -> None:
    with tempfile.TemporaryDirectory(prefix="dynastore-bench-messages-") as tmp:
        store = open_store(f"sqlite:///{tmp}/index.db")
        ms = MessageStore(store, LocalBlobStore(os.path.join(tmp, "blobs")), cache_bytes=0)
        plain = PlainFiles(os.path.join(tmp, "plain"))
        try:
            _run(cfg, report, console, ms, plain)
        finally:
            ms.close()
            store.close()


def _run(cfg: Config, report: Report, console: Console, ms: MessageStore, plain: PlainFiles) -> None:
    n = cfg.n(2_000, 300)
    report.note(BENCH, f"{n:,} messages of {len(TEXT.encode()):,} bytes per round and path, {CHATS} chats, "
                       f"median of {cfg.rounds} rounds; cache off unless the row says otherwise")

    def ours(i: int) -> Any:
        ref = ms.put(_message(i))
        return ms.body(ref)

    def baseline(i: int) -> Any:
        return plain.get(plain.put(_message(i)))

    rates = compare({"dynastore": ours, "open()": baseline}, n, rounds=cfg.rounds)
    _row(report, "store + read back", rates, target=0.5)
    ms.cache.max_bytes = 64 * 1024 * 1024  # the default store: put() leaves the body in the cache
    rates = compare({"dynastore": ours, "open()": baseline}, n, rounds=cfg.rounds)
    _row(report, "store + read back, cache on", rates)
    ms.cache.max_bytes = 0
    ms.cache.clear()
    if cfg.profile:
        text = profile(ours, max(50, n // 4))
        report.profiles[f"{BENCH}/store + read back"] = text
        console.print(f"[bold]profile {BENCH}/store + read back[/]\n{text}")

    # Imports and migrations store many at once: bodies, then index items in transactions of 100.
    batch = 100

    def ours_batched(i: int) -> Any:
        if i % batch == 0:
            refs = ms.put_many([_message(j) for j in range(i, i + batch)]).stored
            ms.bodies(refs)
        return None

    def baseline_batched(i: int) -> Any:
        if i % batch == 0:
            for p in [plain.put(_message(j)) for j in range(i, i + batch)]:
                plain.get(p)
        return None

    nb = max(batch, n // batch * batch)
    rates = compare({"dynastore": ours_batched, "open()": baseline_batched}, nb, rounds=cfg.rounds,
                    warmup=batch, blocks=max(1, nb // batch))
    _row(report, f"store + read back, put_many of {batch}", rates)

    # The halves, on messages written beforehand (fresh indexes: writes never collide with the above).
    base = 50_000_000
    refs = [ms.put(_message(base + i)) for i in range(n)]
    paths = [plain.put(_message(base + i)) for i in range(n)]
    rates = compare({"dynastore": lambda i: ms.put(_message(i + 10_000_000)),
                     "open()": lambda i: plain.put(_message(i + 10_000_000))}, n, rounds=cfg.rounds)
    _row(report, "store", rates)
    rates = compare({"dynastore": lambda i: ms.body(refs[i % n]), "open()": lambda i: plain.get(paths[i % n])},
                    n, rounds=cfg.rounds)
    _row(report, "read back", rates)
    ms.cache.max_bytes = 64 * 1024 * 1024
    for r in refs:
        ms.body(r)
    rates = compare({"dynastore": lambda i: ms.body(refs[i % n]), "open()": lambda i: plain.get(paths[i % n])},
                    n, rounds=cfg.rounds)
    _row(report, "read back (cached)", rates)
    ms.cache.max_bytes = 0
    listing = compare({"dynastore": lambda i: ms.messages(f"chat-{i % CHATS}", limit=20),
                       "open()": lambda i: [plain.get(p) for p in paths[(i % CHATS) * 20:(i % CHATS) * 20 + 20]]},
                      max(20, n // 20), rounds=cfg.rounds)
    _row(report, "20 latest of a chat", listing)


def _row(report: Report, name: str, rates: dict[str, float], target: float | None = None) -> None:
    report.figure(BENCH, name, "dynastore", rates["dynastore"])
    report.figure(BENCH, name, "open()", rates["open()"])
    report.add(Row(BENCH, name, "MessageStore", rates["dynastore"], "open() + json", rates["open()"],
                   ratio_min=target))
