"""`AsyncResults`: `dynastore.results.Results`, awaited."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable

from ..engine import Item, Page
from ..results import Paging, _PagingView
from ..steps import Steps

__all__ = ["AsyncResults"]


class AsyncResults(_PagingView):
    """Items of a query or scan, fetched page by page as you iterate (``async for``).

    The same paging as `Results`: ``limit`` caps the items returned in total,
    ``page_size`` is DynamoDB's ``Limit``; ``last_key``, ``scanned_count`` and
    ``count_read`` are up to date after each page.
    """

    def __init__(self, paging: Paging, drive: Callable[[Steps[Page]], Awaitable[Page]]):
        self._paging = paging
        self._drive = drive

    async def pages(self) -> AsyncGenerator[Page, None]:
        """The raw pages (each at most 1 MB read), respecting ``limit``."""
        paging = self._paging
        paging.start()
        while (fetch := paging.next()) is not None:
            yield paging.accept(await self._drive(fetch))

    async def _items(self) -> AsyncGenerator[Item, None]:
        async with contextlib.aclosing(self.pages()) as pages:
            async for page in pages:
                for item in page.items:
                    yield item

    def __aiter__(self) -> AsyncIterator[Item]:
        return self._items()

    async def all(self) -> list[Item]:
        return [item async for item in self]

    async def first(self) -> Item | None:
        async with contextlib.aclosing(self._items()) as items:
            async for item in items:
                return item
        return None
