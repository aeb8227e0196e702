"""Imports the command modules that live outside ``cli/__init__.py`` so they register on the app.

Add one line per module, alphabetically; each module decorates its functions with ``@app.command()``
(or adds a sub-app with ``app.add_typer``).
"""
from . import check  # noqa: F401
from . import cleanup  # noqa: F401
from . import console  # noqa: F401
from . import endpoint  # noqa: F401
from . import generations  # noqa: F401
from . import health  # noqa: F401
from . import messages  # noqa: F401
from . import serve  # noqa: F401
from . import streams  # noqa: F401
from . import sync  # noqa: F401
from . import transfer  # noqa: F401
