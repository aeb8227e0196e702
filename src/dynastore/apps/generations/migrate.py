"""Copy generation states from one storage into another (files -> a store, store -> store ...).

Each state is saved without ``overwrite``: one the target already holds is
left as it is and counted as skipped, so running a migration again (after an
interruption, or to pick up new files) copies only what is missing. States
the source cannot read are skipped and listed, not fatal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import StorageConflictError
from .protocol import GenerationStateStorage


@dataclass
class MigrationResult:
    """What a migration did: states read from the source, copied, already in the target, unreadable."""

    read: int = 0
    copied: int = 0
    skipped: int = 0
    invalid: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"read": self.read, "copied": self.copied, "skipped": self.skipped,
                "invalid": [{"name": n, "reason": r} for n, r in self.invalid]}


def migrate_generations(source: GenerationStateStorage, target: GenerationStateStorage, *,
                        on_progress: Callable[[MigrationResult], None] | None = None) -> MigrationResult:
    """Save every state of ``source`` into ``target`` that it does not hold yet (see the module doc).

    Creation times, owners and stages are kept; ``version`` starts again at 1
    in the target and ``updatedAt`` is the time of the copy.
    """
    result = MigrationResult()
    for state in source.iter_all(on_invalid=lambda name, reason: result.invalid.append((name, reason))):
        result.read += 1
        try:
            target.save(state)
            result.copied += 1
        except StorageConflictError:
            result.skipped += 1
        if on_progress is not None:
            on_progress(result)
    return result
