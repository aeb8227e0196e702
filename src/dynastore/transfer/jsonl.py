"""Export a table to JSON Lines and import it back, streaming (one page or one batch in memory).

File layout (optionally gzip-compressed; import recognises gzip by its magic bytes)::

    {"dynastore_export": 1, "format": "dynamodb", "table": {...the table's spec...}}
    {"Item": {"pk": {"S": "a"}, "n": {"N": "1.5"}, "tags": {"SS": ["x"]}}}      <- format "dynamodb"
    {"pk": "a", "n": 1.5}                                                     <- format "plain"
    ...
    {"dynastore_end": {"count": 2, "checksum": "<32 hex digits>"}}

``dynamodb`` lines are the ``{"Item": ...}`` lines of AWS's DynamoDB export to
S3, so such files (without header and end record) import too, into an
existing table. ``plain`` lines are the items as JSON objects: exact for
strings, numbers (every digit; non-integers come back as Decimal), booleans,
null, lists and maps; an item holding a set or binary is refused at export
(naming the attribute), since JSON would bring it back as a list or a string.

Import reads the file twice. The first pass validates every line (JSON, shape,
the table's key schema, item size) and, when the file has an end record,
checks the count and checksum, so a truncated or corrupted file is refused
with the line number and **nothing is written**. The second pass writes in
batches of 25 puts (a throttled or briefly unreachable store is retried with
the store's `RetryPolicy`). If the store still fails, the error says which lines are
certainly written and which batch may be partly written; every line is a put,
so importing again (or from ``start_line``) is safe. A key that appears on two
lines ends up with the later line's item.
"""

from __future__ import annotations

import gzip
import json
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from ..engine import Item
from ..errors import DynastoreError, ValidationError
from ..spec import TableSpec, spec_from_dict
from ..store import Store
from ..table import Table
from ..validation import check_item
from .checksum import Digest, item_hash
from .encoding import ddb_json, from_ddb_json, from_plain_json, parse_line, plain_json
from .retrying import with_retries
from .tables import ensure_table, raw_table

Format = Literal["dynamodb", "plain"]
FORMATS: tuple[Format, ...] = ("dynamodb", "plain")
HEADER = "dynastore_export"
END = "dynastore_end"
_MOD = 1 << 128


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    format: Format
    digest: Digest
    compressed: bool

    @property
    def count(self) -> int:
        return self.digest.count


@dataclass(frozen=True, slots=True)
class ImportResult:
    path: Path
    table: str
    format: Format
    #: items in the file (after validation)
    digest: Digest
    #: items written by this run (fewer than the file's when ``start_line`` skipped some)
    written: int
    created_table: bool
    #: whether the file carried an end record whose count and checksum matched
    verified: bool

    @property
    def count(self) -> int:
        return self.digest.count


def _check_format(fmt: str) -> Format:
    if fmt not in FORMATS:
        raise ValidationError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    return fmt  # type: ignore[return-value]


# -- export ----------------------------------------------------------------------


