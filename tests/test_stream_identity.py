"""Every client of one DynamoDB engine signs as the same caller.

DynamoDB Local (and `dynastore endpoint`) give each access key its own tables.
An engine on a local endpoint with no credentials anywhere signs with dummy
keys; its DynamoDB Streams client is made later, on the first stream read. Keys
that appear in the environment meanwhile (a test fixture, a library) must not
make that client another caller, who would find no such stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dynastore import open_store
from dynastore.endpoint import EndpointServer

_AWS_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE",
             "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
             "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN")


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for var in _AWS_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return monkeypatch


@pytest.fixture
def namespaced_endpoint() -> Iterator[str]:
    """An endpoint that, like DynamoDB Local, keeps each access key's tables apart."""
    with EndpointServer("127.0.0.1", 0, ttl_sweep_seconds=None) as server:
        yield server.url


def test_the_streams_client_signs_as_the_engine_does(no_credentials: pytest.MonkeyPatch,
                                                      namespaced_endpoint: str) -> None:
    with open_store(f"dynamodb://?endpoint={namespaced_endpoint}&region=us-east-1") as store:
        t = store.create_table({"name": "audited", "partition_key": ("pk", "S"), "stream": "KEYS_ONLY"})
        t.put({"pk": "a"})
        # keys appear after the engine's first client was made, before its streams client is
        no_credentials.setenv("AWS_ACCESS_KEY_ID", "someone-else")
        no_credentials.setenv("AWS_SECRET_ACCESS_KEY", "secret")
        stream = store.stream("audited")
        assert [r.keys for r in stream.iter_changes()] == [{"pk": "a"}]
        assert [s.table for s in store.streams("audited")] == ["audited"]
