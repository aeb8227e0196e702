"""Run an idempotent step again when the store throttles it or cannot be reached for a moment."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ..errors import StoreUnavailable, Throttled
from ..retry import RetryPolicy

T = TypeVar("T")

#: failures worth waiting out; anything else (bad input, missing table ...) is raised at once
TRANSIENT = (Throttled, StoreUnavailable)


def with_retries(policy: RetryPolicy, step: Callable[[], T]) -> T:
    """``step()``, retried with the policy's backoff on a transient failure; the last one is raised.

    Only for steps that are safe to repeat (puts, deletes, reads).
    """
    for attempt in range(policy.max_attempts - 1):
        try:
            return step()
        except TRANSIENT:
            policy.sleep(attempt)
    return step()
