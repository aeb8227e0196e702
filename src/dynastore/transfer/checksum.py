"""Count and an order-independent checksum of a table's items, to prove two copies equal.

Each item's canonical encoding (`encoding.canonical`: sorted attribute names,
sorted sets, numbers in normalised text, bytes in base64) is hashed with
BLAKE2b; the checksum is the sum of the 128-bit hashes modulo 2**128. A sum,
unlike XOR, does not cancel an item that appears twice, and it can be
computed per scan segment and added up.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..table import Table
from .encoding import canonical

_MOD = 1 << 128


@dataclass(frozen=True, slots=True)
class Digest:
    count: int = 0
    checksum: int = 0

    def __add__(self, other: Digest) -> Digest:
        return Digest(self.count + other.count, (self.checksum + other.checksum) % _MOD)

    @property
    def hex(self) -> str:
        return f"{self.checksum:032x}"


def item_hash(item: dict[str, Any]) -> int:
    return int.from_bytes(hashlib.blake2b(canonical(item), digest_size=16).digest(), "big")


def digest_items(items: Iterable[dict[str, Any]]) -> Digest:
    count = total = 0
    for item in items:
        count += 1
        total += item_hash(item)
    return Digest(count, total % _MOD)


def table_digest(table: Table, *, segments: int = 4, max_workers: int | None = None) -> Digest:
    """Digest of every item of the table (expired ones too), read consistently in parallel segments."""

    def one(segment: int) -> Digest:
        return digest_items(table.scan(segment=segment, total_segments=segments, include_expired=True,
                                       consistent=True))

    with ThreadPoolExecutor(max_workers=max_workers or min(segments, 8)) as pool:
        parts = list(pool.map(one, range(segments)))
    out = Digest()
    for d in parts:
        out = out + d
    return out
