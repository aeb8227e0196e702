"""Backoff for work DynamoDB hands back unprocessed (batch items, throttled calls)."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: sleep U(0, min(cap, base * 2**attempt)).

    ``max_attempts`` counts the first try; the defaults give up after about
    ten seconds of waiting, which is longer than DynamoDB throttles a burst.
    """

    max_attempts: int = 8
    base_delay: float = 0.05
    max_delay: float = 5.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("max_attempts >= 1 and non-negative delays")

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_delay, self.base_delay * (2**attempt)))

    def sleep(self, attempt: int) -> None:
        time.sleep(self.delay(attempt))
