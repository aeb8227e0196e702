"""The Engine seam: what an engine must do, in DynamoDB's terms.

The `Table`/`Store` layer above validates every request (keys, types, sizes,
limits, expressions) and applies the client-side behaviours (TTL read filter,
versions, timestamps, chunking and retries) before it calls an engine, so an
engine receives canonical, valid requests and only has to execute them with
DynamoDB's semantics. Items, keys and values are canonical Python values (see
`codec`); conditions, updates and projections are expression trees.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .errors import ValidationError
from .expressions import Action, Condition, KeyCondition, Path
from .spec import BillingMode, Index, TableSpec

if TYPE_CHECKING:
    from .steps import Steps
    from .streams import IteratorType, RecordBatch, StreamDescription, StreamSummary

Item = dict[str, Any]
ReturnValues = Literal["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"]


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a query or scan.

    ``count`` is the number of items that matched (after the filter);
    ``scanned_count`` the number read before the filter, which is what a
    query or scan costs. ``last_key`` is None on the last page.
    """

    items: list[Item]
    last_key: Item | None
    count: int
    scanned_count: int
    #: bytes of the items read before the filter (what DynamoDB charges read capacity for); None if not known
    scanned_bytes: int | None = None
    #: 4 KB units of the items a local index fetched from its table (charged on top of ``scanned_bytes``)
    fetched_units: int = 0


@dataclass(frozen=True, slots=True)
class TableInfo:
    """What an engine knows about a table: its server-side spec and its state."""

    spec: TableSpec
    status: str = "ACTIVE"
    item_count: int = 0
    size_bytes: int = 0
    index_status: dict[str, str] = field(default_factory=dict)
    #: the table's current stream (DynamoDB's LatestStreamArn) while ``spec.stream`` is set
    stream_arn: str | None = None
    #: when the table was created (seconds since the epoch), where the engine records it
    created: float | None = None
    #: index name -> (items in it, bytes), DynamoDB's index ItemCount and IndexSizeBytes, where describing
    #: the table tells them (DynamoDB's DescribeTable does); `Engine.index_sizes` asks for them
    index_sizes: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WriteRequest:
    """One element of a batch write: ``put`` an item or ``delete`` a key."""

    kind: Literal["put", "delete"]
    item: Item  # the item for put, the key for delete


@dataclass(frozen=True, slots=True)
class TxAction:
    """One action of a write transaction.

    ``item`` is the full item for ``put`` and the key otherwise; ``actions``
    are the update actions for ``update``; ``condition`` is optional except for
    ``check``.
    """

    kind: Literal["put", "update", "delete", "check"]
    table: str
    item: Item
    condition: Condition | None = None
    actions: tuple[Action, ...] = ()
    #: put the item as it was into this action's CancellationReason when its condition fails
    return_item_on_failure: bool = False


@dataclass(frozen=True, slots=True)
class TxGet:
    table: str
    key: Item
    projection: tuple[Path, ...] | None = None


@dataclass(frozen=True, slots=True)
class BatchGetRequest:
    keys: list[Item]
    consistent: bool = False
    projection: tuple[Path, ...] | None = None


