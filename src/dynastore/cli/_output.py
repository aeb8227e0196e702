"""Consoles, the one-line error path, and how keys, specs and values are shown."""

import contextlib
import re
from collections.abc import Iterator
from typing import Any, NoReturn

import typer
from pydantic import ValidationError as PydanticValidationError
from rich.console import Console
from rich.text import Text

from ..errors import DynastoreError
from ..jsonutil import dumps
from ..spec import Index, KeyAttribute, TableSpec


def out() -> Console:
    """Console on stdout (made per call so test runners that swap sys.stdout see the output)."""
    return Console(highlight=False)


def err() -> Console:
    return Console(stderr=True, highlight=False)


def one_line(message: str) -> str:
    return re.sub(r"\s*\n\s*", " ", str(message)).strip()


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one red line on stderr and exit ``code`` (1 unless a command documents otherwise)."""
    err().print(Text(f"Error: {one_line(message)}", style="bold red"), soft_wrap=True)
    raise typer.Exit(code)


@contextlib.contextmanager
def errors() -> Iterator[None]:
    """Turn the errors a user can cause into one red line and exit code 1 (never a traceback)."""
    try:
        yield
    except DynastoreError as e:
        fail(e.message or type(e).__name__)
    except PydanticValidationError as e:  # a malformed environment variable, read by Settings
        fail(f"invalid configuration: {e.errors()[0].get('loc', ('?',))[0]}: {e.errors()[0].get('msg', e)}")
    except ModuleNotFoundError as e:  # an engine that is not installed / not available
        fail(f"cannot load {e.name or 'a module'}: {e}")
    except OSError as e:
        fail(f"{e.strerror or e}{f': {e.filename}' if e.filename else ''}")


def key_text(k: KeyAttribute | None) -> str:
    return "" if k is None else f"{k.name}:{k.type}"


def keys_text(spec: TableSpec) -> str:
    return ", ".join(key_text(k) for k in (spec.partition_key, spec.sort_key) if k is not None)


def index_text(ix: Index, multiline: bool = False) -> str:
    keys = ", ".join(key_text(k) for k in (ix.partition_key, ix.sort_key) if k is not None)
    notes = (["local"] if ix.local else []) + ([] if ix.projection == "ALL" else [ix.projection_type])
    extra = f" [{', '.join(notes)}]" if notes else ""
    return f"{ix.name}\n  {keys}{extra}" if multiline else f"{ix.name} ({keys}){extra}"


def value_text(v: Any, width: int = 60) -> str:
    """A value for a table cell: strings as they are, everything else as JSON, cut to ``width``."""
    s = v if isinstance(v, str) else dumps(v)
    return s if len(s) <= width else s[: width - 1] + "…"
