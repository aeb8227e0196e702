"""The web apps' static files (htmx, stylesheets, scripts), served with content-hashed URLs."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

STATIC = Path(__file__).parent / "static"


class VersionedStatic(StaticFiles):
    """Static files whose URLs carry their content's hash (``?v=``), so browsers may keep them a year."""

    def file_response(self, full_path: PathLike, stat_result: os.stat_result, scope: Scope,
                      status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def static_versions(directory: Path = STATIC) -> dict[str, str]:
    """``name -> short content hash`` of the static files: their URLs change when they do, so browsers
    may keep them for good."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:10] for p in directory.iterdir() if p.is_file()}


def static_url_function(prefix: str) -> Callable[[str], str]:
    """``static_url(name)`` for templates: the file's URL under *prefix* (where the app mounts STATIC)."""
    versions = static_versions()

    def static_url(name: str) -> str:
        return f"{prefix}/{name}?v={versions[name]}"

    return static_url
