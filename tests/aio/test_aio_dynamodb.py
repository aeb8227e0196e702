"""The aiobotocore engine: the DynamoDB engine's own requests, awaited; credentials renewed like botocore's."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dynastore import Attr, CredentialsExpired, ValidationError
from dynastore.aio import open_async_store
from dynastore.aio.dynamodb import AsyncDynamoDBEngine
from dynastore.engines.dynamodb import ApiCall


pytestmark = pytest.mark.asyncio


async def test_concurrent_increments_through_aiobotocore(moto_endpoint: str) -> None:
    async with open_async_store(f"dynamodb://?endpoint={moto_endpoint}&region=us-east-1") as store:
        t = await store.create_table({"name": f"aio{uuid.uuid4().hex[:10]}", "partition_key": ("pk", "S")})
        try:
            await asyncio.gather(*[t.update({"pk": "n"}, Attr("n").add(1)) for _ in range(60)])
            assert await t.get({"pk": "n"}, consistent=True) == {"pk": "n", "n": 60}
        finally:
            await store.delete_table(t.name)


async def test_options_are_checked_as_the_blocking_engine_checks_them() -> None:
    with pytest.raises(ValidationError, match="unknown DynamoDB engine option"):
        AsyncDynamoDBEngine(endpoint="http://127.0.0.1:1", bogus=1)
    with pytest.raises(ValidationError, match="endpoint must be an http"):
        open_async_store("dynamodb://?endpoint=ftp://x&region=us-east-1")


class _Client:
    """Stands in for an aiobotocore client: refuses with an expired token first, if told to."""

    def __init__(self, expired: bool):
        self.expired = expired

    async def list_tables(self, **params: Any) -> dict[str, Any]:
        if self.expired:
            raise ClientError({"Error": {"Code": "ExpiredTokenException", "Message": "expired"}}, "ListTables")
        return {"TableNames": ["a"]}


def _engine_with(clients: list[_Client], **options: Any) -> AsyncDynamoDBEngine:
    engine = AsyncDynamoDBEngine(endpoint="http://127.0.0.1:1", region="us-east-1", **options)

    async def new_client() -> _Client:
        return clients.pop(0)

    engine._new_client = new_client  # type: ignore[method-assign]
    return engine


async def test_an_expired_token_renews_the_credentials_and_resends_once() -> None:
    engine = _engine_with([_Client(expired=True), _Client(expired=False)])
    assert await engine.call("list_tables") == ["a"]
    assert engine.requests.aws is not None and engine.requests.aws.refreshes == 1
    await engine.close()


async def test_a_second_refusal_is_credentials_expired() -> None:
    engine = _engine_with([_Client(expired=True), _Client(expired=True)])
    with pytest.raises(CredentialsExpired):
        await engine._api(ApiCall("list_tables", {}))
    await engine.close()


async def test_explicit_credentials_are_not_renewed() -> None:
    engine = _engine_with([_Client(expired=True)], aws_access_key_id="k", aws_secret_access_key="s")
    with pytest.raises(CredentialsExpired):
        await engine.call("list_tables")
    assert engine.requests.aws is not None and engine.requests.aws.refreshes == 0
    await engine.close()
