"""``python -m dynastore``: the same as the ``dynastore`` command."""

from .cli import main

main()
