"""Retrying transient failures of blob storage and the index: 3 retries, exponential backoff, full jitter."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from prometheus_client import Counter

from ...errors import DynastoreError, StoreUnavailable, Throttled
from ...retry import RetryPolicy

T = TypeVar("T")

#: The seed's rule: at most 3 retries (4 attempts), backing off exponentially.
DEFAULT_RETRY = RetryPolicy(max_attempts=4, base_delay=0.05, max_delay=1.0)

#: Failures that may pass: the service was unreachable or throttling. Anything else is final.
TRANSIENT = (StoreUnavailable, Throttled)


def with_retries(fn: Callable[[int], T], what: str, policy: RetryPolicy, retries: Counter | None = None) -> T:
    """``fn(attempt)`` until it succeeds or a non-transient error; after the last attempt, a clear error.

    The final error is of the same class as the last failure (so callers can
    still tell throttling from an outage), says what failed and how often,
    and keeps the last failure as its cause.
    """
    for attempt in range(policy.max_attempts):
        try:
            return fn(attempt)
        except TRANSIENT as e:
            last: DynastoreError = e
            if attempt + 1 >= policy.max_attempts:
                break
            if retries is not None:
                retries.inc()
            policy.sleep(attempt)
    raise type(last)(f"{what} failed after {policy.max_attempts} attempts: {last.message}",
                     code=last.code, cause=last)
