"""The blog's Jinja2 environment: built once per app (templates compiled on first use and kept, never
re-read per request), autoescaping everything, with the few filters the templates need."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ...apps.blog import ActivityType
from ..assets import static_url_function
from ..text import sentence

TEMPLATES = Path(__file__).parent / "templates"

#: How a feed tells each kind of event.
VERBS = {ActivityType.VIEW: "read", ActivityType.LIKE: "liked", ActivityType.COMMENT: "commented on",
         ActivityType.POST: "wrote"}


def ago(when: datetime, now: datetime | None = None) -> str:
    """``5 min ago``, ``3 h ago``, ``2 d ago``, else the date: how long ago *when* was, briefly."""
    seconds = ((now or datetime.now(timezone.utc)) - when).total_seconds()
    if seconds < 60:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            if unit == "d" and seconds >= 30 * 86400:
                break
            return f"{int(seconds // size)} {unit} ago"
    return when.strftime("%d %b %Y")


def iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="seconds")


def path_part(value: str) -> str:
    """*value* as one segment of a URL path (comment ids hold ``#``, ``:`` and ``+``)."""
    return quote(value, safe="")


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, auto_reload=False,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(ago=ago, iso=iso, path=path_part, sentence=sentence)
    env.globals.update(static_url=static_url_function("/static"), verbs=VERBS, activity_types=list(ActivityType))
    return env
