"""What the console's tests share: no console settings leak in from the developer's environment."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_console_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DYNASTORE_CONSOLE", "DYNASTORE_CONSOLE_PASSWORD", "DYNASTORE_SERVE_HOST"):
        monkeypatch.delenv(name, raising=False)
