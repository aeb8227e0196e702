"""Random sequences of model operations agree with a plain dict (optimistic locking included)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from dynastore import TableSpec, VersionConflict, open_store
from dynastore.models import Model

SPEC = TableSpec(name="counters", partition_key=("PK", "S"), sort_key=("SK", "S"),
                 version_attribute="version", created_at_attribute="created", updated_at_attribute="updated")


class Counter(Model, table=SPEC, keys={"PK": "C#{cid}", "SK": "COUNTER"}):
    cid: str
    n: int = 0
    tags: set[str] = set()
    note: str | None = None
    version: int | None = None


ids = st.sampled_from(["a", "b", "c"])


class ModelsMatchADict(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = open_store("memory://")
        self.counters = Counter.bind(self.store, create=True)
        self.ref: dict[str, Counter] = {}
        self.stale: dict[str, Counter] = {}

    def teardown(self) -> None:
        self.store.close()

    @rule(cid=ids, n=st.integers(-5, 5))
    def create(self, cid: str, n: int) -> None:
        if cid in self.ref:
            with pytest.raises(Counter.AlreadyExists):
                self.counters.save(Counter(cid=cid, n=n), if_not_exists=True)
            return
        saved = self.counters.save(Counter(cid=cid, n=n), if_not_exists=True)
        assert saved.version == 1 and saved.n == n
        self.ref[cid] = saved

    @rule(cid=ids, n=st.integers(-5, 5), note=st.none() | st.text(max_size=5), tags=st.sets(st.sampled_from("xyz")))
    def update(self, cid: str, n: int, note: str | None, tags: set[str]) -> None:
        if cid not in self.ref:
            with pytest.raises(Counter.DoesNotExist):
                self.counters.update({"cid": cid}, n=n, expected_version=1)
            return
        old = self.ref[cid]
        new = self.counters.update(old, n=n, note=note, tags=tags)
        assert new.version == (old.version or 0) + 1
        assert (new.n, new.note, new.tags) == (n, note, tags)
        self.stale[cid] = old
        self.ref[cid] = new

    @precondition(lambda self: bool(self.stale))
    @rule(data=st.data())
    def stale_write_is_refused(self, data: Any) -> None:
        cid = data.draw(st.sampled_from(sorted(self.stale)))
        with pytest.raises((VersionConflict, Counter.DoesNotExist)):
            self.counters.update(self.stale[cid], n=99)

    @rule(cid=ids)
    def delete(self, cid: str) -> None:
        if cid not in self.ref:
            with pytest.raises(Counter.DoesNotExist):
                self.counters.delete({"cid": cid}, must_exist=True, expected_version=None)
            return
        self.counters.delete(self.ref.pop(cid), must_exist=True)
        # A new item starts again at version 1, so a model read before the delete could
        # match it again: versions order the writes of one item's lifetime only.
        self.stale.pop(cid, None)

    @invariant()
    def the_table_holds_what_the_dict_holds(self) -> None:
        got = {c.cid: c for c in self.counters.scan().all()}
        assert got == self.ref
        for cid, m in self.ref.items():
            assert self.counters.get(cid=cid) == m


ModelsMatchADict.TestCase.settings = settings(max_examples=30, stateful_step_count=20, deadline=None)
test_models_match_a_dict = ModelsMatchADict.TestCase
