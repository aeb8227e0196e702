"""The operations commands are documented: help text on the command and on every parameter."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from dynastore.cli import app

COMMANDS = ("cleanup", "migrate", "export", "import")


@pytest.mark.parametrize("name", COMMANDS)
def test_command_and_parameters_have_help(name: str) -> None:
    cmd = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    assert (cmd.help or "").strip()
    for param in cmd.params:
        text = getattr(param, "help", None) or ""
        assert param.name == "help" or (text.strip() and "[" not in text), f"{name} {param.name}"
    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output
