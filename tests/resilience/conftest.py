"""Fixtures for failure-injection tests: loopback proxies that refuse credentials, a clean AWS environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ._proxy import AuthProxy, auth_proxy

_AWS_VARS = (
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
)


def _loopback(endpoint: str) -> str:
    if urlsplit(endpoint).hostname != "127.0.0.1":
        pytest.skip("failure injection needs a server on 127.0.0.1")
    return endpoint


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """Session credentials in the environment (key ``AKIDTEST``, token ``token-1``) and nothing else."""
    for var in _AWS_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token-1")
    return monkeypatch


@pytest.fixture
def ddb_proxy(dynamodb_local_endpoint: str) -> Iterator[AuthProxy]:
    with auth_proxy(_loopback(dynamodb_local_endpoint)) as p:
        yield p


@pytest.fixture
def s3_proxy(moto_endpoint: str) -> Iterator[AuthProxy]:
    with auth_proxy(_loopback(moto_endpoint), s3=True) as p:
        yield p
