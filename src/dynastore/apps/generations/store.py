"""GenerationStore: seed 001's GenerationStateStorage on any dynastore engine.

One item per generation in ``video-gennie-generations`` (``specs/video_generations.yaml``):
key ``generationId``; GSI ``userId-createdAt-index`` lists a user's generations
newest first; ``createdAt``/``updatedAt`` (ISO-8601 UTC) and ``version`` are kept
by dynastore on every write.

What the seed got wrong, and what happens here instead:

* ``save`` overwrote silently: it is a conditional put (the item must be new)
  unless ``overwrite=True``.
* ``update`` read the item, merged and wrote it back (lost updates): it is one
  UpdateItem, conditional on the item existing, that SETs only the given
  stages. The ``status`` is written in that same SET, once (the seed set it
  twice in one expression: "Two document paths overlap"), and only forward:
  the condition also requires the stored status to be at or before the new
  one, so two writers finishing different stages both land and the status is
  the later stage whatever order they land in. When the item is already
  further along, the stages are set without touching the status (a second
  UpdateItem; still no read).
* cleanup and the metrics read only the first page: both go to the last page.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from prometheus_client import CollectorRegistry
from pydantic import ValidationError as PydanticValidationError

from ...cleanup import DEFAULT_MAX_AGE
from ...cleanup import cleanup as cleanup_table
from ...errors import ConditionFailed, DynastoreError, ItemTooLarge, VersionConflict
from ...expressions import Attr, Condition, Key
from ...models.schema import first_error
from ...spec import TableSpec
from ...store import Store
from ...table import ANY_VERSION, Table
from .. import shipped_spec
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
    STAGES,
    GenerationChanges,
    GenerationState,
    as_changes,
    as_max_age,
    as_state,
    check_id,
    check_limit,
    check_user,
    status_of,
    statuses_up_to,
)
from .protocol import GenerationPage, OnInvalid

log = logging.getLogger(__name__)

#: The seed's table (``DYNAMODB_TABLE_NAME`` names another).
DEFAULT_TABLE = "video-gennie-generations"
#: A user's generations by creation time.
BY_USER = "userId-createdAt-index"
#: How often ``save(overwrite=True)`` re-reads the version after losing a race before giving up (409).
OVERWRITE_ATTEMPTS = 5


@contextlib.contextmanager
def _within_item_limit(generation_id: str) -> Iterator[None]:
    try:
        yield
    except ItemTooLarge as e:
        raise ItemTooLarge(f"generation {generation_id!r} would exceed DynamoDB's 400 KB item limit ({e.message}): "
                           "keep large outputs (audio, video) in blob storage and store their URLs",
                           code=e.code, cause=e) from e


def generation_spec(table: str = DEFAULT_TABLE) -> TableSpec:
    """The table's spec (``specs/video_generations.yaml``), under another name if asked."""
    spec = shipped_spec("video_generations.yaml", DEFAULT_TABLE)
    return spec if table == spec.name else dataclasses.replace(spec, name=table)


