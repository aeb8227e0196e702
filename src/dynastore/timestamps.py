"""Automatic created/updated timestamps: ISO-8601 strings (UTC) or epoch seconds."""

from __future__ import annotations

import time
from datetime import datetime, timezone


def now_value(fmt: str) -> str | int:
    # Fixed width (always microseconds, always +00:00) so ISO strings sort as times.
    if fmt == "epoch":
        return int(time.time())
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")
