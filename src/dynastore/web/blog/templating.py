"""The blog's Jinja2 environment: built once per app (templates compiled on first use and kept, never
re-read per request), autoescaping everything, with the few filters the templates need."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ...apps.blog import ActivityType

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent.parent / "static"

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


def sentence(message: str) -> str:
    """A store's one-line message (lower-case, no full stop) as a sentence on a page."""
    message = message.strip()
    if not message:
        return message
    return message[0].upper() + message[1:] + ("" if message[-1] in ".!?" else ".")


def iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="seconds")


def path_part(value: str) -> str:
    """*value* as one segment of a URL path (comment ids hold ``#``, ``:`` and ``+``)."""
    return quote(value, safe="")


def static_versions(directory: Path = STATIC) -> dict[str, str]:
    """``name -> short content hash`` of the static files: their URLs change when they do, so browsers
    may keep them for good."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:10] for p in directory.iterdir() if p.is_file()}


def environment() -> Environment:
    versions = static_versions()

    def static_url(name: str) -> str:
        return f"/static/{name}?v={versions[name]}"

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, auto_reload=False,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(ago=ago, iso=iso, path=path_part, sentence=sentence)
    env.globals.update(static_url=static_url, verbs=VERBS, activity_types=list(ActivityType))
    return env
