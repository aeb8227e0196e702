"""The seed's three error names (initialization, not found, operation), as dynastore errors.

Each is also an instance of the dynastore error that means the same, so code
catching dynastore's types (and the REST API, which maps them to statuses)
handles them without knowing this module: not found is an `ItemNotFound`
(404), a save over an existing generation a `ConditionFailed` (409), a store
that cannot be set up a `StoreUnavailable` (503). Failures of the store
itself (throttling, an unreachable endpoint) are raised as the dynastore
errors they are.
"""

from __future__ import annotations

from ...errors import ConditionFailed, DynastoreError, ItemNotFound, StoreUnavailable


class StorageError(DynastoreError):
    """Base of the generation storage's own errors."""


class StorageInitializationError(StorageError, StoreUnavailable):
    """The storage could not be set up (its table could not be created, its directory not written)."""


class StorageNotFoundError(StorageError, ItemNotFound):
    """No such generation (or it belongs to another user)."""


class StorageConflictError(StorageError, ConditionFailed):
    """The generation already exists (save without ``overwrite``), or kept changing while being replaced."""


class StorageOperationError(StorageError):
    """An operation failed for a reason none of the other errors names (an unreadable or corrupt file)."""


def not_found(generation_id: str, user_id: str | None = None) -> StorageNotFoundError:
    """The error for a generation that is not there (or not ``user_id``'s: the same answer, so ids don't leak)."""
    whose = "" if user_id is None else f" of user {user_id!r}"
    return StorageNotFoundError(f"no generation {generation_id!r}{whose}")