def export_table(
    table: Table,
    path: str | Path,
    *,
    format: str = "dynamodb",
    compress: bool | None = None,
    page_size: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ExportResult:
    """Write every item of ``table`` (expired-but-unswept ones too) to ``path`` as JSON Lines.

    ``compress``: gzip (default: when the path ends in ``.gz``). The file appears
    only when complete: it is written under a temporary name and renamed, and a
    refused item (plain format) or a failing read leaves no file behind.
    """
    fmt = _check_format(format)
    dest = Path(path)
    gz = dest.suffix == ".gz" if compress is None else compress
    # A temporary name beside the destination (so the rename is atomic), created like any file (umask).
    tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.tmp")
    count = total = 0
    keys = table.spec.table_key_names()
    try:
        with _open_write(tmp, gz) as f:
            header = {HEADER: 1, "format": fmt, "table": table.spec.to_dict()}
            f.write(json.dumps(header, ensure_ascii=False) + "\n")
            results = table.scan(include_expired=True, page_size=page_size)
            for page in results.pages():
                for item in page.items:
                    if fmt == "dynamodb":
                        line = json.dumps({"Item": ddb_json(item)}, ensure_ascii=False, separators=(",", ":"))
                    else:
                        line = plain_json(item, f"item {({k: item[k] for k in keys})}")
                    f.write(line + "\n")
                    count += 1
                    total += item_hash(item)
                if on_progress is not None and page.items:
                    on_progress(len(page.items))
            digest = Digest(count, total % _MOD)
            f.write(json.dumps({END: {"count": digest.count, "checksum": digest.hex}}) + "\n")
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return ExportResult(dest, fmt, digest, gz)


def _open_write(path: Path, gz: bool) -> IO[str]:
    if gz:
        return gzip.open(path, "xt", encoding="utf-8")  # type: ignore[return-value]
    return open(path, "x", encoding="utf-8")


# -- import ----------------------------------------------------------------------


def _open_read(path: Path) -> IO[str]:
    with open(path, "rb") as raw:
        magic = raw.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8")  # type: ignore[return-value]
    return open(path, encoding="utf-8")


@dataclass
class _Header:
    format: Format | None
    spec: TableSpec | None


class _Reader:
    """Numbered, parsed lines of an export file; errors name the file and line."""

    def __init__(self, path: Path, fmt: Format | None):
        self.path = path
        self.format = fmt

    def fail(self, lineno: int, message: str) -> ValidationError:
        return ValidationError(f"{self.path}:{lineno}: {message}")

    def lines(self) -> Iterator[tuple[int, Any]]:
        try:
            with _open_read(self.path) as f:
                for lineno, text in enumerate(f, 1):
                    if not text.strip():
                        continue
                    try:
                        yield lineno, parse_line(text)
                    except ValidationError as e:
                        raise self.fail(lineno, e.message) from None
        except (EOFError, gzip.BadGzipFile, UnicodeDecodeError) as e:
            raise ValidationError(f"{self.path}: cannot read: {e}") from None

    def header(self) -> _Header:
        for lineno, obj in self.lines():
            if isinstance(obj, dict) and HEADER in obj:
                if obj.get(HEADER) != 1 or set(obj) - {HEADER, "format", "table"}:
                    raise self.fail(lineno, "unsupported export header (version 1 is known)")
                fmt = _check_format(obj.get("format", "dynamodb"))
                spec = spec_from_dict(obj["table"]) if "table" in obj else None
                return _Header(fmt, spec)
            return _Header(None, None)
        return _Header(None, None)

    def item(self, lineno: int, obj: Any) -> Item:
        fmt = self.format
        if fmt is None:  # no header: one line decides for the file
            fmt = self.format = "dynamodb" if isinstance(obj, dict) and set(obj) == {"Item"} else "plain"
        try:
            if fmt == "dynamodb":
                if not isinstance(obj, dict) or set(obj) != {"Item"}:
                    raise ValidationError('a dynamodb-format line is {"Item": {...}}')
                return from_ddb_json(obj["Item"])
            return from_plain_json(obj)
        except ValidationError as e:
            raise self.fail(lineno, e.message) from None

    def items(self) -> Iterator[tuple[int, Item | None, Any]]:
        """(line, item, None) per item line, then (line, None, end record) if the file has one."""
        end_line = 0
        first = True
        for lineno, obj in self.lines():
            if first:
                first = False
                if isinstance(obj, dict) and HEADER in obj:
                    continue
            if end_line:
                raise self.fail(lineno, f"data after the end record on line {end_line}")
            if isinstance(obj, dict) and set(obj) == {END}:
                end_line = lineno
                yield lineno, None, obj[END]
                continue
            yield lineno, self.item(lineno, obj), None


def import_file(
    store: Store,
    path: str | Path,
    *,
    table: str | None = None,
    format: str | None = None,
    start_line: int = 1,
    max_workers: int = 1,
    on_progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Load an export file into ``store`` (see the module doc for the guarantees).

    ``table``: the table to write (default: the name in the file's header);
    it is created from the header's spec when missing. Files without a header
    need an existing table. ``format`` may be given for headerless files
    (default: recognised from the first item line).
    """
    src = Path(path)
    if not src.is_file():
        raise ValidationError(f"{src}: no such file")
    if type(start_line) is not int or start_line < 1:
        raise ValidationError(f"start_line must be a positive int, got {start_line!r}")
    reader = _Reader(src, _check_format(format) if format is not None else None)
    header = reader.header()
    if header.format is not None:
        if format is not None and format != header.format:
            raise ValidationError(f"{src}: the file's header says format {header.format!r}, not {format!r}")
        reader.format = header.format
    name = table or (header.spec.name if header.spec else None)
    if name is None:
        raise ValidationError(f"{src} has no header naming its table: say which table to import into")
    if header.spec is not None:
        spec = spec_from_dict({**header.spec.server_view().to_dict(), "name": name})
    else:
        spec = store.describe(name).spec  # TableNotFound when missing: nothing to create it from
    digest, verified = _validate(reader, spec, header.spec is not None)

    created = name not in store.tables()
    dst = ensure_table(store, spec) if header.spec is not None else raw_table(store, spec)
    written = _write(reader, dst, start_line, max_workers, on_progress)
    return ImportResult(src, name, reader.format or "plain", digest, written, created, verified)


def _validate(reader: _Reader, spec: TableSpec, has_header: bool) -> tuple[Digest, bool]:
    count = total = 0
    end: Any = None
    last = 0
    for lineno, item, end_record in reader.items():
        last = lineno
        if item is None:
            end = end_record
            continue
        try:
            check_item(spec, item, normalized=True)
        except ValidationError as e:
            raise reader.fail(lineno, e.message) from None
        count += 1
        total += item_hash(item)
    digest = Digest(count, total % _MOD)
    if end is None:
        if has_header:
            raise ValidationError(f"{reader.path}: ends at line {last} without the end record: the export is "
                                  "incomplete (truncated?); nothing was imported")
        return digest, False
    if not isinstance(end, dict) or end.get("count") != digest.count or end.get("checksum") != digest.hex:
        raise ValidationError(
            f"{reader.path}: the end record says {end.get('count') if isinstance(end, dict) else '?'} items with "
            f"checksum {end.get('checksum') if isinstance(end, dict) else '?'}, the lines hold {digest.count} with "
            f"{digest.hex}: the file is damaged; nothing was imported"
        )
    return digest, True


def _write(reader: _Reader, dst: Table, start_line: int, max_workers: int,
           on_progress: Callable[[int], None] | None) -> int:
    keys = dst.spec.table_key_names()
    group = 25 * max(1, max_workers)
    batch: list[Item] = []
    lines: list[int] = []
    seen: set[tuple[Any, ...]] = set()
    done_through = start_line - 1
    written = 0

    def flush() -> None:
        nonlocal done_through, written, batch, lines, seen
        if not batch:
            return
        try:
            with_retries(dst.store.retry, lambda: dst.batch_write(batch, max_workers=max_workers))
        except DynastoreError as e:
            raise DynastoreError(
                f"import of {reader.path} stopped: {e.message}. Lines before {lines[0]} are written; lines "
                f"{lines[0]}..{lines[-1]} may be partly written. Every line is a put, so importing again "
                f"(from line {lines[0]}) is safe.", code=e.code, cause=e,
            ) from e
        written += len(batch)
        done_through = lines[-1]
        if on_progress is not None:
            on_progress(len(batch))
        batch, lines, seen = [], [], set()

    for lineno, item, _ in reader.items():
        if item is None or lineno < start_line:
            continue
        k = tuple((type(item[n]).__name__, item[n]) for n in keys)
        if k in seen:  # one batch may not name a key twice: the earlier line goes first
            flush()
        batch.append(item)
        lines.append(lineno)
        seen.add(k)
        if len(batch) >= group:
            flush()
    flush()
    return written
