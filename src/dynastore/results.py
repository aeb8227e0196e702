"""Lazy, auto-paginating results of a query or scan."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from .engine import Item, Page

FetchPage = Callable[[Item | None, int | None], Page]


class Results:
    """Items of a query or scan, fetched page by page as you iterate.

    ``limit`` caps the number of items returned in total; the page size
    (DynamoDB's ``Limit``, items *read* per request) is separate. After
    iteration, ``last_key`` is where to resume (None when everything was
    read) and ``scanned_count`` what the reads cost in items evaluated.
    """

    def __init__(
        self,
        fetch: FetchPage,
        *,
        start_key: Item | None,
        limit: int | None,
        page_size: int | None,
        filtered: bool,
        key_names: tuple[str, ...],
        strip: Callable[[Item], Item] | None = None,
    ):
        self._fetch = fetch
        self._start_key = start_key
        self._limit = limit
        self._page_size = page_size
        self._filtered = filtered
        self._key_names = key_names
        self._strip = strip
        self.last_key: Item | None = start_key
        self.scanned_count = 0
        self.count_read = 0
        self._started = False

    def _request_limit(self, remaining: int | None) -> int | None:
        # Without a filter every item read is returned, so asking for no more
        # than we still need saves reads; with one, Limit bounds reads, not matches.
        if remaining is not None and not self._filtered:
            return remaining if self._page_size is None else min(remaining, self._page_size)
        return self._page_size

    def pages(self) -> Iterator[Page]:
        """The raw pages (each at most 1 MB read), respecting ``limit``."""
        if self._started:
            raise RuntimeError("results can be iterated once; run the query again")
        self._started = True
        key = self._start_key
        remaining = self._limit
        while True:
            if remaining is not None and remaining <= 0:
                return
            page = self._fetch(key, self._request_limit(remaining))
            self.scanned_count += page.scanned_count
            items = page.items
            last = page.last_key
            if remaining is not None and len(items) > remaining:
                items = items[:remaining]
                last = {k: items[-1][k] for k in self._key_names if k in items[-1]}
                page = Page(items, last, len(items), page.scanned_count)
            if self._strip is not None:
                items = [self._strip(i) for i in items]
                page = Page(items, last, len(items), page.scanned_count)
            if remaining is not None:
                remaining -= len(items)
            self.count_read += len(items)
            self.last_key = last
            yield page
            if last is None:
                return
            key = last

    def __iter__(self) -> Iterator[Item]:
        for page in self.pages():
            yield from page.items

    def all(self) -> list[Item]:
        return list(self)

    def first(self) -> Item | None:
        for item in self:
            return item
        return None

    def __repr__(self) -> str:
        return f"<Results limit={self._limit} page_size={self._page_size}>"