class GenerationStore(Closing):
    """Generation states in a table of a `Store` (any engine: embedded, DynamoDB, fallback).

    The table is created on construction (idempotently) unless ``create_table=False``;
    `initialize` does it explicitly. Metrics go to ``registry`` under ``metrics_namespace``.
    The store is the caller's: `close` leaves it open unless ``owns_store``.
    """

    def __init__(self, store: Store, *, table: str = DEFAULT_TABLE, create_table: bool = True,
                 registry: CollectorRegistry | None = None, metrics_namespace: str = "dynastore_generations",
                 owns_store: bool = False):
        self.store = store
        self.spec = generation_spec(table)
        self.table: Table = store.table(self.spec)
        self.metrics = GenerationMetrics(registry, metrics_namespace)
        self._owns_store = owns_store
        if create_table:
            self.initialize()

    def __repr__(self) -> str:
        return f"<GenerationStore {self.table.name} on {self.store!r}>"

    def close(self) -> None:
        if self._owns_store:
            self.store.close()

    @counted("initialize")
    def initialize(self) -> None:
        try:
            self.table = self.store.create_table(self.spec)
        except DynastoreError as e:
            raise StorageInitializationError(f"cannot set up table {self.spec.name!r}: {e.message}",
                                             code=e.code, cause=e) from e

    # -- single generations ------------------------------------------------------

    @counted("save")
    def save(self, state: GenerationState | Mapping[str, Any], *, overwrite: bool = False) -> GenerationState:
        st = as_state(state)
        item = st.to_item()
        item["status"] = st.status
        with _within_item_limit(st.generationId):
            return self._put(st.generationId, item, overwrite)

    def _put(self, generation_id: str, item: dict[str, Any], overwrite: bool) -> GenerationState:
        if not overwrite:
            try:
                written = self.table.put(item, condition=Attr("generationId").not_exists(), expected_version=None)
            except ConditionFailed as e:
                raise StorageConflictError(f"generation {generation_id!r} already exists "
                                           "(pass overwrite=True to replace it)", cause=e) from e
            return _state(written.item)
        return self._replace(generation_id, item)

    def _replace(self, generation_id: str, item: dict[str, Any]) -> GenerationState:
        """Put over whatever is there, conditional on the version just read (a put cannot skip it)."""
        last: ConditionFailed | None = None
        for _ in range(OVERWRITE_ATTEMPTS):
            current = self.table.get({"generationId": generation_id}, consistent=True,
                                     projection=["version", "createdAt"]) or {}
            new = dict(item)
            if "createdAt" not in new and "createdAt" in current:
                new["createdAt"] = current["createdAt"]  # the generation began then, whoever replaces it
            try:
                written = self.table.put(new, expected_version=current.get("version"))
            except ConditionFailed as e:
                last = e
                continue
            return _state(written.item)
        raise StorageConflictError(f"generation {generation_id!r} kept changing while being replaced; try again",
                                   cause=last)

    @counted("get")
    def get(self, generation_id: str) -> GenerationState | None:
        item = self.table.get({"generationId": check_id(generation_id)}, consistent=True)
        return None if item is None else _state(item)

    @counted("update")
    def update(self, generation_id: str, changes: GenerationChanges | Mapping[str, Any], *,
               user_id: str | None = None, expected_version: int | None = None) -> GenerationState:
        key = {"generationId": check_id(generation_id)}
        attrs = as_changes(changes)
        exists = self._ownership(user_id)
        version = ANY_VERSION if expected_version is None else expected_version
        actions = [Attr(name).set(value) for name, value in attrs.items()]
        stages = [s for s in STAGES if s in attrs]
        if stages:
            status = status_of(stages)
            forward = Attr("status").not_exists() | Attr("status").is_in(list(statuses_up_to(status)))
            try:
                return self._update(key, [*actions, Attr("status").set(status)], exists & forward, version)
            except VersionConflict:
                raise
            except ConditionFailed:
                pass  # already past this stage (or missing, or another user's: the next write tells)
        try:
            return self._update(key, actions, exists, version)
        except VersionConflict:
            raise
        except ConditionFailed as e:
            raise not_found(generation_id, user_id) from e

    def _update(self, key: dict[str, Any], actions: list[Any], condition: Condition, version: Any) -> GenerationState:
        with _within_item_limit(key["generationId"]):
            item = self.table.update(key, actions, condition=condition, expected_version=version,
                                     return_values="ALL_NEW")
        assert item is not None
        return _state(item)

    @staticmethod
    def _ownership(user_id: str | None) -> Condition:
        exists = Attr("generationId").exists()
        return exists if user_id is None else exists & Attr("userId").eq(check_user(user_id))

    @counted("delete")
    def delete(self, generation_id: str, *, user_id: str | None = None) -> bool:
        key = {"generationId": check_id(generation_id)}
        try:
            self.table.delete(key, condition=self._ownership(user_id), expected_version=ANY_VERSION)
        except ConditionFailed:
            return False
        return True

    # -- a user's generations ----------------------------------------------------------

    @counted("get_user_generations")
    def get_user_generations(self, user_id: str, *, limit: int = 20, cursor: str | None = None) -> GenerationPage:
        check_user(user_id)
        check_limit(limit)
        start = None
        if cursor is not None:
            pos = cursors.decode(cursor, user_id)
            start = {"userId": pos.user_id, "createdAt": pos.created_at, "generationId": pos.generation_id}
        # one more than asked: whether it comes back says if there is a next page (no empty last page)
        items = self.table.query(Key("userId").eq(user_id), index=BY_USER, reverse=True, limit=limit + 1,
                                 start_key=start).all()
        more = len(items) > limit
        states = [state for i in items[:limit] if (state := _listed(i)) is not None]
        next_cursor = None
        if more:
            last = items[limit - 1]
            next_cursor = cursors.encode(cursors.Position(user_id, last["createdAt"], last["generationId"]))
        return GenerationPage(states, next_cursor)

    @counted("get_user_generation")
    def get_user_generation(self, user_id: str, generation_id: str) -> GenerationState | None:
        check_user(user_id)
        item = self.table.get({"generationId": check_id(generation_id)}, consistent=True)
        if item is None or item.get("userId") != user_id:
            return None
        return _state(item)

    # -- all generations ---------------------------------------------------------

    @counted("cleanup")
    def cleanup(self, max_age: timedelta | float = DEFAULT_MAX_AGE, *, user_id: str | None = None) -> int:
        """Delete generations created more than ``max_age`` ago, reading every page of the user index
        (only ``user_id``'s when given); each delete is conditional, so one refreshed meanwhile stays."""
        parts = None if user_id is None else [check_user(user_id)]
        return cleanup_table(self.table, as_max_age(max_age), partitions=parts).deleted

    @counted("clear_all")
    def clear_all(self) -> int:
        deleted = 0
        for page in self.table.scan(projection=["generationId"]).pages():
            if page.items:
                self.table.batch_write(deletes=[{"generationId": i["generationId"]} for i in page.items],
                                       ignore_versions=True)
                deleted += len(page.items)
        return deleted

    @counted("is_healthy")
    def is_healthy(self) -> bool:
        try:
            return self.table.describe().status == "ACTIVE"
        except DynastoreError:
            return False

    def get_metrics(self) -> dict[str, Any]:
        return self.metrics.snapshot(self.table.count())

    def iter_all(self, on_invalid: OnInvalid | None = None) -> Iterator[GenerationState]:
        for item in self.table.scan(consistent=True):
            try:
                yield _state(item)
            except StorageOperationError as e:
                if on_invalid is None:
                    raise
                on_invalid(str(item.get("generationId")), e.message)


def _state(item: Mapping[str, Any]) -> GenerationState:
    """The state of an item; one written by something else that is not a state is a StorageOperationError."""
    try:
        return GenerationState.from_item(item)
    except PydanticValidationError as e:
        raise StorageOperationError(f"generation {str(item.get('generationId'))[:200]!r} cannot be read: "
                                    f"{first_error(e)}", cause=e) from None


def _listed(item: Mapping[str, Any]) -> GenerationState | None:
    """An item of a listing; one that is not a state is logged and left out, so it cannot break the listing."""
    try:
        return _state(item)
    except StorageOperationError as e:
        log.warning("skipping an item of the generations index: %s", e.message)
        return None
