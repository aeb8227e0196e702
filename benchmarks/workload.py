"""The data every benchmark uses: an orders table with two global secondary indexes.

An item is a ~200-byte order (about 200 bytes as msgpack, 230 by DynamoDB's
size rules): strings, ints, a bool, a list and a small map, the shapes real
applications store. Items are a pure function of (partition, sort) numbers,
so every path of a benchmark works on identical data.
"""

from __future__ import annotations

import random
from typing import Any

TABLE = "bench_orders"
PK, SK = "pk", "sk"

#: The table as a dynastore spec: two GSIs, both ALL-projected (DynamoDB's default shape).
SPEC: dict[str, Any] = {
    "name": TABLE,
    "partition_key": [PK, "S"],
    "sort_key": [SK, "S"],
    "indexes": [
        {"name": "ByStatus", "partition_key": ["status", "S"], "sort_key": ["created", "S"]},
        {"name": "BySku", "partition_key": ["sku", "S"], "sort_key": ["created", "S"]},
    ],
}

#: The same table without indexes (the scale benchmark loads a million of these).
PLAIN_SPEC: dict[str, Any] = {"name": TABLE, "partition_key": [PK, "S"], "sort_key": [SK, "S"]}

_STATUSES = ("placed", "paid", "shipped", "delivered")
_NOTES = (
    "leave at the front door, ring twice",
    "gift wrap, no invoice in the box",
    "call before delivery please",
    "fragile: glassware inside",
)
_CITIES = ("Lisbon", "Porto", "Braga", "Faro", "Coimbra")


def pk_of(p: int) -> str:
    return f"customer#{p:07d}"


def sk_of(s: int) -> str:
    return f"order#{s:09d}"


def item(p: int, s: int) -> dict[str, Any]:
    """Order ``s`` of customer ``p``."""
    h = (p * 7919 + s * 104729) & 0xFFFFFF
    return {
        PK: pk_of(p),
        SK: sk_of(s),
        "status": _STATUSES[h % 4],
        "created": f"2024-{h % 12 + 1:02d}-{h % 28 + 1:02d}T{h % 24:02d}:{h % 60:02d}:{(h >> 6) % 60:02d}Z#{s:09d}",
        "sku": f"sku-{h % 997:04d}",
        "qty": h % 9 + 1,
        "price_cents": 199 + h % 50_000,
        "paid": bool(h & 1),
        "note": _NOTES[h % 4],
        "tags": ["express", "gift"] if h & 2 else ["standard"],
        "ship_to": {"city": _CITIES[h % 5], "zip": f"{1000 + h % 8999}-{h % 999:03d}"},
    }


def key(p: int, s: int) -> dict[str, str]:
    return {PK: pk_of(p), SK: sk_of(s)}


def random_keys(partitions: int, per_partition: int, n: int, seed: int = 7) -> list[tuple[int, int]]:
    """``n`` random (partition, sort) numbers of a table loaded by `load_plan`."""
    rng = random.Random(seed)
    return [(p, p * per_partition + rng.randrange(per_partition))
            for p in (rng.randrange(partitions) for _ in range(n))]


def load_plan(partitions: int, per_partition: int, first_partition: int = 0) -> list[tuple[int, int]]:
    """(partition, sort) of every item of a table with ``partitions`` x ``per_partition`` items.

    Sort numbers are unique across the table (``p * per_partition + i``).
    """
    return [(p, p * per_partition + i)
            for p in range(first_partition, first_partition + partitions) for i in range(per_partition)]


#: Partition numbers from here on are never loaded: puts use them for fresh keys.
FRESH = 5_000_000


def nested_item(i: int = 0) -> dict[str, Any]:
    """A nested ~1 KB item for the codec benchmark (Decimals where DynamoDB has them, no floats)."""
    from decimal import Decimal

    return {
        "pk": f"user#{i:08d}",
        "sk": "profile",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "bio": "Mathematician and writer, chiefly known for her work on Charles Babbage's Analytical Engine.",
        "age": 36,
        "score": Decimal("98.25"),
        "active": True,
        "deleted": None,
        "roles": {"admin", "editor"},
        "avatar": b"\x89PNG\r\n\x1a\n" + bytes(range(24)),
        "address": {
            "street": "12 St James's Square",
            "city": "London",
            "postcode": "SW1Y 4JH",
            "geo": {"lat": Decimal("51.507351"), "lng": Decimal("-0.127758")},
        },
        "preferences": {
            "theme": "dark",
            "language": "en-GB",
            "notifications": {"email": True, "sms": False, "push": True},
            "pinned": [1, 2, 3, 5, 8, 13],
        },
        "orders": [
            {"id": f"o-{i}-{j}", "total": Decimal(f"{19 + j}.99"), "items": j + 1, "status": "delivered",
             "lines": [{"sku": f"sku-{j}{k}", "qty": k + 1} for k in range(2)]}
            for j in range(4)
        ],
        "history": [f"login 2024-05-{d:02d}" for d in range(1, 9)],
        "counters": {"logins": 1024, "posts": 77, "likes": 5120},
        "scores": {Decimal("1.5"), Decimal("2.25"), 3},
    }
