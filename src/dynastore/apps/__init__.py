"""The seed applications rebuilt on dynastore: their tables as typed models (and, later, stores).

Each application is a subpackage; its ``models.py`` holds the pydantic models
of its tables (see `dynastore.models`). Nothing here opens a store: bind the
models to whichever store you use.
"""

from __future__ import annotations

from importlib import resources

from ..errors import ValidationError
from ..spec import TableSpec, load_specs


def shipped_spec(file: str, table: str) -> TableSpec:
    """A table spec from the spec files shipped in ``dynastore/specs``."""
    path = resources.files("dynastore") / "specs" / file
    for spec in load_specs(str(path)):
        if spec.name == table:
            return spec
    raise ValidationError(f"spec file {file} has no table {table!r}")
