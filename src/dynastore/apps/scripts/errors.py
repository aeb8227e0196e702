"""What the script store raises: dynastore's own error types, named for what was missing."""

from __future__ import annotations

from ...errors import ItemNotFound


class ScriptNotFound(ItemNotFound):
    """No script for that session and chapter."""


class VersionNotFound(ItemNotFound):
    """The script has no such version."""


class MergedScriptNotFound(ItemNotFound):
    """No merged script with that id in that session."""
