"""Finding and removing history chunks that no live session points to.

They come from appends that lost a race or failed after writing their chunk,
from deletes that failed half-way, and from sessions that expired (TTL deletes
the item, never its blobs). The write order makes them harmless; this only
reclaims the storage, after a grace period long enough for any append in
progress to have written its item.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from ...blobs import BlobInfo
from ..chat.store import SweepReport  # the same report: blobs seen, orphans found, deleted
from .history import chunks_of
from .models import session_id_error

if TYPE_CHECKING:
    from .store import SessionStore

#: How old a chunk no session points to must be before it is taken for an orphan.
DEFAULT_GRACE = timedelta(hours=1)


def _referenced(store: SessionStore, session_id: str) -> set[str]:
    """Chunk keys the session points to; none once it is deleted or expired (nobody can read them then)."""
    item = store.table.get({"session_id": session_id}, consistent=True)
    return {c.key for c in chunks_of(item)} if item is not None else set()


def sweep_chunks(store: SessionStore, *, grace: timedelta = DEFAULT_GRACE, dry_run: bool = True,
                 now: datetime | None = None) -> SweepReport:
    """Find (and with ``dry_run=False`` delete) chunks older than ``grace`` that no live session points to.

    Blobs are listed under ``{blob_prefix}/``; each session found there is read
    once, and once more just before its orphans are deleted.
    """
    cutoff = (now or datetime.now(timezone.utc)) - grace
    by_session: dict[str, list[BlobInfo]] = defaultdict(list)
    scanned = 0
    for info in store.blobs.list(store.blob_prefix + "/"):
        scanned += 1
        parts = info.key[len(store.blob_prefix) + 1:].split("/")
        if len(parts) == 3 and parts[1] == "history" and not session_id_error(parts[0]) \
                and info.last_modified < cutoff:
            by_session[parts[0]].append(info)
    orphans: dict[str, list[str]] = {}
    for sid, infos in by_session.items():
        referenced = _referenced(store, sid)
        orphans[sid] = [i.key for i in infos if i.key not in referenced]
    deleted = 0
    if not dry_run:
        for sid, keys in orphans.items():
            if not keys:
                continue
            still = _referenced(store, sid)  # an append may have pointed at one meanwhile (a very late write)
            for key in keys:
                if key not in still:
                    store.blobs.delete(key)
                    deleted += 1
    return SweepReport(scanned, sorted(k for keys in orphans.values() for k in keys), deleted, dry_run)
