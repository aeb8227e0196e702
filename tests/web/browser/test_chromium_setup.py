"""The chromium fixture's missing-browser path, pointed at a fake path instead of uninstalling chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import ensure_chromium


def test_a_present_chromium_is_used_without_installing(tmp_path: Path) -> None:
    binary = tmp_path / "chromium"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    assert ensure_chromium(binary, install=lambda: pytest.fail("installed although present")) == binary


def test_a_missing_chromium_is_installed_once(tmp_path: Path) -> None:
    binary = tmp_path / "bin" / "chromium"
    calls: list[Path] = []

    def install() -> None:
        calls.append(binary)
        binary.parent.mkdir()
        binary.write_text("#!/bin/sh\n")
        binary.chmod(0o755)

    assert ensure_chromium(binary, install=install) == binary
    assert ensure_chromium(binary, install=install) == binary
    assert calls == [binary]


def test_a_failed_install_fails_the_tests_with_apts_message(tmp_path: Path) -> None:
    missing = tmp_path / "no-chromium"
    with pytest.raises(pytest.fail.Exception, match="missing at .*no-chromium.*E: Unable to locate package"):
        ensure_chromium(missing, install=lambda: "apt-get install failed (100): E: Unable to locate package chromium")


def test_an_install_that_leaves_no_binary_there_says_where_to_point(tmp_path: Path) -> None:
    missing = tmp_path / "elsewhere" / "chromium"
    with pytest.raises(pytest.fail.Exception, match="still missing; point DYNASTORE_TEST_CHROMIUM"):
        ensure_chromium(missing, install=lambda: None)
