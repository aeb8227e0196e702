"""`Store.health()`: can the store be reached, are its tables usable, is it degraded?

One check lists the tables (reachability and round-trip latency), describes
the tables asked about (their status and their indexes'), and merges what the
engine itself reports through `Engine.health_details()` — a fallback engine
says there whether it is serving from its local copy and how deep its outbox
is; the DynamoDB engine where its credentials come from.

The overall status is ``ok``, ``degraded`` (reachable, but a table is missing
or not ACTIVE, or the engine says it is degraded) or ``unreachable``;
`Health.exit_code` maps them to 0, 1 and 2 for scripts and monitoring checks.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal

from prometheus_client import CollectorRegistry, Gauge, generate_latest

from .errors import DynastoreError, TableNotFound

if TYPE_CHECKING:
    from .store import Store

__all__ = ["EXIT_CODES", "Health", "check_health"]

Status = Literal["ok", "degraded", "unreachable"]

#: Process exit code per status (Nagios' convention: OK, WARNING, CRITICAL).
EXIT_CODES: dict[str, int] = {"ok": 0, "degraded": 1, "unreachable": 2}


@dataclass(frozen=True)
class Health:
    """The result of one health check."""

    status: Status
    engine: str
    url: str | None
    reachable: bool
    #: seconds the reachability probe (listing the tables) took
    latency_seconds: float | None
    #: table -> "ACTIVE", "CREATING", "MISSING" ...; an index not ACTIVE shows as "ACTIVE, index gsi1 CREATING"
    tables: dict[str, str] = field(default_factory=dict)
    #: the engine's own report (``degraded``, ``outbox_depth``, credentials ...)
    details: dict[str, Any] = field(default_factory=dict)
    #: why it is not ok, in one line
    problems: list[str] = field(default_factory=list)
    checked_at: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def degraded(self) -> bool:
        return bool(self.details.get("degraded"))

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_prometheus(self) -> str:
        """This check as Prometheus gauges (for node_exporter's textfile collector, or a scrape)."""
        reg = CollectorRegistry()
        Gauge("dynastore_up", "1 when the store answered the health check", registry=reg).set(self.reachable)
        status = Gauge("dynastore_health_status", "1 for the current status", ["status"], registry=reg)
        for s in EXIT_CODES:
            status.labels(s).set(s == self.status)
        if self.latency_seconds is not None:
            Gauge("dynastore_health_latency_seconds", "Round trip of the health probe", registry=reg).set(
                self.latency_seconds
            )
        Gauge("dynastore_degraded", "1 when the engine serves in degraded mode", registry=reg).set(self.degraded)
        depth = self.details.get("outbox_depth")
        if isinstance(depth, int):
            Gauge("dynastore_outbox_depth", "Writes waiting to be replayed", registry=reg).set(depth)
        active = Gauge("dynastore_table_active", "1 when the table and its indexes are ACTIVE", ["table"], registry=reg)
        for name, st in self.tables.items():
            active.labels(name).set(st == "ACTIVE")
        return generate_latest(reg).decode()


def _table_status(store: Store, name: str, present: set[str]) -> str:
    if name not in present:
        return "MISSING"
    try:
        info = store.engine.describe_table(name)
    except TableNotFound:
        return "MISSING"
    waiting = [f"index {ix} {st}" for ix, st in sorted(info.index_status.items()) if st != "ACTIVE"]
    return ", ".join([info.status, *waiting])


def check_health(store: Store, tables: Iterable[str] | None = None) -> Health:
    """Check ``store``. ``tables`` defaults to the tables the store was given specs for.

    Never raises for an unreachable or broken store: that is what it reports.
    """
    engine = store.engine
    checked_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    problems: list[str] = []

    def engine_details() -> dict[str, Any]:
        # Read after the probe, so that it reflects what the probe found (a refresh, a switch to the fallback).
        try:
            return dict(engine.health_details())
        except Exception as e:  # a report that fails is itself a finding, not a crash
            problems.append(f"engine health report failed: {e}")
            return {}

    start = time.perf_counter()
    try:
        present = set(engine.list_tables())
    except DynastoreError as e:
        details = engine_details()
        return Health("unreachable", engine.kind, store.url, False, None, {}, details,
                      [f"{type(e).__name__}: {e.message}", *problems], checked_at)
    latency = time.perf_counter() - start
    wanted = sorted(set(tables) if tables is not None else store._specs)
    statuses: dict[str, str] = {}
    for name in wanted:
        try:
            statuses[name] = _table_status(store, name, present)
        except DynastoreError as e:
            statuses[name] = "ERROR"
            problems.append(f"table {name!r}: {e.message}")
    problems += [f"table {n!r} is {st}" for n, st in statuses.items() if st not in ("ACTIVE", "ERROR")]
    details = engine_details()
    if details.get("degraded"):
        reason = details.get("reason") or details.get("last_error") or "the engine reports it is degraded"
        problems.append(f"degraded: {reason}")
    if details.get("conflicts"):
        problems.append(f"{details['conflicts']} conflicting write(s) wait in the outbox")
    status: Status = "degraded" if problems else "ok"
    return Health(status, engine.kind, store.url, True, latency, statuses, details, problems, checked_at)
