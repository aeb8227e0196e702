"""Copy tables between any two stores (embedded <-> DynamoDB), resumably, and prove the copy equal.

For each table: the source's definition (keys, indexes, TTL, billing) is
created on the target (`Store.create_table`, idempotent; an existing table
that contradicts it is an error). Items are read by a parallel scan
(``segments`` segments, expired-but-unswept items included) and written with
batch puts, one page at a time, so memory stays bounded by a page (1 MB) per
segment. After each page the checkpoint records where the segment got to; a
run that stops resumes there. Puts are idempotent, so replaying a page, or
migrating again into a target that already holds the same items, gives the
same result. A throttled or briefly unreachable store is waited out (the
target store's `RetryPolicy`), the segment's scan restarting after its last
recorded page; past the retries the error is raised and the checkpoint keeps
the progress. Finally both sides are scanned consistently and their item count
and order-independent checksum (`checksum.table_digest`) compared.

The target is not emptied first: items it holds that the source does not
make the verification fail (the report says by how many items the counts differ).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..errors import ValidationError
from ..retry import RetryPolicy
from ..store import Store
from .checkpoint import Checkpoint
from .checksum import Digest, table_digest
from .retrying import TRANSIENT, with_retries
from .tables import ensure_table, raw_table

#: on_progress(table, items copied by this call) -- called from worker threads
Progress = Callable[[str, int], None]


@dataclass(frozen=True, slots=True)
class TableReport:
    name: str
    copied: int
    resumed_from: int
    source: Digest | None
    target: Digest | None
    seconds: float

    @property
    def verified(self) -> bool | None:
        """True when both sides have the same count and checksum; None when not verified."""
        if self.source is None or self.target is None:
            return None
        return self.source == self.target


@dataclass(frozen=True, slots=True)
class MigrationReport:
    tables: tuple[TableReport, ...]

    @property
    def ok(self) -> bool:
        return all(t.verified is not False for t in self.tables)

    @property
    def copied(self) -> int:
        return sum(t.copied for t in self.tables)


def store_id(store: Store) -> str:
    return store.url or repr(store.engine)


def migrate(
    source: Store,
    target: Store,
    tables: Sequence[str] | None = None,
    *,
    segments: int = 4,
    max_workers: int | None = None,
    write_workers: int | None = None,
    checkpoint: str | Path | None = None,
    verify: bool = True,
    page_size: int | None = None,
    retry: RetryPolicy | None = None,
    on_table: Callable[[str, int], None] | None = None,
    on_progress: Progress | None = None,
) -> MigrationReport:
    """Copy ``tables`` (default: all of the source's) from ``source`` to ``target``; see the module doc.

    ``segments`` scan segments are copied by ``max_workers`` threads (default:
    one per segment, at most 8); each sends a page's batches on
    ``write_workers`` threads (default 4 to DynamoDB, 1 to the embedded
    engine). ``retry``: how transient failures (throttling, a store briefly
    unreachable) are waited out (default: the target's policy).
    ``checkpoint``: the resume file (kept while incomplete, removed after a
    run that finished and verified). ``on_table(name, expected_items)`` is
    called as each table starts (the count is the source's estimate);
    ``on_progress(name, items)`` after each page, from worker threads.
    """
    if type(segments) is not int or not 1 <= segments <= 1000:
        raise ValidationError(f"segments must be between 1 and 1000, got {segments!r}")
    names = list(tables) if tables else source.tables()
    missing = sorted(set(names) - set(source.tables()))
    if missing:
        raise ValidationError(f"no such table(s) in the source: {', '.join(missing)}")
    if len(set(names)) != len(names):
        raise ValidationError("a table is named twice")
    if store_id(source) == store_id(target) and not store_id(source).startswith("memory:"):
        raise ValidationError("source and target are the same store")
    ckpt = Checkpoint(checkpoint, store_id(source), store_id(target), segments)
    reports = []
    for name in names:
        reports.append(_migrate_table(source, target, name, ckpt, segments, max_workers, write_workers, verify,
                                      page_size, retry or target.retry, on_table, on_progress))
    report = MigrationReport(tuple(reports))
    if report.ok:
        ckpt.remove()
    return report


def _migrate_table(
    source: Store, target: Store, name: str, ckpt: Checkpoint, segments: int, max_workers: int | None,
    write_workers: int | None, verify: bool, page_size: int | None, policy: RetryPolicy,
    on_table: Callable[[str, int], None] | None, on_progress: Progress | None,
) -> TableReport:
    t0 = time.perf_counter()
    info = source.describe(name)
    spec = info.spec.server_view()  # the items are copied as they are: no client-side timestamps or versions
    src = raw_table(source, spec)
    dst = ensure_table(target, spec)
    before = ckpt.copied(name)
    if on_table is not None:
        on_table(name, info.item_count)
    if on_progress is not None and before:
        on_progress(name, before)

    # Over the network more requests in flight help; SQLite takes one writer at a time anyway.
    writers = write_workers or (4 if target.engine.kind == "dynamodb" else 1)
    stop = threading.Event()  # set when one segment fails or the run is interrupted: the others end too

    def copy_segment(segment: int) -> int:
        copied = 0
        attempt = 0
        while True:  # a transient failure restarts the scan after the last recorded page
            done, start, _ = ckpt.position(name, segment)
            if done or stop.is_set():
                return copied
            try:
                for page in src.scan(segment=segment, total_segments=segments, start_key=start,
                                     page_size=page_size, include_expired=True).pages():
                    if stop.is_set():
                        return copied
                    if page.items:
                        dst.batch_write(page.items, max_workers=writers)
                    ckpt.advance(name, segment, page.last_key, len(page.items))
                    copied += len(page.items)
                    attempt = 0
                    if on_progress is not None and page.items:
                        on_progress(name, len(page.items))
            except TRANSIENT:
                if attempt >= policy.max_attempts - 1:
                    raise
                policy.sleep(attempt)
                attempt += 1

    workers = max_workers or min(segments, 8)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(copy_segment, s) for s in range(segments)]
        try:
            copied = sum(f.result() for f in futures)
        except BaseException:
            stop.set()
            raise
    src_digest = dst_digest = None
    if verify:
        src_digest = with_retries(policy, lambda: table_digest(src, segments=segments, max_workers=workers))
        dst_digest = with_retries(policy, lambda: table_digest(dst, segments=segments, max_workers=workers))
    return TableReport(name, copied, before, src_digest, dst_digest, time.perf_counter() - t0)
