"""The Node.js client helpers: pinned installs in the cache, and clear errors without node or npm."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dynastore.testing import node, npm


@pytest.fixture(autouse=True)
def fresh_node_lookup() -> Iterator[None]:
    node._node.cache_clear()  # tests change PATH
    yield
    node._node.cache_clear()


def only_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **programs: str) -> None:
    """PATH holding just ``programs`` (name -> file)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, target in programs.items():
        os.symlink(target, bin_dir / name)
    monkeypatch.setenv("PATH", str(bin_dir))


def real_node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.skip("node is not installed")
    return found


def test_the_installed_packages_are_the_pinned_versions() -> None:
    modules = node.install_node_clients()
    for package, version in node.NODE_CLIENT_PACKAGES.items():
        assert json.loads((modules / package / "package.json").read_text())["version"] == version
    # dynamodb-admin runs on the pinned SDK, not a copy of its own
    assert not (modules / "dynamodb-admin" / "node_modules" / "@aws-sdk" / "client-dynamodb").exists()


def test_an_installed_cache_needs_no_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    modules = node.install_node_clients()
    only_on_path(tmp_path, monkeypatch, node=real_node())
    assert node.install_node_clients() == modules


def test_missing_node_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(RuntimeError, match="node is not on PATH"):
        node.install_node_clients()


def test_old_node_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = tmp_path / "old-node"
    old.write_text("#!/bin/sh\necho v18.19.0\n")
    old.chmod(0o755)
    only_on_path(tmp_path, monkeypatch, node=str(old))
    with pytest.raises(RuntimeError, match=r"Node.js v18.19.0; the AWS SDK for JavaScript .* needs 20\+"):
        node.install_node_clients()


def test_missing_npm_with_an_empty_cache_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    only_on_path(tmp_path, monkeypatch, node=real_node())
    monkeypatch.setenv("DYNASTORE_CACHE_DIR", str(tmp_path / "empty-cache"))
    with pytest.raises(RuntimeError, match=r"npm is not on PATH: it is needed once to install "
                                           r"@aws-sdk/client-dynamodb@3\.\d+\.\d+ .*dynamodb-admin@5\."):
        node.install_node_clients()


def test_a_package_at_another_version_is_not_taken_for_the_pinned_one(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNASTORE_CACHE_DIR", str(tmp_path))
    package = tmp_path / "left-pad-1.3.0" / "node_modules" / "left-pad"
    package.mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": "left-pad", "version": "1.2.0"}))
    assert npm.installed_version(tmp_path / "left-pad-1.3.0", "left-pad") == "1.2.0"
    monkeypatch.setenv("PATH", "/nonexistent")  # it would have to install: and says so
    with pytest.raises(RuntimeError, match="npm is not on PATH: it is needed once to install left-pad@1.3.0"):
        npm.install("left-pad-1.3.0", {"left-pad": "1.3.0"}, what="a test")


def test_dynamodb_admin_only_runs_against_this_machine() -> None:
    with (pytest.raises(ValueError, match="only run against an endpoint on this machine"),
          node.dynamodb_admin("https://dynamodb.us-east-1.amazonaws.com")):
        pass
