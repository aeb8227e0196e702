"""`AsyncDynamoDBEngine`: the DynamoDB engine on aiobotocore.

Only the transport is its own. The requests are built and the responses
parsed by `DynamoDBEngine`'s operations, written as steps that yield
`ApiCall`s (see `dynastore.steps`); this engine awaits each call on an
aiobotocore client instead of sending it through botocore. The options, the
region, the credentials and their refresh come from the same place too: a
`DynamoDBEngine` is made from the same arguments (validating them, resolving
region and credentials through `dynastore.aws.AwsClients`), and the
aiobotocore client signs with the credentials it resolved.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from ..aws import DUMMY_CREDENTIALS, REFRESH_CODES, error_code
from ..engines.dynamodb import ApiCall, DynamoDBEngine
from ..engines.dynamodb_errors import translate
from ..errors import StoreUnavailable
from ..steps import Call, Sleep
from ._drive import adrive
from .engine import AsyncEngine

__all__ = ["AsyncDynamoDBEngine"]

#: Engine methods that do no I/O, answered by the request builder directly.
_LOCAL = frozenset({"health_details"})
#: DynamoDB Streams' reads: the request builder's botocore ``dynamodbstreams`` client, on a worker thread
#: (aiobotocore is only made for ``dynamodb``; stream reads are few: a poll per shard)
_STREAM_READS = frozenset({"list_streams", "describe_stream", "get_shard_iterator", "get_records"})


class AsyncDynamoDBEngine(AsyncEngine):
    """Executes dynastore requests on DynamoDB (AWS, DynamoDB Local, moto ...) with aiobotocore.

    Takes the arguments and options of `DynamoDBEngine`. The aiobotocore
    client is made on first use, on the running event loop; use the engine
    from that loop only.
    """

    kind = "dynamodb"

    def __init__(self, *, region: str | None = None, endpoint: str | None = None, profile: str | None = None,
                 **options: Any):
        #: builds the requests and parses the responses (its own botocore client stays unused)
        self.requests = DynamoDBEngine(region=region, endpoint=endpoint, profile=profile, **options)
        cfg = self.requests._config
        self._config = AioConfig(
            retries=cfg.retries,
            max_pool_connections=cfg.max_pool_connections,
            connect_timeout=cfg.connect_timeout,
            read_timeout=cfg.read_timeout,
            parameter_validation=cfg.parameter_validation,
        )
        self._clients = contextlib.AsyncExitStack()
        self._client: Any = None
        self._lock: asyncio.Lock | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"<AsyncDynamoDBEngine {self.requests!r}>"

    @property
    def endpoint(self) -> str | None:
        return self.requests.endpoint

    @property
    def region(self) -> str:
        return self.requests.region

    @property
    def capacity_listener(self) -> Callable[[str, str, float], None] | None:
        """Called with (table, operation, capacity units) for every response that reports them."""
        return self.requests.capacity_listener

    @capacity_listener.setter
    def capacity_listener(self, listener: Callable[[str, str, float], None] | None) -> None:
        self.requests.capacity_listener = listener

    # -- the engine ------------------------------------------------------------

    async def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self._closed:
            raise StoreUnavailable("this DynamoDB engine is closed")
        if method in _LOCAL:
            return getattr(self.requests, method)(*args, **kwargs)
        if method in _STREAM_READS:
            return await asyncio.to_thread(getattr(self.requests, method), *args, **kwargs)
        steps = getattr(self.requests, "_" + method)
        return await adrive(steps(*args, **kwargs), self._perform)

    async def _perform(self, op: Any) -> Any:
        if isinstance(op, ApiCall):
            return await self._api(op)
        if isinstance(op, Sleep):
            await asyncio.sleep(op.seconds)
            return None
        if isinstance(op, Call):  # an Engine-level step, e.g. the default sweep_expired
            return await self.call(op.method, *op.args, **op.kwargs)
        raise TypeError(f"not a step: {op!r}")

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self._clients.aclose()
        finally:
            self.requests.close()

    # -- the transport -----------------------------------------------------------

    async def _api(self, call: ApiCall) -> dict[str, Any]:
        """One API call; every failure leaves as a DynastoreError, an expired token is renewed once."""
        listener = self.requests._ask_capacity(call.op, call.params)
        client = await self._current()
        try:
            resp = await getattr(client, call.op)(**call.params)
        except (ClientError, BotoCoreError) as e:
            aws = self.requests.aws
            if error_code(e) not in REFRESH_CODES or aws is None or not aws.renewable:
                raise translate(e, call.tables, self.endpoint) from e
            resp = None
        if resp is None:
            # Refused before it ran (an expired or unknown token), so sending it again is safe.
            client = await self._renew(client)
            try:
                resp = await getattr(client, call.op)(**call.params)
            except (ClientError, BotoCoreError) as e:
                raise translate(e, call.tables, self.endpoint) from e
        self.requests._report_capacity(listener, call.op, resp)
        return resp  # type: ignore[no-any-return]

    async def _current(self) -> Any:
        if self._client is None:
            if self._lock is None:
                self._lock = asyncio.Lock()
            async with self._lock:
                if self._client is None:
                    self._client = await self._new_client()
        return self._client

    async def _renew(self, failed: Any) -> Any:
        """Re-resolve the credentials (every client on them, botocore's too) and make a new client."""
        assert self._lock is not None
        async with self._lock:
            if self._client is failed:
                aws = self.requests.aws
                assert aws is not None
                await asyncio.to_thread(aws.refresh)
                # The old client stays open until close(): other tasks may be mid-request on it.
                self._client = await self._new_client()
        return self._client

    async def _new_client(self) -> Any:
        credentials = await asyncio.to_thread(self._credentials)
        factory = get_session().create_client(
            "dynamodb", region_name=self.region, endpoint_url=self.endpoint, config=self._config, **credentials
        )
        return await self._clients.enter_async_context(factory)

    def _credentials(self) -> dict[str, Any]:
        """The keys `AwsClients` resolved (frozen: a refreshable set renews itself here when due)."""
        aws = self.requests.aws
        creds = aws.credentials() if aws is not None else None
        if creds is None:
            if self.endpoint is None:
                return {}  # let aiobotocore's own chain try, and fail with its own message
            key, secret = DUMMY_CREDENTIALS
            return {"aws_access_key_id": key, "aws_secret_access_key": secret}
        frozen = creds.get_frozen_credentials()
        out = {"aws_access_key_id": frozen.access_key, "aws_secret_access_key": frozen.secret_key}
        if frozen.token:
            out["aws_session_token"] = frozen.token
        return out
