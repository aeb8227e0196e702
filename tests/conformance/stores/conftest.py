"""The application stores (``dynastore.apps.*``) on every engine, through the blocking Store.

``sync_store`` (from the conformance conftest) gives the Store of each engine;
``prefix`` a table-name prefix no other test uses, so tables on the shared
DynamoDB Local and moto servers never collide; ``blobs`` a local blob store.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dynastore import Store
from dynastore.blobs import LocalBlobStore
from dynastore.testing import drop_tables

from .._support import unique_name


@pytest.fixture
def prefix(sync_store: Store) -> Iterator[str]:
    """A table-name prefix for this test; its tables are deleted afterwards."""
    p = unique_name("")
    yield p
    drop_tables(sync_store, p)


@pytest.fixture
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")
