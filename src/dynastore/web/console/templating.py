"""The console's Jinja2 environment (compiled once per app, autoescaping everything) and its pages:
every answer is rendered through `render`, which adds what every page needs and the access layer's
headers and cookies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ...jsonutil import dumps
from ..assets import static_url_function
from ..text import sentence
from . import access

TEMPLATES = Path(__file__).parent / "templates"


def size_text(n: int | None) -> str:
    """``1.2 KB``: a byte count as people read it."""
    if n is None:
        return "—"
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def cell(value: Any, width: int = 80) -> str:
    """A value in one table cell: text as it is, anything else as compact JSON, cut at *width*."""
    text = value if isinstance(value, str) else dumps(value, separators=(",", ":"))
    return text if len(text) <= width else text[: width - 1] + "…"


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, auto_reload=False,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(size=size_text, cell=cell, sentence=sentence)
    env.globals.update(static_url=static_url_function("/static"))
    return env


def root(request: Request) -> str:
    """Where the console is mounted (``/console`` under ``dynastore serve``): every link starts with it."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    env: Environment = request.app.state.templates
    ctx = request.app.state.dynastore
    html = env.get_template(template).render(request=request, root=root(request), store_label=store_label(ctx.store),
                                             csrf_token=access.csrf_token(request),
                                             access=access.access_of(ctx.settings), **context)
    response = HTMLResponse(html, status_code=status)
    response.headers["Vary"] = "HX-Request"
    return access.finish(request, response)


def redirect(request: Request, url: str) -> Response:
    """Go to *url* (under the console): a 303 for a browser, ``HX-Redirect`` for htmx."""
    target = root(request) + url
    response = (Response(status_code=204, headers={"HX-Redirect": target}) if is_htmx(request)
                else Response(status_code=303, headers={"Location": target}))
    return access.finish(request, response)


def store_label(store: Any) -> str:
    """Which store the console shows, in a few words (no credentials: the URL's query is left out)."""
    url = str(getattr(store, "url", "") or "")
    kind = getattr(store.engine, "kind", "")
    if url.startswith("memory:"):
        return "embedded engine, in memory"
    if url.startswith("sqlite:"):
        return "embedded engine, " + url.split("///", 1)[-1]
    if kind == "dynamodb" or url.startswith("dynamodb:"):
        from urllib.parse import parse_qs, urlsplit

        query = parse_qs(urlsplit(url).query)
        endpoint = query.get("endpoint", [""])[-1]
        region = query.get("region", [""])[-1]
        where = endpoint or "AWS" + (f" {region}" if region else "")
        return f"DynamoDB, {where}"
    return kind or "store"
