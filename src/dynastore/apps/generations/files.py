"""FileGenerationStorage: the seed factory's ``file`` type, one JSON file per generation.

For people migrating from it (see `migrate_generations`) and for tests without
a store. ``<directory>/<generationId>.json`` holds the state with the seed's
attribute names (plus ``userId``, ``status`` and ``version``); files the seed
wrote, without those, read fine. Generation ids cannot name a path outside the
directory (no ``/``, no leading dot).

Every write goes to a temporary file that replaces (or, for a new generation,
is linked to) the final name, so a reader never sees half a file. Changes are
serialised by a lock (a thread lock, plus ``flock`` on ``.lock`` where the OS
has it, so processes sharing the directory take turns too).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry
from pydantic import ValidationError as PydanticValidationError

from ...cleanup import DEFAULT_MAX_AGE
from ...errors import VersionConflict
from ...models.schema import first_error
from . import cursor as cursors
from .closing import Closing
from .errors import (
    StorageConflictError,
    StorageInitializationError,
    StorageOperationError,
    not_found,
)
from .metrics import GenerationMetrics, counted
from .models import (
    GenerationChanges,
    GenerationState,
    as_changes,
    as_max_age,
    as_state,
    check_id,
    check_limit,
    check_user,
    iso,
)
from .protocol import GenerationPage, OnInvalid

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

#: The seed's default directory, relative to the working directory.
DEFAULT_DIRECTORY = "data/generations"


class FileGenerationStorage(Closing):
    """Generation states as JSON files in ``directory`` (created by `initialize`, on construction by default)."""

    def __init__(self, directory: str | os.PathLike[str] = DEFAULT_DIRECTORY, *, create: bool = True,
                 registry: CollectorRegistry | None = None,
                 metrics_namespace: str = "dynastore_generation_files"):
        self.directory = Path(directory)
        self.metrics = GenerationMetrics(registry, metrics_namespace)
        self._lock = threading.RLock()
        if create:
            self.initialize()

    def __repr__(self) -> str:
        return f"<FileGenerationStorage {str(self.directory)!r}>"

    @counted("initialize")
    def initialize(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / ".lock").touch()
        except OSError as e:
            raise StorageInitializationError(f"cannot use {str(self.directory)!r} for generations: {e}",
                                             cause=e) from e

    # -- files -----------------------------------------------------------------

    def _path(self, generation_id: str) -> Path:
        return self.directory / f"{check_id(generation_id)}.json"

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        with self._lock, self._io("lock the directory"), open(self.directory / ".lock", "a") as f:
            if fcntl is not None:
                fcntl.flock(f, fcntl.LOCK_EX)
            yield  # the lock goes with the file's close

    @contextlib.contextmanager
    def _io(self, what: str) -> Iterator[None]:
        try:
            yield
        except OSError as e:
            raise StorageOperationError(f"cannot {what} in {str(self.directory)!r}: {e}", cause=e) from e

    def _read(self, path: Path) -> GenerationState | None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as e:
            raise StorageOperationError(f"cannot read {path.name}: {e}", cause=e) from e
        try:
            data = json.loads(text)
            if isinstance(data, dict):
                data.setdefault("generationId", path.stem)
            return GenerationState.model_validate(data)
        except (ValueError, PydanticValidationError) as e:
            raise StorageOperationError(f"{path.name} is not a generation state: {_reason(e)}", cause=e) from e

    def _write(self, state: GenerationState, *, new: bool) -> None:
        """Write atomically; ``new``: only if no file is there (StorageConflictError otherwise)."""
        path = self._path(state.generationId)
        body = state.model_dump_json(exclude_none=True, indent=2)
        with self._io(f"write {path.name}"):
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(body)
                    f.flush()
                    os.fsync(f.fileno())
                if new:
                    try:
                        os.link(tmp, path)  # fails, atomically, when the file exists
                    except FileExistsError:
                        raise StorageConflictError(f"generation {state.generationId!r} already exists "
                                                   "(pass overwrite=True to replace it)") from None
                else:
                    os.replace(tmp, path)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)

    def _files(self) -> list[Path]:
        with self._io("list generations"):
            return sorted(p for p in self.directory.glob("*.json") if not p.name.startswith("."))

    def _entries(self, on_invalid: OnInvalid | None = None) -> Iterator[tuple[Path, GenerationState]]:
        """Every readable file with its state; one that is not a state goes to ``on_invalid`` (default: the
        log) and is skipped, so one bad file does not stop a listing or a cleanup."""
        for path in self._files():
            try:
                state = self._read(path)
            except StorageOperationError as e:
                (on_invalid or _log_invalid)(path.name, e.message)
                continue
            if state is not None:
                yield path, state

    # -- single generations ------------------------------------------------------

    @counted("save")
    def save(self, state: GenerationState | Mapping[str, Any], *, overwrite: bool = False) -> GenerationState:
        st = as_state(state)
        now = _now()
        with self._exclusive():
            old = self._read(self._path(st.generationId)) if overwrite else None
            saved = st.model_copy(update={
                "createdAt": st.createdAt or (old.createdAt if old else None) or now,
                "updatedAt": now,
                "version": (old.version or 0) + 1 if old else 1,
            })
            self._write(saved, new=not overwrite)
        return saved

    @counted("get")
    def get(self, generation_id: str) -> GenerationState | None:
        return self._read(self._path(generation_id))

    @counted("update")
    def update(self, generation_id: str, changes: GenerationChanges | Mapping[str, Any], *,
               user_id: str | None = None, expected_version: int | None = None) -> GenerationState:
        path = self._path(generation_id)
        attrs = as_changes(changes)
        if user_id is not None:
            check_user(user_id)
        with self._exclusive():
            old = self._read(path)
            if old is None or (user_id is not None and old.userId != user_id):
                raise not_found(generation_id, user_id)
            if expected_version is not None and old.version != expected_version:
                raise VersionConflict(f"version conflict on generation {generation_id!r}: it is at version "
                                      f"{old.version}, not {expected_version} (re-read it and retry)")
            # revalidated, so the status follows the stages
            new = GenerationState.model_validate({**old.model_dump(), **attrs, "updatedAt": _now(),
                                                  "version": (old.version or 0) + 1})
            self._write(new, new=False)
        return new

    @counted("delete")
    def delete(self, generation_id: str, *, user_id: str | None = None) -> bool:
        path = self._path(generation_id)
        if user_id is not None:
            check_user(user_id)
        with self._exclusive():
            old = self._read(path)
            if old is None or (user_id is not None and old.userId != user_id):
                return False
            with self._io(f"delete {path.name}"):
                path.unlink(missing_ok=True)
        return True

    # -- a user's generations ------------------------------------------------------

    @counted("get_user_generations")
    def get_user_generations(self, user_id: str, *, limit: int = 20, cursor: str | None = None) -> GenerationPage:
        check_user(user_id)
        check_limit(limit)
        mine = sorted((s for _, s in self._entries() if s.userId == user_id), key=_order, reverse=True)
        if cursor is not None:
            pos = cursors.decode(cursor, user_id)
            after = (pos.created_at, pos.generation_id)
            mine = [s for s in mine if _order(s) < after]
        page = mine[:limit]
        next_cursor = None
        if len(mine) > limit:
            created, gid = _order(page[-1])
            next_cursor = cursors.encode(cursors.Position(user_id, created, gid))
        return GenerationPage(page, next_cursor)

    @counted("get_user_generation")
    def get_user_generation(self, user_id: str, generation_id: str) -> GenerationState | None:
        check_user(user_id)
        state = self._read(self._path(generation_id))
        return state if state is not None and state.userId == user_id else None

    # -- all generations -----------------------------------------------------------

    @counted("cleanup")
    def cleanup(self, max_age: timedelta | float = DEFAULT_MAX_AGE, *, user_id: str | None = None) -> int:
        cutoff = _now() - as_max_age(max_age)
        if user_id is not None:
            check_user(user_id)
        return self._remove(lambda s: s.createdAt is not None and s.createdAt < cutoff
                            and (user_id is None or s.userId == user_id))

    @counted("clear_all")
    def clear_all(self) -> int:
        with self._exclusive(), self._io("delete generations"):
            files = self._files()
            for path in files:
                path.unlink(missing_ok=True)
        return len(files)

    def _remove(self, doomed: Callable[[GenerationState], bool]) -> int:
        deleted = 0
        with self._exclusive():
            for path, state in list(self._entries()):
                if doomed(state):
                    with self._io(f"delete {path.name}"):
                        path.unlink(missing_ok=True)
                    deleted += 1
        return deleted

    @counted("is_healthy")
    def is_healthy(self) -> bool:
        return self.directory.is_dir() and os.access(self.directory, os.R_OK | os.W_OK | os.X_OK)

    def get_metrics(self) -> dict[str, Any]:
        return self.metrics.snapshot(len(self._files()))

    def iter_all(self, on_invalid: OnInvalid | None = None) -> Iterator[GenerationState]:
        """Every generation; without ``on_invalid`` a file that is not a state is a StorageOperationError."""
        for _, state in self._entries(on_invalid or _refuse_invalid):
            yield state


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _order(state: GenerationState) -> tuple[str, str]:
    """Newest first, as the index sorts: by createdAt as stored (ISO text), then id."""
    return (iso(state.createdAt) if state.createdAt else "", state.generationId)


def _log_invalid(name: str, reason: str) -> None:
    log.warning("skipping %s: %s", name, reason)


def _refuse_invalid(name: str, reason: str) -> None:
    raise StorageOperationError(reason)


def _reason(e: Exception) -> str:
    if isinstance(e, PydanticValidationError):
        return first_error(e)
    return str(e)
