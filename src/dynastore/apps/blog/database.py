"""The blog's relational half (seed 004 keeps posts and accounts in SQLite): one connection, one schema.

A single connection behind a lock serves every thread of a process: posts are
small and reads take microseconds, and it makes ``:memory:`` work like a file.
Several processes (``dynastore serve --workers 2``) share a file through WAL.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ...errors import StoreUnavailable

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username      TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS posts (
    post_id    TEXT PRIMARY KEY,
    author     TEXT NOT NULL REFERENCES users(username),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT
);
CREATE INDEX IF NOT EXISTS posts_by_time ON posts (created_at DESC);
CREATE INDEX IF NOT EXISTS posts_by_author ON posts (author, created_at DESC);
"""


class Database:
    """SQLite at *path* (``":memory:"`` for a private in-memory one)."""

    def __init__(self, path: str):
        self.path = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
            if path != ":memory:":
                self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.executescript(SCHEMA)
        except sqlite3.Error as e:
            raise StoreUnavailable(f"cannot open the blog database {path}: {e}", cause=e) from None
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.Lock()

    @contextmanager
    def cursor(self) -> Iterator[sqlite3.Cursor]:
        """A cursor inside one transaction (committed on success, rolled back on error)."""
        with self._lock:
            cur = self._conn.cursor()
            try:
                cur.execute("BEGIN IMMEDIATE")
                yield cur
                cur.execute("COMMIT")
            except BaseException as e:
                if self._conn.in_transaction:
                    cur.execute("ROLLBACK")
                if isinstance(e, sqlite3.OperationalError):  # locked past the timeout, disk full ...
                    raise StoreUnavailable(f"the blog database {self.path}: {e}", cause=e) from None
                raise
            finally:
                cur.close()

    def rows(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.OperationalError as e:
                raise StoreUnavailable(f"the blog database {self.path}: {e}", cause=e) from None

    def close(self) -> None:
        with self._lock:
            self._conn.close()
