"""The conformance suite: every behaviour of the Store/Table API, run unchanged on every engine.

Engines (fixture ``store``, test ids in brackets):

- ``memory``   the embedded engine in memory (``memory://``)
- ``sqlite``   the embedded engine on a file in tmp_path (``sqlite:///...``)
- ``dynamodb`` the DynamoDB engine on AWS's DynamoDB Local, started once per session
  (``$DYNASTORE_TEST_DYNAMODB_ENDPOINT`` points it anywhere else, e.g. real AWS)
- ``moto``     the DynamoDB engine on moto_server (``$DYNASTORE_TEST_MOTO_ENDPOINT`` points it
  elsewhere); moto differs from DynamoDB in many measured places, each marked with
  ``known_difference`` (an xfail with the reason). ``DYNASTORE_TEST_MOTO=0`` leaves it out.
- ``endpoint`` the DynamoDB engine on an in-process ``dynastore endpoint`` (the embedded
  engine behind DynamoDB's HTTP API), under the sync API unless named in
  ``DYNASTORE_TEST_ENGINES``; ``DYNASTORE_TEST_ENDPOINT=0`` leaves it out.

``DYNASTORE_TEST_ENGINES=memory,sqlite`` picks engines explicitly.

Every engine runs under both APIs: the blocking `Store` (ids ``memory``, ``sqlite``
...) and the async `dynastore.aio.AsyncStore` (ids ``memory-async`` ...), which
the tests see through `_blocking.Blocking`, a facade that runs each coroutine on
one event-loop thread, so the same test body checks both.
``DYNASTORE_TEST_APIS=sync`` (or ``async``) picks one.

Every test makes its own tables with ``make_table`` (unique names, deleted
afterwards), so one server serves the whole session.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from dynastore import DynastoreError, Store, Table, TableSpec, open_store
from dynastore.aio import AsyncStore, open_async_store

from ._blocking import Blocking, Portal
from ._support import unique_name

ALL_ENGINES = ("memory", "sqlite", "dynamodb", "moto", "endpoint")
REMOTE_ENGINES = ("dynamodb", "moto", "endpoint")
#: the session fixture giving each remote engine's endpoint URL
_ENDPOINT_FIXTURES = {"dynamodb": "dynamodb_local_endpoint", "moto": "moto_endpoint", "endpoint": "dynastore_endpoint"}


def _selected_engines() -> list[str]:
    chosen = os.environ.get("DYNASTORE_TEST_ENGINES", "").strip()
    if chosen:
        names = [n.strip() for n in chosen.split(",") if n.strip()]
        unknown = [n for n in names if n not in ALL_ENGINES]
        if unknown:
            raise pytest.UsageError(f"DYNASTORE_TEST_ENGINES: unknown engine(s) {unknown}; known: {ALL_ENGINES}")
        return names
    names = ["memory", "sqlite", "dynamodb"]
    for name, switch in (("moto", "DYNASTORE_TEST_MOTO"), ("endpoint", "DYNASTORE_TEST_ENDPOINT")):
        if os.environ.get(switch, "1").strip().lower() not in ("0", "false", "no", "off"):
            names.append(name)
    return names


ENGINES = _selected_engines()
APIS_KNOWN = ("sync", "async")


def _selected_apis() -> list[str]:
    names = [n.strip() for n in os.environ.get("DYNASTORE_TEST_APIS", "sync,async").split(",") if n.strip()]
    unknown = [n for n in names if n not in APIS_KNOWN]
    if unknown:
        raise pytest.UsageError(f"DYNASTORE_TEST_APIS: unknown API(s) {unknown}; known: {APIS_KNOWN}")
    return names


APIS = _selected_apis()
# By default the endpoint runs under the sync API only: what it serves is the same whichever client
# calls it, and the async client's own path is already checked against DynamoDB Local and moto.
# Naming it in DYNASTORE_TEST_ENGINES runs it under both.
_BOTH_APIS_ON_ENDPOINT = "endpoint" in os.environ.get("DYNASTORE_TEST_ENGINES", "")
STORE_PARAMS = [
    pytest.param((kind, api), id=kind if api == "sync" else f"{kind}-{api}") for api in APIS for kind in ENGINES
    if api == "sync" or kind != "endpoint" or _BOTH_APIS_ON_ENDPOINT
]


def _region() -> str:
    return os.environ.get("DYNASTORE_TEST_REGION", "us-east-1")


@pytest.fixture(scope="session")
def _portal() -> Iterator[Portal]:
    """The event loop (on its own thread) that runs the async API's coroutines."""
    portal = Portal()
    yield portal
    portal.close()


