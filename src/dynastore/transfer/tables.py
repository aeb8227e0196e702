"""Tables that copies write through: the server's view of the spec, without client-side behaviours."""

from __future__ import annotations

from ..spec import TableSpec
from ..store import Store
from ..table import Table


def raw_table(store: Store, spec: TableSpec) -> Table:
    """A Table on the server view of ``spec``: items are written exactly as given (no timestamps or
    versions added). Unlike ``store.table(spec)`` it does not replace the spec the store has registered."""
    return Table(store, spec.server_view())


def ensure_table(store: Store, spec: TableSpec) -> Table:
    """Create the table (or check an existing one against ``spec``, adding missing indexes or TTL) and
    return `raw_table`. The spec the store had registered for it, with its client-side behaviours, stays."""
    before = store.table(spec.name) if spec.name in store.tables() else None
    store.create_table(spec.server_view())
    if before is not None:
        store.table(before.spec)  # create_table registered the server view: put the caller's spec back
    return raw_table(store, spec)
