"""The REST API on the embedded engine (+ local blobs) and on DynamoDB Local (+ S3 on moto_server).

``client`` is a FastAPI TestClient of `create_app` with every router, its tables
under a prefix no other test uses (deleted afterwards); ``api_backend`` says which.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dynastore import Store, open_store
from dynastore.api import create_app
from dynastore.blobs import BlobStore, LocalBlobStore, S3BlobStore
from dynastore.testing import drop_tables


def open_backend(kind: str, tmp: Path, request: pytest.FixtureRequest) -> tuple[Store, BlobStore]:
    """(store, blob store) of ``kind``: ``sqlite`` (+ a local directory) or ``dynamodb`` (+ S3 on moto)."""
    if kind == "sqlite":
        return open_store(f"sqlite:///{tmp}/api.db"), LocalBlobStore(tmp / "blobs")
    store = open_store(f"dynamodb://?endpoint={request.getfixturevalue('dynamodb_local_endpoint')}&region=us-east-1")
    s3 = S3BlobStore(f"api-{uuid.uuid4().hex[:12]}", endpoint=request.getfixturevalue("moto_endpoint"))
    s3.create_bucket()
    return store, s3


@pytest.fixture(params=["sqlite", "dynamodb"])
def api_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Store, BlobStore]]:
    store, blobs = open_backend(request.param, tmp_path, request)
    yield request.param, store, blobs
    store.close()


@pytest.fixture
def table_prefix(api_backend: tuple[str, Store, BlobStore]) -> Iterator[str]:
    prefix = f"api{uuid.uuid4().hex[:8]}-"
    yield prefix
    drop_tables(api_backend[1], prefix)


@pytest.fixture
def client(api_backend: tuple[str, Store, BlobStore], table_prefix: str) -> Iterator[TestClient]:
    _, store, blobs = api_backend
    app = create_app(store, blobs=blobs, table_prefix=table_prefix)
    with TestClient(app) as c:
        yield c
