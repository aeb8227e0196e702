"""The durable outbox: local writes waiting to be replayed on the primary.

It lives in the local SQLite database next to the data, and every entry is
written by the local write's own transaction (`SQLiteEngine.journaled`), so a
write is in the local store and in the outbox, or in neither.

An entry records the item *before* and *after* one local write (state, not
the operation): replaying it means "if the remote item is still ``old``,
make it ``new``". That makes replay idempotent (a remote item already equal
to ``new`` counts as done) and lets a conflict be detected instead of
silently overwriting newer remote data. Entries of one transaction share a
``group`` and are replayed as one transaction.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .engine import Item
from .engines.keycodec import pack_item, unpack_item
from .engines.sqlite import Journal, SQLiteEngine
from .spec import TableSpec
from .validation import key_of

_SCHEMA = """
CREATE TABLE IF NOT EXISTS _dynastore_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    grp TEXT,
    tbl TEXT NOT NULL,
    kpk BLOB NOT NULL,
    ksk BLOB NOT NULL,
    key BLOB NOT NULL,
    old BLOB,
    new BLOB,
    created REAL NOT NULL,
    conflict TEXT,
    remote BLOB
);
CREATE INDEX IF NOT EXISTS _dynastore_outbox_key ON _dynastore_outbox (tbl, kpk, ksk);
CREATE TABLE IF NOT EXISTS _dynastore_sync_state (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_COLUMNS = "seq, grp, tbl, kpk, ksk, key, old, new, created, conflict, remote"


@dataclass(frozen=True, slots=True)
class Entry:
    """One local write waiting for the primary.

    ``old`` is the item the write assumed (None: absent), ``new`` the item it
    left (None: deleted). ``conflict`` says why the last sync could not apply
    it (None while it is merely pending), ``remote`` what the primary held then.
    """

    seq: int
    group: str | None
    table: str
    key: Item
    old: Item | None
    new: Item | None
    created: float
    conflict: str | None = None
    remote: Item | None = None
    #: the key as the local engine orders it: identifies the item across entries
    key_bytes: tuple[bytes, bytes] = (b"", b"")

    @property
    def ident(self) -> tuple[str, bytes, bytes]:
        return (self.table, *self.key_bytes)


def _blob(item: Item | None) -> bytes | None:
    return None if item is None else pack_item(item)


def _item(blob: bytes | None) -> Item | None:
    return None if blob is None else unpack_item(blob)  # type: ignore[no-any-return]


def _entry(row: tuple[Any, ...]) -> Entry:
    seq, grp, tbl, kpk, ksk, key, old, new, created, conflict, remote = row
    return Entry(seq, grp, tbl, unpack_item(key), _item(old), _item(new), created, conflict, _item(remote), (kpk, ksk))


class PendingWrites(Exception):
    """Raised inside a guarded local write: the item has outbox entries, so it must not be overwritten."""


class Outbox:
    """The outbox table in ``local``'s database."""

    def __init__(self, local: SQLiteEngine):
        self.local = local
        with local.write_transaction() as conn:
            # statement by statement: executescript() would commit the transaction under us
            for statement in filter(str.strip, _SCHEMA.split(";")):
                conn.execute(statement)

    # -- writing (inside the local write's transaction) -----------------------

    def journal(self, *, group: bool = False) -> Journal:
        """A journal for `SQLiteEngine.journaled` that appends one entry per item change.

        ``group=True`` tags every entry it appends with one id (a transaction).
        """
        grp = str(uuid.uuid4()) if group else None

        def append(conn: sqlite3.Connection, spec: TableSpec, kb: tuple[bytes, bytes],
                   old: Item | None, new: Item | None) -> None:
            item = new if new is not None else old
            assert item is not None
            conn.execute(
                "INSERT INTO _dynastore_outbox (grp, tbl, kpk, ksk, key, old, new, created) VALUES (?,?,?,?,?,?,?,?)",
                (grp, spec.name, kb[0], kb[1], pack_item(key_of(spec, item)), _blob(old), _blob(new), time.time()),
            )

        return append

    @staticmethod
    def guard(conn: sqlite3.Connection, spec: TableSpec, kb: tuple[bytes, bytes],
              old: Item | None, new: Item | None) -> None:
        """A journal that refuses (PendingWrites) to change an item with outbox entries.

        Refreshing the local copy from the primary (mirroring, pulling) goes
        through it, so it can never overwrite a local write not yet replayed.
        """
        if conn.execute("SELECT 1 FROM _dynastore_outbox WHERE tbl=? AND kpk=? AND ksk=? LIMIT 1",
                        (spec.name, kb[0], kb[1])).fetchone():
            raise PendingWrites(spec.name)

    # -- reading ---------------------------------------------------------------

    def _one(self, sql: str, args: tuple[Any, ...] = ()) -> Any:
        with self.local.read_connection() as conn:
            row = conn.execute(sql, args).fetchone()
        return row[0] if row else None

    def depth(self) -> int:
        """Entries not yet replayed (conflicts included)."""
        return int(self._one("SELECT count(*) FROM _dynastore_outbox"))

    def conflict_count(self) -> int:
        return int(self._one("SELECT count(*) FROM _dynastore_outbox WHERE conflict IS NOT NULL"))

    def has_entries(self, table: str) -> bool:
        return self._one("SELECT 1 FROM _dynastore_outbox WHERE tbl=? LIMIT 1", (table,)) is not None

    def tables(self) -> list[str]:
        with self.local.read_connection() as conn:
            return [r[0] for r in conn.execute("SELECT DISTINCT tbl FROM _dynastore_outbox ORDER BY tbl")]

    def entries(self, *, after: int = 0, limit: int = 500, conflicts_only: bool = False) -> list[Entry]:
        """Entries in replay order (by ``seq``), starting after ``after``."""
        where = "seq > ?" + (" AND conflict IS NOT NULL" if conflicts_only else "")
        with self.local.read_connection() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM _dynastore_outbox WHERE {where} ORDER BY seq LIMIT ?",
                                (after, limit)).fetchall()
        return [_entry(r) for r in rows]

    def last_seq(self) -> int:
        return int(self._one("SELECT coalesce(max(seq), 0) FROM _dynastore_outbox"))

    def iter_entries(self, *, conflicts_only: bool = False, upto: int | None = None) -> Iterator[Entry]:
        """All entries in order, read page by page (so entries may be removed while iterating)."""
        after = 0
        while True:
            batch = self.entries(after=after, conflicts_only=conflicts_only)
            for e in batch:
                if upto is not None and e.seq > upto:
                    return
                yield e
            if not batch:
                return
            after = batch[-1].seq

    # -- bookkeeping -----------------------------------------------------------

    def done(self, entries: list[Entry]) -> None:
        """Remove entries the primary has confirmed (only ever after it has)."""
        with self.local.write_transaction() as conn:
            conn.executemany("DELETE FROM _dynastore_outbox WHERE seq=?", [(e.seq,) for e in entries])

    def mark_conflict(self, entries: list[Entry], reason: str, remotes: list[Item | None]) -> None:
        with self.local.write_transaction() as conn:
            conn.executemany("UPDATE _dynastore_outbox SET conflict=?, remote=? WHERE seq=?",
                             [(reason, _blob(r), e.seq) for e, r in zip(entries, remotes, strict=True)])

    def drop_item(self, ident: tuple[str, bytes, bytes], *, upto: int) -> None:
        """Forget the entries of one item up to ``upto`` (a settled conflict)."""
        with self.local.write_transaction() as conn:
            conn.execute("DELETE FROM _dynastore_outbox WHERE tbl=? AND kpk=? AND ksk=? AND seq<=?", (*ident, upto))

    def drop_table(self, table: str) -> None:
        with self.local.write_transaction() as conn:
            conn.execute("DELETE FROM _dynastore_outbox WHERE tbl=?", (table,))

    def get_state(self, name: str) -> Any:
        value = self._one("SELECT value FROM _dynastore_sync_state WHERE name=?", (name,))
        return None if value is None else json.loads(value)

    def set_state(self, name: str, value: Any) -> None:
        with self.local.write_transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO _dynastore_sync_state VALUES (?, ?)", (name, json.dumps(value)))
