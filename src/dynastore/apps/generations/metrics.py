"""Operation counts and the number of stored generations, for Prometheus and for `get_metrics()`."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge

P = ParamSpec("P")
R = TypeVar("R")


class GenerationMetrics:
    """Counters registered on ``registry`` under ``namespace``, mirrored in plain dicts for `snapshot`."""

    def __init__(self, registry: CollectorRegistry | None, namespace: str):
        self.registry = registry if registry is not None else CollectorRegistry()
        self._operations = Counter("operations", "Generation storage operations by outcome",
                                   ("operation", "outcome"), namespace=namespace, registry=self.registry)
        self._active = Gauge("active_generations", "Generations stored, as last counted by get_metrics",
                             namespace=namespace, registry=self.registry)
        self._counts: dict[str, int] = {}
        self._errors: dict[str, int] = {}
        self._lock = threading.Lock()

    def record(self, operation: str, ok: bool) -> None:
        self._operations.labels(operation, "ok" if ok else "error").inc()
        with self._lock:
            self._counts[operation] = self._counts.get(operation, 0) + 1
            if not ok:
                self._errors[operation] = self._errors.get(operation, 0) + 1

    def snapshot(self, active: int) -> dict[str, Any]:
        """The seed's ``getMetrics()`` shape: ``activeGenerations`` and per-operation counts (and errors)."""
        self._active.set(active)
        with self._lock:
            return {"activeGenerations": active, "operations": dict(self._counts), "errors": dict(self._errors)}


class _Measured(Protocol):
    metrics: GenerationMetrics


S = TypeVar("S", bound=_Measured)


def counted(operation: str) -> Callable[[Callable[Concatenate[S, P], R]], Callable[Concatenate[S, P], R]]:
    """Count each call of the method as *operation*, by outcome."""

    def wrap(fn: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
        @functools.wraps(fn)
        def run(self: S, *args: P.args, **kwargs: P.kwargs) -> R:
            try:
                result = fn(self, *args, **kwargs)
            except BaseException:
                self.metrics.record(operation, False)
                raise
            self.metrics.record(operation, True)
            return result

        return run

    return wrap
