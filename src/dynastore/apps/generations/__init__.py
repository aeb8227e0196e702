"""Seed 001 (Video Gennie): generation states, stage by stage, on any dynastore engine or in JSON files.

`GenerationStore` keeps them in a table (``video-gennie-generations``);
`FileGenerationStorage` is the seed's ``file`` type; both implement
`GenerationStateStorage`, built by `create_generation_storage`, and
`migrate_generations` copies from one to the other. See ``docs/generations.md``.
"""

from .errors import (
    StorageConflictError,
    StorageError,
    StorageInitializationError,
    StorageNotFoundError,
    StorageOperationError,
)
from .factory import create_generation_storage
from .files import FileGenerationStorage
from .migrate import MigrationResult, migrate_generations
from .models import STAGES, STATUSES, GenerationChanges, GenerationState, status_of
from .protocol import GenerationPage, GenerationStateStorage
from .store import BY_USER, DEFAULT_TABLE, GenerationStore, generation_spec

__all__ = [
    "BY_USER",
    "DEFAULT_TABLE",
    "STAGES",
    "STATUSES",
    "FileGenerationStorage",
    "GenerationChanges",
    "GenerationPage",
    "GenerationState",
    "GenerationStateStorage",
    "GenerationStore",
    "MigrationResult",
    "StorageConflictError",
    "StorageError",
    "StorageInitializationError",
    "StorageNotFoundError",
    "StorageOperationError",
    "create_generation_storage",
    "generation_spec",
    "migrate_generations",
    "status_of",
]
