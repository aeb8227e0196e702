"""A session's history, kept under the 400 KB item limit by moving older turns to blob storage.

The item holds, besides the seed's ``history`` (the newest turns, inline):

* ``history_chunks``: the older turns' blobs, oldest first, each ``{"key": blob key, "turns": n}``;
* ``history_count``: how many turns the session has in all (archived and inline);
* ``history_bytes``: what ``history`` and ``history_chunks`` weigh in the item, as DynamoDB
  counts it (`dynastore.limits.value_size`), so an append can check the budget in its condition.

An append that fits is one UpdateItem with ``list_append`` and the condition
``history_bytes <= budget - what it adds``: concurrent appends all land, in
the order they arrive, without reading first. One that does not fit moves the
oldest inline turns to a chunk blob (written first, so no item ever points
at a missing blob), then rewrites ``history`` conditionally on
``history_count`` (retried when another append came first; a chunk written by
a losing attempt is an orphan, harmless).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ...errors import ItemTooLarge, ValidationError
from ...limits import MAX_ITEM_BYTES, value_size
from ...models.schema import plain
from .models import MAX_FIELDS_BYTES, HistoryEntry

HISTORY = "history"
CHUNKS = "history_chunks"
COUNT = "history_count"
BYTES = "history_bytes"
#: What an item may weigh at most after a history write; well under DynamoDB's 400 KB, so that any
#: later change of the other columns (at most `MAX_FIELDS_BYTES`) still fits.
DEFAULT_ITEM_BUDGET = 300 * 1024
#: The least room a history may have (a small budget makes tests archive often).
MIN_HISTORY_BYTES = 8 * 1024
#: Attribute names and counters besides the columns and the two lists.
_OVERHEAD = 256


def history_budget(item_budget: int) -> int:
    """What ``history`` and ``history_chunks`` may weigh together in an item of at most ``item_budget`` bytes."""
    low, high = MAX_FIELDS_BYTES + MIN_HISTORY_BYTES + _OVERHEAD, MAX_ITEM_BYTES - MAX_FIELDS_BYTES
    if type(item_budget) is not int or not low <= item_budget <= high:
        raise ValidationError(f"item_budget must be an int from {low} to {high} bytes, got {item_budget!r}")
    return item_budget - MAX_FIELDS_BYTES - _OVERHEAD


def stored_turn(entry: HistoryEntry) -> dict[str, Any]:
    """A turn as the item holds it (``at`` an ISO-8601 string; no response: no attribute)."""
    return {k: v for k, v in plain(entry.model_dump()).items() if v is not None}


def weight(values: Sequence[Any]) -> int:
    """What list elements add to an item (each element plus DynamoDB's byte per element)."""
    return sum(value_size(v) + 1 for v in values)


@dataclass(frozen=True)
class Chunk:
    """Older turns of a session, in one blob."""

    key: str
    turns: int

    def pointer(self) -> dict[str, Any]:
        return {"key": self.key, "turns": self.turns}

    @classmethod
    def of(cls, pointer: Mapping[str, Any]) -> Chunk:
        try:
            return cls(str(pointer["key"]), int(pointer["turns"]))
        except (KeyError, TypeError, ValueError):
            raise ValidationError(f"not a history chunk pointer: {dict(pointer)!r:.120}") from None


def chunks_of(item: Mapping[str, Any]) -> list[Chunk]:
    return [Chunk.of(p) for p in item.get(CHUNKS) or ()]


def encode_chunk(session_id: str, first: int, turns: Sequence[Mapping[str, Any]]) -> bytes:
    return json.dumps({"session_id": session_id, "first": first, "turns": list(turns)},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_chunk(data: bytes, chunk: Chunk) -> list[dict[str, Any]]:
    try:
        turns = json.loads(data)["turns"]
    except (ValueError, KeyError, TypeError):
        raise ValidationError(f"history chunk {chunk.key!r} is not a history chunk") from None
    if not isinstance(turns, list) or len(turns) != chunk.turns:
        raise ValidationError(f"history chunk {chunk.key!r} holds {len(turns) if isinstance(turns, list) else 0} "
                              f"turns, its pointer says {chunk.turns}")
    return turns


@dataclass(frozen=True)
class Archive:
    """How an append that does not fit rewrites the history: ``moved`` oldest turns go to ``chunk``."""

    chunk: Chunk
    moved: list[dict[str, Any]]
    first: int  # index of the first moved turn in the whole history
    inline: list[dict[str, Any]]  # the history attribute afterwards (kept turns, then the new ones)
    chunks: list[dict[str, Any]]  # the history_chunks attribute afterwards
    bytes: int  # the history_bytes attribute afterwards


def plan_archive(session_id: str, item: Mapping[str, Any], new: Sequence[dict[str, Any]], budget: int,
                 key_prefix: str) -> Archive:
    """Move the fewest oldest inline turns that bring the history to at most half the budget
    (so the next appends fit again without another chunk), or all of them if need be."""
    inline: list[dict[str, Any]] = list(item.get(HISTORY) or ())
    if not inline:
        raise ItemTooLarge(f"the history of session {session_id} is full: its chunk list takes the whole budget")
    pointers: list[dict[str, Any]] = list(item.get(CHUNKS) or ())
    archived = sum(Chunk.of(p).turns for p in pointers)
    key = f"{key_prefix}/{session_id}/history/{archived:010d}-{uuid.uuid4().hex}.json"
    fixed = weight(new) + weight(pointers) + value_size({"key": key, "turns": 10**9}) + 1
    kept = weight(inline)
    moved = 0
    while moved < len(inline) and (moved == 0 or fixed + kept > budget // 2):
        kept -= value_size(inline[moved]) + 1
        moved += 1
    if fixed + kept > budget:
        raise ItemTooLarge(f"the history of session {session_id} is full: {len(pointers)} chunks take "
                           f"{weight(pointers):,} bytes of the item")
    chunk = Chunk(key, moved)
    chunks = pointers + [chunk.pointer()]
    rest = inline[moved:] + list(new)
    return Archive(chunk, inline[:moved], archived, rest, chunks, weight(rest) + weight(chunks))
