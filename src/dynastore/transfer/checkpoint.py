"""The resume file of a migration: per table, per scan segment, where copying got to.

It is JSON, rewritten atomically (temp file + rename) after every page a
segment copies, so an interrupted run resumes from the last page it finished.
Pages are idempotent puts, so replaying the page that was in flight when the
run stopped duplicates nothing.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from ..engine import Item
from ..errors import ValidationError
from .encoding import ddb_json, from_ddb_json

VERSION = 1


class Checkpoint:
    """Progress of one migration (source, target, segment count), saved to ``path`` (None: in memory only)."""

    def __init__(self, path: str | Path | None, source: str, target: str, segments: int):
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self.data: dict[str, Any] = {"version": VERSION, "source": source, "target": target,
                                     "segments": segments, "tables": {}}
        if self.path is not None and self.path.exists():
            self._load(source, target, segments)

    def _load(self, source: str, target: str, segments: int) -> None:
        assert self.path is not None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ValidationError(f"cannot read checkpoint {self.path}: {e}") from None
        mine = {"version": VERSION, "source": source, "target": target, "segments": segments}
        theirs = {k: data.get(k) for k in mine} if isinstance(data, dict) else {}
        if theirs != mine:
            diff = ", ".join(f"{k} {theirs.get(k)!r} (now {v!r})" for k, v in mine.items() if theirs.get(k) != v)
            raise ValidationError(f"checkpoint {self.path} belongs to another migration ({diff}): "
                                  "delete it to start over, or pass another checkpoint file")
        self.data = data

    @property
    def resumed(self) -> bool:
        return bool(self.data["tables"])

    def _segment(self, table: str, segment: int) -> dict[str, Any]:
        t = self.data["tables"].setdefault(table, {"segments": {}})
        s: dict[str, Any] = t["segments"].setdefault(str(segment), {"start_key": None, "done": False, "copied": 0})
        return s

    def position(self, table: str, segment: int) -> tuple[bool, Item | None, int]:
        """(done, key to resume after, items copied so far) of one segment."""
        with self._lock:
            s = self._segment(table, segment)
            key = from_ddb_json(s["start_key"]) if s["start_key"] is not None else None
            return bool(s["done"]), key, int(s["copied"])

    def advance(self, table: str, segment: int, last_key: Item | None, copied: int) -> None:
        """Record a copied page: resume after ``last_key`` (None: the segment is finished)."""
        with self._lock:
            s = self._segment(table, segment)
            s["start_key"] = ddb_json(last_key) if last_key is not None else None
            s["done"] = last_key is None
            s["copied"] = int(s["copied"]) + copied
            self._save()

    def copied(self, table: str) -> int:
        with self._lock:
            t = self.data["tables"].get(table, {"segments": {}})
            return sum(int(s["copied"]) for s in t["segments"].values())

    def _save(self) -> None:
        if self.path is None:
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.data), encoding="utf-8")
        os.replace(tmp, self.path)

    def remove(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)
