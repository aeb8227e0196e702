"""Lazy, auto-paginating results of a query or scan.

`Paging` holds where a query or scan is and how a page is trimmed to ``limit``;
`Results` (here) and `dynastore.aio.AsyncResults` only differ in how they wait
for the next page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .engine import Item, Page
from .steps import Steps

#: Steps fetching one page: ``fetch(start_key, request_limit)``.
FetchPage = Callable[[Item | None, int | None], Steps[Page]]


class Paging:
    """The cursor of one query or scan: what to fetch next, and what a fetched page yields.

    ``limit`` caps the number of items returned in total; the page size
    (DynamoDB's ``Limit``, items *read* per request) is separate.
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
        self.limit = limit
        self.page_size = page_size
        self._filtered = filtered
        self._key_names = key_names
        self._strip = strip
        self.last_key: Item | None = start_key
        self.scanned_count = 0
        self.count_read = 0
        self._remaining = limit
        self._next_key = start_key
        self._done = False
        self._started = False

    def start(self) -> None:
        if self._started:
            raise RuntimeError("results can be iterated once; run the query again")
        self._started = True

    def _request_limit(self) -> int | None:
        # Without a filter every item read is returned, so asking for no more
        # than we still need saves reads; with one, Limit bounds reads, not matches.
        remaining = self._remaining
        if remaining is not None and not self._filtered:
            return remaining if self.page_size is None else min(remaining, self.page_size)
        return self.page_size

    def next(self) -> Steps[Page] | None:
        """The steps fetching the next page, or None when there is none."""
        if self._done or (self._remaining is not None and self._remaining <= 0):
            return None
        return self._fetch(self._next_key, self._request_limit())

    def accept(self, page: Page) -> Page:
        """Account for a fetched page; returns it cut to ``limit`` (with a matching ``last_key``)."""
        self.scanned_count += page.scanned_count
        items = page.items
        last = page.last_key
        if self._remaining is not None and len(items) > self._remaining:
            items = items[: self._remaining]
            last = {k: items[-1][k] for k in self._key_names if k in items[-1]}
            page = Page(items, last, len(items), page.scanned_count)
        if self._strip is not None:
            items = [self._strip(i) for i in items]
            page = Page(items, last, len(items), page.scanned_count)
        if self._remaining is not None:
            self._remaining -= len(items)
        self.count_read += len(items)
        self.last_key = last
        self._next_key = last
        self._done = last is None
        return page

    def all(self) -> Steps[list[Item]]:
        """Steps reading every remaining page; returns their items."""
        self.start()
        out: list[Item] = []
        while (fetch := self.next()) is not None:
            out += self.accept((yield from fetch)).items
        return out


class _PagingView:
    """The read-only state both result types show."""

    _paging: Paging

    @property
    def last_key(self) -> Item | None:
        """Where to resume (``start_key=``); None once everything was read."""
        return self._paging.last_key

    @property
    def scanned_count(self) -> int:
        """Items evaluated by the reads so far (what they cost), before any filter."""
        return self._paging.scanned_count

    @property
    def count_read(self) -> int:
        """Items returned so far."""
        return self._paging.count_read

    def __repr__(self) -> str:
        return f"<{type(self).__name__} limit={self._paging.limit} page_size={self._paging.page_size}>"


class Results(_PagingView):
    """Items of a query or scan, fetched page by page as you iterate.

    ``limit`` caps the number of items returned in total; the page size
    (DynamoDB's ``Limit``, items *read* per request) is separate. After
    iteration, ``last_key`` is where to resume (None when everything was
    read) and ``scanned_count`` what the reads cost in items evaluated.
    """

    def __init__(self, paging: Paging, drive: Callable[[Steps[Page]], Page]):
        self._paging = paging
        self._drive = drive

    def pages(self) -> Iterator[Page]:
        """The raw pages (each at most 1 MB read), respecting ``limit``."""
        paging = self._paging
        paging.start()
        while (fetch := paging.next()) is not None:
            yield paging.accept(self._drive(fetch))

    def __iter__(self) -> Iterator[Item]:
        for page in self.pages():
            yield from page.items

    def all(self) -> list[Item]:
        return list(self)

    def first(self) -> Item | None:
        for item in self:
            return item
        return None
