"""One blob-store suite, run on the local directory store and on S3 (moto_server on 127.0.0.1)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dynastore.blobs import BlobStore, LocalBlobStore, S3BlobStore


def new_bucket(moto_endpoint: str, prefix: str = "") -> S3BlobStore:
    store = S3BlobStore(f"dynastore-test-{uuid.uuid4().hex[:12]}", prefix=prefix, endpoint=moto_endpoint)
    store.create_bucket()
    return store


@pytest.fixture(params=["local", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    store: BlobStore
    if request.param == "local":
        store = LocalBlobStore(tmp_path / "storage")
    else:
        store = new_bucket(request.getfixturevalue("moto_endpoint"), prefix="app/")
    yield store
    store.close()
