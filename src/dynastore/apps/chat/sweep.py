"""Finding and removing message bodies that no index item points to.

Orphans come from writes that failed between the body and the index item, and
from deletes that removed the index item but not the body. The write order
makes them harmless (no reader ever follows an index item to a missing body),
so they are only storage to reclaim, after a grace period long enough for any
write in progress to have finished.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...blobs import BlobInfo
from ...expressions import Key

if TYPE_CHECKING:
    from datetime import timedelta

    from .store import MessageStore, SweepReport


def _indexed_urls(ms: MessageStore, chat_id: str) -> set[str]:
    def run(_: int) -> set[str]:
        items = ms.table.query(Key("chat_id").eq(chat_id), projection=["content_url"], consistent=True).all()
        return {i["content_url"] for i in items if "content_url" in i}

    return ms._retrying(run, f"reading the index of chat {chat_id!r}")  # type: ignore[no-any-return]


def find_orphans(ms: MessageStore, *, cutoff: datetime) -> tuple[int, list[BlobInfo]]:
    """(bodies seen, orphans older than ``cutoff``) under the layout's prefix."""
    by_chat: dict[str, list[BlobInfo]] = defaultdict(list)
    seen = 0
    for info in ms.blobs.list(ms.layout.prefix):
        seen += 1
        parsed = ms.layout.parse(info.key)
        if parsed is None:
            continue  # not a message body of this layout: never ours to delete
        if info.last_modified < cutoff:
            by_chat[parsed[0]].append(info)
    orphans: list[BlobInfo] = []
    for chat_id, infos in by_chat.items():
        indexed = _indexed_urls(ms, chat_id)
        orphans.extend(i for i in infos if i.url not in indexed)
    return seen, orphans


def sweep_orphans(ms: MessageStore, *, grace: timedelta, dry_run: bool, now: datetime) -> SweepReport:
    from .store import SweepReport

    cutoff = now - grace
    seen, orphans = find_orphans(ms, cutoff=cutoff)
    deleted = 0
    if not dry_run:
        recheck: dict[str, set[str]] = {}
        for info in orphans:
            chat_id = ms.layout.parse(info.key)[0]  # type: ignore[index]
            # Look again right before deleting: a write may have re-used this body meanwhile.
            try:
                current: Any = ms.blobs.head(info.key)
            except LookupError:
                continue
            if current.last_modified >= cutoff:
                continue
            if chat_id not in recheck:
                recheck[chat_id] = _indexed_urls(ms, chat_id)
            if info.url in recheck[chat_id]:
                continue
            ms._retrying(lambda _, k=info.key: ms.blobs.delete(k), f"deleting orphan body {info.key!r}")
            deleted += 1
    return SweepReport(scanned=seen, orphans=[i.key for i in orphans], deleted=deleted, dry_run=dry_run)
