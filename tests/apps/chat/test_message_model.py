"""The message store against a model, and its write order under concurrent writers and readers."""

from __future__ import annotations

import shutil
import tempfile
import threading
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from dynastore import open_store
from dynastore.apps.chat import MessageStore
from dynastore.blobs import LocalBlobStore
from dynastore.errors import ConditionFailed, ItemNotFound

from .conftest import MakeMessages

T0 = datetime(2025, 7, 10, tzinfo=timezone.utc)
LATER = datetime.now(timezone.utc) + timedelta(days=1)


class MessageStoreModel(RuleBasedStateMachine):
    """Random adds, duplicate adds, overwrites and deletes; the store must agree with a dict."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.mkdtemp(prefix="dynastore-chat-model-")
        self.store = open_store("memory://")
        self.ms = MessageStore(self.store, LocalBlobStore(self.dir), cache_bytes=4096)
        self.model: dict[tuple[str, str], tuple[str, int]] = {}  # (chat, id) -> (text, second)
        self.n = 0

    def teardown(self) -> None:
        self.ms.close()
        self.store.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @rule(chat=st.sampled_from(["a", "b"]), text=st.text(max_size=30))
    def add(self, chat: str, text: str) -> None:
        self.n += 1
        mid = f"m{self.n:04d}"
        self.ms.add(chat, "user", text, message_id=mid, created_at=T0 + timedelta(seconds=self.n))
        self.model[(chat, mid)] = (text, self.n)

    @precondition(lambda self: self.model)
    @rule(data=st.data(), text=st.text(max_size=30), overwrite=st.booleans())
    def add_again(self, data: st.DataObject, text: str, overwrite: bool) -> None:
        chat, mid = data.draw(st.sampled_from(sorted(self.model)))
        second = self.model[(chat, mid)][1]
        if overwrite:
            self.ms.add(chat, "user", text, message_id=mid, created_at=T0 + timedelta(seconds=second), overwrite=True)
            self.model[(chat, mid)] = (text, second)
        else:
            with pytest.raises(ConditionFailed):
                self.ms.add(chat, "user", text, message_id=mid, created_at=T0 + timedelta(seconds=second))

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        chat, mid = data.draw(st.sampled_from(sorted(self.model)))
        assert self.ms.delete(chat, mid)
        del self.model[(chat, mid)]
        with pytest.raises(ItemNotFound):
            self.ms.get(chat, mid)

    @rule(chat=st.sampled_from(["a", "b"]))
    def read_chat(self, chat: str) -> None:
        want = sorted(((sec, mid, text) for (c, mid), (text, sec) in self.model.items() if c == chat))
        assert [(m.id, m.content) for m in self.ms.messages(chat)] == [(mid, text) for _, mid, text in want]
        assert [r.message_id for r in self.ms.list(chat, reverse=True, limit=2).refs] == \
            [mid for _, mid, _ in want[::-1][:2]]

    @invariant()
    def every_index_item_has_its_body_and_nothing_else_is_stored(self) -> None:
        urls = {r.content_url for chat in ("a", "b") for r in self.ms.iter_refs(chat)}
        assert len(urls) == len(self.model)
        assert {i.url for i in self.ms.blobs.list("")} == urls
        assert self.ms.sweep(grace=timedelta(0), now=LATER).orphans == []


TestMessageStoreModel = MessageStoreModel.TestCase
TestMessageStoreModel.settings = settings(max_examples=15, stateful_step_count=15, deadline=None)


def test_readers_never_meet_an_index_item_without_its_body(make_messages: MakeMessages) -> None:
    """Writers add messages while readers list and fetch: every listed message's body is there."""
    ms = make_messages(cache_bytes=0)
    stop = threading.Event()
    problems: list[str] = []
    written: list[int] = []

    def write(w: int) -> None:
        for n in range(40):
            ms.add("busy", "user", f"writer {w} message {n}")
        written.append(w)

    def read() -> None:
        while not stop.is_set():
            try:
                refs = ms.list("busy").refs
                for m, r in zip(ms.bodies(refs), refs, strict=True):
                    if m.id != r.message_id:
                        problems.append(f"{r.message_id} has the body of {m.id}")
            except Exception as e:  # a missing body is exactly what must never happen
                problems.append(repr(e))
                return

    readers = [threading.Thread(target=read) for _ in range(2)]
    writers = [threading.Thread(target=write, args=(w,)) for w in range(3)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    assert problems == [] and sorted(written) == [0, 1, 2]
    assert len(ms.list("busy").refs) == 120