class Engine(ABC):
    """An engine executes validated requests against one storage backend."""

    #: short name used in URLs, tests and messages: "sqlite", "memory", "dynamodb"
    kind: str = "engine"

    # -- tables --------------------------------------------------------------

    @abstractmethod
    def create_table(self, spec: TableSpec) -> None:
        """Create the table and its indexes; wait until usable. TableExists if present."""

    @abstractmethod
    def describe_table(self, name: str) -> TableInfo:
        """TableNotFound if it does not exist."""

    @abstractmethod
    def add_index(self, table: str, index: Index) -> None:
        """Add a global secondary index to an existing table (backfilled); wait until usable."""

    def drop_index(self, table: str, index: str) -> None:
        """Delete the global secondary index ``index`` and its entries; wait until it is gone.

        ValidationError when the table has no global index of that name (a local
        index lives as long as its table, as on DynamoDB).
        """
        raise ValidationError(f"the {self.kind} engine ({type(self).__name__}) cannot drop indexes")

    def set_capacity(self, table: str, billing_mode: BillingMode, *, read_capacity: int | None = None,
                     write_capacity: int | None = None,
                     index_capacity: Mapping[str, tuple[int, int]] | None = None) -> None:
        """Switch the billing mode and/or change provisioned throughput; wait until usable.

        PROVISIONED needs ``read_capacity`` and ``write_capacity``; ``index_capacity``
        gives global indexes (by name) their own (read, write) units, the others
        keep theirs. PAY_PER_REQUEST clears every capacity. See `TableSpec.with_capacity`.
        """
        raise ValidationError(f"the {self.kind} engine ({type(self).__name__}) cannot change capacity")

    @abstractmethod
    def set_ttl(self, table: str, attribute: str | None) -> None:
        """Enable TTL on ``attribute`` (or disable with None)."""

    @abstractmethod
    def delete_table(self, name: str) -> None:
        """TableNotFound if it does not exist."""

    @abstractmethod
    def list_tables(self) -> list[str]:
        """All table names, sorted."""

    def index_sizes(self, table: str) -> dict[str, tuple[int, int]]:
        """Index name -> (items, bytes): DynamoDB's ItemCount and IndexSizeBytes of each index (an index
        left out: not known). Apart from `describe_table`, which stays cheap, where measuring costs a read
        of every index."""
        return self.describe_table(table).index_sizes

    # -- items ---------------------------------------------------------------

    @abstractmethod
    def get_item(
        self, table: str, key: Item, *, consistent: bool = False, projection: Sequence[Path] | None = None
    ) -> Item | None: ...

    @abstractmethod
    def put_item(
        self, table: str, item: Item, *, condition: Condition | None = None, return_old: bool = False,
        return_item_on_failure: bool = False,
    ) -> Item | None:
        """Returns the old item when ``return_old`` (None when there was none).

        ``return_item_on_failure``: a failed condition's ConditionFailed carries
        the item as it was (DynamoDB's ReturnValuesOnConditionCheckFailure),
        here and in update_item/delete_item.
        """

    @abstractmethod
    def update_item(
        self,
        table: str,
        key: Item,
        actions: Sequence[Action],
        *,
        condition: Condition | None = None,
        return_values: ReturnValues = "NONE",
        return_item_on_failure: bool = False,
    ) -> Item | None:
        """Creates the item when absent, as DynamoDB does."""

    @abstractmethod
    def delete_item(
        self, table: str, key: Item, *, condition: Condition | None = None, return_old: bool = False,
        return_item_on_failure: bool = False,
    ) -> Item | None: ...

    # ``whole_items`` (DynamoDB's Select ALL_ATTRIBUTES): on a local index, whole items, what the index
    # does not project fetched from the table; so is a projection naming attributes it does not project.
    @abstractmethod
    def query(
        self,
        table: str,
        key_condition: KeyCondition,
        *,
        index: str | None = None,
        filter: Condition | None = None,
        projection: Sequence[Path] | None = None,
        limit: int | None = None,
        reverse: bool = False,
        start_key: Item | None = None,
        consistent: bool = False,
        count_only: bool = False,
        whole_items: bool = False,
    ) -> Page: ...

    @abstractmethod
    def scan(
        self,
        table: str,
        *,
        index: str | None = None,
        filter: Condition | None = None,
        projection: Sequence[Path] | None = None,
        limit: int | None = None,
        start_key: Item | None = None,
        segment: int | None = None,
        total_segments: int | None = None,
        consistent: bool = False,
        count_only: bool = False,
        whole_items: bool = False,
    ) -> Page: ...

    @abstractmethod
    def batch_get(self, requests: dict[str, BatchGetRequest]) -> tuple[dict[str, list[Item]], dict[str, list[Item]]]:
        """At most 100 keys in all. Returns (items found per table, unprocessed keys per table)."""

    @abstractmethod
    def batch_write(self, requests: dict[str, list[WriteRequest]]) -> dict[str, list[WriteRequest]]:
        """At most 25 requests in all. Returns the unprocessed ones per table."""

    @abstractmethod
    def transact_write(self, actions: Sequence[TxAction], *, token: str | None = None) -> None:
        """All or nothing; TransactionCanceled with one reason per action on failure."""

    @abstractmethod
    def transact_get(self, gets: Sequence[TxGet]) -> list[Item | None]: ...

    # -- maintenance ---------------------------------------------------------

    def sweep_expired(self, table: str, attribute: str, now: int) -> int:
        """Physically delete items whose TTL attribute (a number) is <= now. Returns the count.

        Engines with a faster way override this; the default pages through a
        scan and deletes each expired item conditionally, so an item whose TTL
        was extended in the meantime survives.
        """
        from .steps import EngineDriver

        return EngineDriver(self)(self._sweep_expired(table, attribute, now))

    def _sweep_expired(self, table: str, attribute: str, now: int) -> Steps[int]:
        """The default `sweep_expired` as steps (see `dynastore.steps`), so async engines share it."""
        from .errors import ConditionFailed
        from .expressions import Attr
        from .steps import call

        expired = Attr(attribute).attribute_type("N") & Attr(attribute).lte(now)
        spec = (yield call("describe_table", table)).spec
        names = spec.table_key_names()
        deleted = 0
        start: Item | None = None
        while True:
            page = yield call("scan", table, filter=expired, projection=[Path((n,)) for n in names], start_key=start)
            for key in page.items:
                try:
                    yield call("delete_item", table, key, condition=expired)
                    deleted += 1
                except ConditionFailed:
                    pass
            start = page.last_key
            if start is None:
                return deleted

    # -- streams (see dynastore.streams; DynamoDB Streams' API in dynastore's types) ---------

    def set_stream(self, table: str, view_type: str | None) -> None:
        """Enable the table's stream with ``view_type``, or disable it (None); wait until usable."""
        raise self._no_streams()

    def list_streams(self, table: str | None = None) -> list[StreamSummary]:
        """Streams of ``table`` (or of every table), newest first, disabled ones included until trimmed."""
        raise self._no_streams()

    def describe_stream(self, arn: str) -> StreamDescription:
        """TableNotFound (ResourceNotFoundException) for an unknown ARN."""
        raise self._no_streams()

    def get_shard_iterator(self, arn: str, shard_id: str, iterator_type: IteratorType,
                           sequence_number: str | None = None) -> str:
        """A position in one shard; StreamTrimmed when ``sequence_number`` is past retention."""
        raise self._no_streams()

    def get_records(self, iterator: str, limit: int = 1000) -> RecordBatch:
        """Records after ``iterator`` (at most ``limit``) and the iterator to continue from."""
        raise self._no_streams()

    def _no_streams(self) -> Exception:
        from .errors import ValidationError

        return ValidationError(f"the {self.kind} engine ({type(self).__name__}) does not support streams")

    def health_details(self) -> dict[str, Any]:
        """What this engine adds to `Store.health()`: JSON-able facts about its state.

        Keys with a meaning there: ``degraded`` (True while serving in a
        reduced mode, e.g. from a local fallback), ``reason`` (why, one line)
        and ``outbox_depth`` (writes waiting to be replayed). Cheap: no I/O.
        """
        return {}

    def close(self) -> None:  # noqa: B027 -- an optional hook: an engine holding no resources need not override it
        """Release connections; the engine is unusable afterwards."""
