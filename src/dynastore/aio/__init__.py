"""dynastore's async API: `AsyncStore` and `AsyncTable`, the `Store`/`Table` API as coroutines.

::

    from dynastore.aio import open_async_store

    async with open_async_store("sqlite:///data/app.db") as store:
        table = await store.create_table({"name": "notes", "partition_key": ("pk", "S")})
        await table.put({"pk": "a", "text": "hello"})
        async for item in table.scan():
            ...

Every operation is the blocking API's own code (sans-IO steps, see
`dynastore.steps`), so both APIs validate, version, page and retry alike.
DynamoDB is reached through aiobotocore; the embedded engine runs on a bounded
thread pool (`ThreadedEngine`); `dynastore.aio.dynamodb.AsyncDynamoDBEngine`
is imported only when a ``dynamodb://`` store is opened. See docs/async.md.
"""

from .engine import AsyncEngine, InstrumentedAsyncEngine, ThreadedEngine
from .results import AsyncResults
from .store import AsyncStore, AsyncTransaction, async_engine_from_url, open_async_store
from .streams import AsyncStream
from .table import AsyncTable

__all__ = [
    "AsyncEngine",
    "AsyncResults",
    "AsyncStore",
    "AsyncStream",
    "AsyncTable",
    "AsyncTransaction",
    "InstrumentedAsyncEngine",
    "ThreadedEngine",
    "async_engine_from_url",
    "open_async_store",
]
