"""Helpers shared by the conformance tests (fixtures live in conftest.py)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from dynastore import Store


def engine_of(store_or_engine: Store | str) -> str:
    if isinstance(store_or_engine, str):
        return store_or_engine
    return store_or_engine.conformance_engine  # type: ignore[attr-defined,no-any-return]


def known_difference(store_or_engine: Store | str, engines: str | tuple[str, ...], reason: str) -> None:
    """Mark this test as an expected failure on ``engines``, visibly, with the reason.

    For places where a reference server (DynamoDB Local, moto) is documented
    or measured to differ from DynamoDB's documentation. Never use it to hide
    a bug in one of our engines.
    """
    if isinstance(engines, str):
        engines = (engines,)
    if engine_of(store_or_engine) in engines:
        pytest.xfail(f"known difference on {engine_of(store_or_engine)}: {reason}")


def now() -> int:
    return int(time.time())


def keys_of(items: list[dict[str, Any]], *names: str) -> list[Any]:
    """The values of one key attribute (or tuples of several) of each item, in order."""
    if len(names) == 1:
        return [i[names[0]] for i in items]
    return [tuple(i[n] for n in names) for i in items]


def assert_same_types(a: Any, b: Any, path: str = "$") -> None:
    """Deep equality that also insists on identical Python types (True is not 1, 1 is not Decimal(1))."""
    assert type(a) is type(b), f"{path}: {type(a).__name__} {a!r:.60} != {type(b).__name__} {b!r:.60}"
    if isinstance(a, dict):
        assert a.keys() == b.keys(), f"{path}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            assert_same_types(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), f"{path}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_types(x, y, f"{path}[{i}]")
    elif isinstance(a, set):
        assert a == b, f"{path}: {a!r:.80} != {b!r:.80}"
        assert sorted(type(x).__name__ for x in a) == sorted(type(x).__name__ for x in b), f"{path}: element types"
    else:
        assert a == b, f"{path}: {a!r:.80} != {b!r:.80}"


def unique_name(suffix: str = "t") -> str:
    """A table name no other test (or earlier session on the same server) uses."""
    import uuid

    return f"cf{uuid.uuid4().hex[:10]}_{suffix}"
