"""Per-table, per-operation metrics in a Prometheus registry.

A `Store` records every engine call here (see `engines.instrumented`): how
many, how many failed and with which error code, how long they took, how many
items they read or wrote, and the capacity DynamoDB says they consumed. The
objects are `prometheus_client` metrics in a `CollectorRegistry` that the
caller may pass in, so an application can gather dynastore's metrics with its
own and serve them in one Prometheus text page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

__all__ = ["LATENCY_BUCKETS", "NO_TABLE", "StoreMetrics"]

#: Seconds; from an embedded read (~50 µs) to a DynamoDB call that waited out throttling.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

#: The ``table`` label of operations on no one table (``list_tables``).
NO_TABLE = "*"


class StoreMetrics:
    """The metrics of one store (or several, sharing one instance).

    Metric names (all with ``table`` and ``operation`` labels):

    - ``dynastore_operations_total``: engine calls
    - ``dynastore_operation_errors_total``: failed calls, also by ``code`` (DynamoDB's error code)
    - ``dynastore_operation_duration_seconds``: latency histogram
    - ``dynastore_items_total``: items read (found, returned) or written
    - ``dynastore_consumed_capacity_units_total``: capacity units DynamoDB reported

    A multi-table call (batch, transaction) counts once for each table it touched.
    A registry can hold one `StoreMetrics` only: share the instance rather than
    making a second one on the same registry.
    """

    def __init__(self, registry: CollectorRegistry | None = None, *, buckets: Iterable[float] = LATENCY_BUCKETS):
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self._included: list[CollectorRegistry] = []
        labels = ("table", "operation")
        self.operations = Counter(
            "dynastore_operations", "Engine operations", labels, registry=self.registry
        )
        self.errors = Counter(
            "dynastore_operation_errors", "Engine operations that failed, by error code", (*labels, "code"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "dynastore_operation_duration_seconds", "Engine operation latency", labels,
            buckets=tuple(buckets), registry=self.registry,
        )
        self.items = Counter(
            "dynastore_items", "Items read or written", labels, registry=self.registry
        )
        self.capacity = Counter(
            "dynastore_consumed_capacity_units", "Capacity units consumed, as DynamoDB reports them", labels,
            registry=self.registry,
        )
        # labels() costs more than the update itself: keep each (table, operation)'s children at hand.
        self._children: dict[tuple[str, str], tuple[Any, Any, Any]] = {}

    def _for(self, table: str, operation: str) -> tuple[Any, Any, Any]:
        children = self._children.get((table, operation))
        if children is None:
            children = (self.operations.labels(table, operation), self.latency.labels(table, operation),
                        self.items.labels(table, operation))
            self._children[(table, operation)] = children
        return children

    def observe(
        self, tables: Iterable[str], operation: str, seconds: float, *, items: Mapping[str, int] | None = None,
        error: str | None = None,
    ) -> None:
        """Record one call that touched ``tables``; ``error`` is the failure's code."""
        for table in tables:
            count, latency, done = self._for(table, operation)
            count.inc()
            latency.observe(seconds)
            if error is not None:
                self.errors.labels(table, operation, error).inc()
            elif items and items.get(table):
                done.inc(items[table])

    def observe_one(self, table: str, operation: str, seconds: float, items: int) -> None:
        """`observe` for a call on one table that succeeded (the hot path of every item operation)."""
        count, latency, done = self._for(table, operation)
        count.inc()
        latency.observe(seconds)
        if items:
            done.inc(items)

    def consumed(self, table: str, operation: str, units: float) -> None:
        """Capacity units one call consumed on ``table`` (the DynamoDB engine reports these)."""
        if units > 0:
            self.capacity.labels(table, operation).inc(units)

    def include(self, registry: CollectorRegistry) -> None:
        """Render ``registry``'s metrics with these (an engine's own, e.g. the fallback engine's outbox gauges)."""
        if registry is not self.registry and registry not in self._included:
            self._included.append(registry)
            self.registry.register(Forward(registry))

    def render(self) -> str:
        """Everything in the registry, in Prometheus text format."""
        return generate_latest(self.registry).decode()

    def value(self, name: str, **labels: str) -> float:
        """One sample's value (0 when absent): ``value("dynastore_operations_total", table="t", operation="put_item")``."""
        v = self.registry.get_sample_value(name, labels)
        return 0.0 if v is None else v


class Forward(Collector):
    """Collects another registry's metrics, so one scrape (one ``render``) shows both."""

    def __init__(self, source: CollectorRegistry):
        self.source = source

    def collect(self) -> Iterator[Metric]:
        return iter(self.source.collect())

    def describe(self) -> list[Metric]:
        return []  # unknown until collected; an empty description skips the duplicate-name check