def _open(url: str, api: str, portal: Portal) -> Store:
    if api == "sync":
        return open_store(url)

    async def opened() -> AsyncStore:
        return open_async_store(url)

    return Blocking(portal.run(opened()), portal)  # type: ignore[return-value]


@pytest.fixture(scope="session")
def _remote_stores(_portal: Portal) -> Iterator[dict[tuple[str, str], Store]]:
    """One store per remote engine and API for the whole session (tables are per test)."""
    stores: dict[tuple[str, str], Store] = {}
    yield stores
    for s in stores.values():
        s.close()


def _engine_store(kind: str, api: str, request: pytest.FixtureRequest, tmp_path: Any, portal: Portal,
                  remote: dict[tuple[str, str], Store]) -> Iterator[Store]:
    """A store of engine ``kind`` under ``api``: remote ones shared for the session, embedded ones per test."""
    if kind in REMOTE_ENGINES:
        s = remote.get((kind, api))
        if s is None:
            endpoint = request.getfixturevalue(_ENDPOINT_FIXTURES[kind])
            s = _open(f"dynamodb://?endpoint={endpoint}&region={_region()}", api, portal)
            remote[(kind, api)] = s
        s.conformance_engine = kind  # type: ignore[attr-defined]
        yield s
        return
    url = "memory://" if kind == "memory" else f"sqlite:///{tmp_path}/conformance.db"
    s = _open(url, api, portal)
    s.conformance_engine = kind  # type: ignore[attr-defined]
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(params=STORE_PARAMS)
def store(
    request: pytest.FixtureRequest, tmp_path: Any, _portal: Portal, _remote_stores: dict[tuple[str, str], Store]
) -> Iterator[Store]:
    kind, api = request.param
    yield from _engine_store(kind, api, request, tmp_path, _portal, _remote_stores)


@pytest.fixture(params=ENGINES)
def sync_store(
    request: pytest.FixtureRequest, tmp_path: Any, _portal: Portal, _remote_stores: dict[tuple[str, str], Store]
) -> Iterator[Store]:
    """The blocking `Store` on every engine (for what is built on it, such as the application stores)."""
    yield from _engine_store(request.param, "sync", request, tmp_path, _portal, _remote_stores)


@pytest.fixture
def engine(store: Store) -> str:
    """The engine id of this test run: memory, sqlite, dynamodb or moto."""
    return store.conformance_engine  # type: ignore[attr-defined,no-any-return]


MakeTable = Callable[..., Table]


@pytest.fixture
def make_table(store: Store) -> Iterator[MakeTable]:
    """``make_table(**TableSpec fields)``: a fresh table with a unique name, deleted after the test.

    Defaults: ``partition_key=("pk", "S")``. Pass ``name="x"`` to get a
    readable suffix. ``make_table(spec=TableSpec(...))`` creates that exact spec.
    """
    created: list[str] = []

    def make(name: str = "t", spec: TableSpec | None = None, **fields: Any) -> Table:
        if spec is None:
            fields.setdefault("partition_key", ("pk", "S"))
            spec = TableSpec(name=unique_name(name), **fields)
        created.append(spec.name)
        return store.create_table(spec)

    yield make
    for name in created:
        try:
            store.delete_table(name)
        except DynastoreError:
            pass


@pytest.fixture
def table(make_table: MakeTable) -> Table:
    """A fresh table keyed by ``pk`` (S) alone."""
    return make_table()


@pytest.fixture
def sorted_table(make_table: MakeTable) -> Table:
    """A fresh table keyed by ``pk`` (S) and ``sk`` (S)."""
    return make_table(sort_key=("sk", "S"))
