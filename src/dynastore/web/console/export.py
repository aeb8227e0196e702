"""A scan's or query's whole result as a file: JSON Lines (plain or DynamoDB JSON) or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from ...endpoint.wire import encode_item
from ...engine import Item
from ...errors import ValidationError
from ...jsonutil import dumps

#: format -> (label, media type, file extension)
EXPORT_FORMATS: dict[str, tuple[str, str, str]] = {
    "jsonl": ("JSON Lines", "application/x-ndjson", "jsonl"),
    "dynamodb-jsonl": ("JSON Lines, DynamoDB JSON (as DynamoDB's export to S3 writes it)", "application/x-ndjson",
                       "jsonl"),
    "csv": ("CSV", "text/csv; charset=utf-8", "csv"),
}
#: CSV needs every column before its first row, so its rows are held in memory: this many at most
MAX_CSV_ROWS = 100_000


def json_lines(items: Iterable[Item], *, dynamodb: bool = False) -> Iterator[bytes]:
    """One item per line, streamed as it is read."""
    for item in items:
        line = json.dumps({"Item": encode_item(item)}, ensure_ascii=False) if dynamodb else dumps(item)
        yield (line + "\n").encode()


def _cell(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return dumps(value)


def csv_rows(items: Iterable[Item], key_names: tuple[str, ...]) -> Iterator[bytes]:
    """A header of every attribute (keys first), then a row per item; text cells as they are, other
    values as JSON, missing ones empty. The items are all read before this returns, so a failure is an
    error page, not a truncated file."""
    held: list[Item] = []
    columns: dict[str, None] = dict.fromkeys(key_names)
    for item in items:
        if len(held) == MAX_CSV_ROWS:
            raise ValidationError(f"more than {MAX_CSV_ROWS:,} items: export them as JSON Lines, which streams")
        held.append(item)
        for name in item:
            columns.setdefault(name)
    return _csv(held, list(columns))


def _csv(held: list[Item], names: list[str]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(names)
    for i, item in enumerate(held):
        writer.writerow([_cell(item.get(n)) for n in names])
        if i % 500 == 499:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
