"""Message stores on the embedded engine + local blobs, and on DynamoDB Local + S3 (moto_server)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dynastore import Store, open_store
from dynastore.apps.chat import MessageStore
from dynastore.blobs import BlobStore, LocalBlobStore, S3BlobStore
from dynastore.errors import StoreUnavailable

MakeMessages = Callable[..., MessageStore]


def table_name() -> str:
    return f"chat{uuid.uuid4().hex[:10]}"


@pytest.fixture(params=["sqlite+local", "dynamodb+s3"])
def backends(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, BlobStore]]:
    """(index store, blob store) of one backend pair."""
    if request.param == "sqlite+local":
        store = open_store(f"sqlite:///{tmp_path}/chat.db")
        blobs: BlobStore = LocalBlobStore(tmp_path / "local_storage")
    else:
        store = open_store(f"dynamodb://?endpoint={request.getfixturevalue('dynamodb_local_endpoint')}"
                           "&region=us-east-1")
        s3 = S3BlobStore(f"chat-{uuid.uuid4().hex[:12]}", endpoint=request.getfixturevalue("moto_endpoint"))
        s3.create_bucket()
        blobs = s3
    yield store, blobs
    store.close()


@pytest.fixture
def make_messages(backends: tuple[Store, BlobStore]) -> Iterator[MakeMessages]:
    """A MessageStore on a fresh table of this backend pair (options passed through)."""
    made: list[MessageStore] = []
    store, blobs = backends

    def make(**kw: Any) -> MessageStore:
        kw.setdefault("table", table_name())
        ms = MessageStore(kw.pop("store", store), kw.pop("blobs", blobs), **kw)
        made.append(ms)
        return ms

    yield make
    for ms in made:
        ms.close()


@pytest.fixture
def messages(make_messages: MakeMessages) -> MessageStore:
    return make_messages()


class Faults:
    """Makes named calls fail with a transient error: ``fail("put", times=2)`` fails the next two."""

    def __init__(self) -> None:
        self.pending: dict[str, int] = {}
        self.after: set[str] = set()
        self.calls: dict[str, int] = {}
        self.errors: dict[str, type[Exception]] = {}

    def fail(self, name: str, times: int = 1, *, after_call: bool = False,
             error: type[Exception] = StoreUnavailable) -> None:
        """``after_call``: run the real call first, then fail (a write that landed but whose answer was lost)."""
        self.pending[name] = times
        self.errors[name] = error
        if after_call:
            self.after.add(name)

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            if self.pending.get(name, 0) > 0:
                self.pending[name] -= 1
                if name in self.after:
                    fn(*args, **kwargs)
                raise self.errors.get(name, StoreUnavailable)(f"injected fault in {name}")
            return fn(*args, **kwargs)

        return call


class Faulty:
    """A proxy over a blob store or a table whose methods fail when its `Faults` say so."""

    def __init__(self, target: Any, faults: Faults):
        self._target = target
        self._faults = faults

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        return self._faults.wrap(name, attr) if callable(attr) else attr


@pytest.fixture
def faults() -> Faults:
    return Faults()
