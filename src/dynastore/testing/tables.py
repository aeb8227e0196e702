"""Throwaway tables: tests on a shared server name theirs with a unique prefix and drop them after."""

from __future__ import annotations

from ..errors import DynastoreError
from ..store import Store


def drop_tables(store: Store, prefix: str) -> list[str]:
    """Delete every table whose name starts with ``prefix``; returns their names.

    One already gone (another client, a test that deleted it) is not an error.
    """
    dropped = []
    for name in store.tables():
        if name.startswith(prefix):
            try:
                store.delete_table(name)
            except DynastoreError:
                continue
            dropped.append(name)
    return dropped
