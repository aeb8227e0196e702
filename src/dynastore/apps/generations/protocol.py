"""`GenerationStateStorage`: what every generation storage does (the seed's interface, in Python)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol, runtime_checkable

from ...cleanup import DEFAULT_MAX_AGE
from .models import GenerationChanges, GenerationState

#: ``on_invalid(name, reason)``: told about a stored generation that cannot be read, which is then skipped.
OnInvalid = Callable[[str, str], None]


@dataclass(frozen=True, slots=True)
class GenerationPage:
    """One page of a user's generations, newest first; ``cursor`` fetches the next (None: this was the last)."""

    items: list[GenerationState]
    cursor: str | None


@runtime_checkable
class GenerationStateStorage(Protocol):
    """Generation states in some storage: `GenerationStore` (any dynastore engine) or `FileGenerationStorage`.

    Every method validates its input (ValidationError) before touching storage.
    """

    def initialize(self) -> None:
        """Create what the storage needs (idempotent); StorageInitializationError when it cannot."""

    def save(self, state: GenerationState | Mapping[str, Any], *, overwrite: bool = False) -> GenerationState:
        """Store a new generation; StorageConflictError if it exists, unless ``overwrite``."""

    def get(self, generation_id: str) -> GenerationState | None: ...

    def update(self, generation_id: str, changes: GenerationChanges | Mapping[str, Any], *,
               user_id: str | None = None, expected_version: int | None = None) -> GenerationState:
        """Set the given stages (and/or initialParams) of an existing generation; returns it as it now is.

        StorageNotFoundError when it does not exist (or is not ``user_id``'s);
        with ``expected_version``, a VersionConflict when it changed since.
        """

    def delete(self, generation_id: str, *, user_id: str | None = None) -> bool:
        """Delete it; False when there was nothing (of ``user_id``'s) to delete."""

    def get_user_generations(self, user_id: str, *, limit: int = 20, cursor: str | None = None) -> GenerationPage:
        """A user's generations, newest first, ``limit`` per page."""

    def get_user_generation(self, user_id: str, generation_id: str) -> GenerationState | None:
        """The generation if it exists and is ``user_id``'s, else None."""

    def cleanup(self, max_age: timedelta | float = DEFAULT_MAX_AGE, *, user_id: str | None = None) -> int:
        """Delete every generation (of ``user_id``, when given) created more than ``max_age`` ago (a number:
        seconds), reading to the last page; returns how many."""

    def clear_all(self) -> int:
        """Delete every generation; returns how many."""

    def is_healthy(self) -> bool: ...

    def get_metrics(self) -> dict[str, Any]:
        """``{"activeGenerations": n, "operations": {op: count}, "errors": {op: count}}``."""

    def iter_all(self, on_invalid: OnInvalid | None = None) -> Iterator[GenerationState]:
        """Every generation, in no particular order (what a migration reads)."""

    def close(self) -> None: ...
