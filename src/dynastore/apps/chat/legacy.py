"""Moving messages stored under the seed's old rule to the corrected one.

The old rule kept bodies under 4 KB inline in the DynamoDB item
(``storage_type: "dynamodb"``, ``content`` the whole text) and larger ones in
S3 under ``messages/{chat_id}/{message_id}.json`` (``storage_type: "s3"``,
``content_url``, ``content`` only a preview). The new rule puts every body in
blob storage under the date-based layout, with only the index in DynamoDB.

`migrate_legacy` reads the old table page by page and writes each message
through `MessageStore.put_many`. It is:

* **idempotent**: a message already migrated is found by its key and skipped
  (nothing is written twice);
* **resumable**: with a checkpoint file, the position in the old table is saved
  after every page, and a new run continues from there.

The old table and the old bodies are left as they are; drop them once the new
store has been checked.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from ...blobs import BlobStore, store_for_url
from ...errors import DynastoreError, ValidationError
from ...table import Table
from .models import Message, parse_time
from .store import MessageStore

#: The old rule's content types that only said where the body was.
_LEGACY_CONTENT_TYPES = {"large_text": "text"}


@dataclass
class MigrationReport:
    """Counts of one run (a resumed run carries the earlier counts forward)."""

    read: int = 0
    migrated: int = 0
    already: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    done: bool = False
    resumed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"read": self.read, "migrated": self.migrated, "already": self.already,
                "failed": [list(f) for f in self.failed], "done": self.done}


def _key_to_json(key: Mapping[str, Any]) -> dict[str, list[str]]:
    out = {}
    for k, v in key.items():
        if isinstance(v, str):
            out[k] = ["S", v]
        elif isinstance(v, (int, Decimal)):
            out[k] = ["N", str(v)]
        elif isinstance(v, bytes):
            out[k] = ["B", base64.b64encode(v).decode()]
        else:
            raise ValidationError(f"cannot checkpoint key attribute {k!r} of type {type(v).__name__}")
    return out


def _key_from_json(data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, (t, v) in data.items():
        out[k] = v if t == "S" else base64.b64decode(v) if t == "B" else Decimal(v) if "." in v else int(v)
    return out


class Checkpoint:
    """Where a migration stands, in a JSON file replaced atomically after every page."""

    def __init__(self, path: str | os.PathLike[str], source: str, target: str):
        self.path = Path(path)
        self.source, self.target = source, target

    def load(self) -> tuple[dict[str, Any] | None, MigrationReport] | None:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            raise ValidationError(f"checkpoint {self.path} is unreadable ({e}); delete it to start over") from None
        if (data.get("source"), data.get("target")) != (self.source, self.target):
            raise ValidationError(f"checkpoint {self.path} belongs to a migration of {data.get('source')!r} into "
                                  f"{data.get('target')!r}, not {self.source!r} into {self.target!r}")
        r = data.get("report", {})
        report = MigrationReport(r.get("read", 0), r.get("migrated", 0), r.get("already", 0),
                                 [tuple(f) for f in r.get("failed", [])], r.get("done", False), resumed=True)
        last = data.get("last_key")
        return (_key_from_json(last) if last else None), report

    def save(self, last_key: Mapping[str, Any] | None, report: MigrationReport) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps({"source": self.source, "target": self.target,
                                   "last_key": _key_to_json(last_key) if last_key else None,
                                   "report": report.to_json()}, indent=1))
        os.replace(tmp, self.path)


def legacy_message(item: Mapping[str, Any], blob_stores: Sequence[BlobStore]) -> Message:
    """The message an old-rule item describes, its body fetched from blob storage when it was there."""
    ident = item.get("id", item.get("message_id"))
    url = item.get("content_url")
    if url or item.get("storage_type") == "s3":
        if not url:
            raise ValidationError("storage_type is s3 but there is no content_url")
        body = json.loads(store_for_url(url, blob_stores).get_from_url(url))
        content = body["content"] if isinstance(body, dict) else None
        if not isinstance(content, str):
            raise ValidationError(f"body at {url} has no text content")
    else:
        content = item.get("content")
        if not isinstance(content, str):
            raise ValidationError("no content in the item and no content_url")
    when = item.get("timestamp", item.get("created_at"))
    ctype = item.get("content_type") or "text"
    return Message(chat_id=item.get("chat_id"), id=ident, role=item.get("role"),  # type: ignore[arg-type]
                   content=content, content_type=_LEGACY_CONTENT_TYPES.get(ctype, ctype),
                   created_at=parse_time(when))


def _read_page(source: Table, start: dict[str, Any] | None, page_size: int,
               _attempt: int) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    results = source.scan(page_size=page_size, limit=page_size, start_key=start)
    return results.all(), results.last_key


def migrate_legacy(
    source: Table,
    messages: MessageStore,
    *,
    blob_stores: Sequence[BlobStore] = (),
    checkpoint: str | os.PathLike[str] | None = None,
    page_size: int = 100,
    on_progress: Callable[[MigrationReport], None] | None = None,
) -> MigrationReport:
    """Copy every message of the old-rule table ``source`` into ``messages``.

    Old bodies in blob storage are read from ``messages.blobs`` or any of
    ``blob_stores`` (whichever holds their URL). A message that cannot be
    migrated (no text, body missing ...) is listed in ``report.failed`` and the
    run goes on; run again without the checkpoint to retry those.
    """
    if not isinstance(page_size, int) or page_size < 1:
        raise ValidationError(f"page_size must be a positive int, got {page_size!r}")
    stores = [messages.blobs, *blob_stores]
    cp = Checkpoint(checkpoint, source.name, messages.table.name) if checkpoint is not None else None
    state = cp.load() if cp is not None else None
    start, report = state if state is not None else (None, MigrationReport())
    if report.done:
        return report
    while True:
        items, last_key = messages._retrying(partial(_read_page, source, start, page_size), f"reading {source.name!r}")
        batch: dict[tuple[str, str], Message] = {}
        for item in items:
            report.read += 1
            ident = str(item.get("id", item.get("message_id", "?")))
            try:
                msg = legacy_message(item, stores)
                msg.check_size(messages.max_message_bytes)
            except (DynastoreError, ValueError, KeyError) as e:
                report.failed.append((ident, getattr(e, "message", None) or str(e)))
                continue
            if (msg.chat_id, msg.id) in batch:
                report.failed.append((ident, f"message {msg.id!r} appears twice in chat {msg.chat_id!r}"))
                continue
            batch[(msg.chat_id, msg.id)] = msg
        result = messages.put_many(batch.values())
        report.migrated += len(result.stored)
        report.already += len(result.existing)
        start = last_key if items else None
        report.done = start is None
        if cp is not None:
            cp.save(start, report)
        if on_progress is not None:
            on_progress(report)
        if start is None:
            return report
