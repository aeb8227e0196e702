"""What a page read, and how: the "How this is stored" panel of the blog is drawn from a `Trace`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Access:
    """One read or write: where it went, by which key, and what it cost in items evaluated."""

    backend: str  # "DynamoDB" (a dynastore table, whatever the engine) or "SQLite" (posts and users)
    operation: str  # DynamoDB's operation name, or the SQL verb
    table: str
    key: str  # the key condition, in words ("post_id = p1")
    items: int = 0  # returned
    scanned: int = 0  # evaluated: what a read is charged for
    index: str | None = None
    note: str | None = None  # why the access is shaped so


@dataclass
class Trace:
    """The accesses of one request, in order."""

    accesses: list[Access] = field(default_factory=list)

    def add(self, access: Access) -> None:
        self.accesses.append(access)

    @property
    def items_read(self) -> int:
        return sum(a.scanned for a in self.accesses)


def note(trace: Trace | None, backend: str, operation: str, table: str, key: str, *, items: int = 0,
         scanned: int | None = None, index: str | None = None, why: str | None = None) -> None:
    """Add an access to *trace* if there is one (``scanned`` defaults to ``items``)."""
    if trace is not None:
        trace.add(Access(backend, operation, table, key, items, items if scanned is None else scanned, index, why))
