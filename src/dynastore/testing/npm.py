"""Pinned npm packages installed once into dynastore's cache, for tests and benchmarks.

Each install lives in ``<cache>/<name>`` where ``<cache>`` is ``$DYNASTORE_CACHE_DIR``
or ``~/.cache/dynastore``.  Installing is safe when several processes (pytest-xdist
workers, other checkouts) ask at once: an exclusive ``fcntl`` lock serialises
installers, and npm installs into a temporary dir that is renamed into place only once
complete, so no reader ever sees a half-installed package.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

__all__ = ["cache_dir", "install", "installed_version"]

#: characters of npm's output kept in an error message
_OUTPUT_TAIL_BYTES = 4000


def cache_dir() -> Path:
    env = os.environ.get("DYNASTORE_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "dynastore"


def installed_version(prefix: Path, package: str) -> str | None:
    """The version of ``package`` installed under ``prefix`` (None if it is not there)."""
    try:
        return str(json.loads((prefix / "node_modules" / package / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _missing(prefix: Path, packages: Mapping[str, str], check: Callable[[Path], str | None] | None) -> str | None:
    for package, version in packages.items():
        found = installed_version(prefix, package)
        if found != version:
            return f"{package} is {'missing' if found is None else 'at ' + found}"
    return check(prefix) if check is not None else None


def install(name: str, packages: Mapping[str, str], *, what: str,
            check: Callable[[Path], str | None] | None = None) -> Path:
    """Install ``packages`` (npm name -> exact version) into ``<cache>/<name>`` unless there; return that dir.

    ``what`` names the install in errors; ``check(prefix)`` may say what else a complete
    install must hold (None when it is all there).  Raises RuntimeError when npm is not on
    PATH or the install fails.
    """
    cache = cache_dir()
    target = cache / name
    if _missing(target, packages, check) is None:
        return target
    specs = " ".join(f"{package}@{version}" for package, version in packages.items())
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"npm is not on PATH: it is needed once to install {specs} ({what}) into {target} "
                           "(Debian: apt-get install npm)")
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _missing(target, packages, check) is None:  # another process finished meanwhile
            return target
        if target.exists():  # left incomplete by something other than us; start over
            shutil.rmtree(target)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=cache))
        try:
            result = subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "--prefix", str(staging), *specs.split()],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise RuntimeError(f"npm install {specs} failed with exit code {result.returncode}:\n"
                                   f"{(result.stdout + result.stderr)[-_OUTPUT_TAIL_BYTES:]}")
            missing = _missing(staging, packages, check)
            if missing is not None:
                raise RuntimeError(f"{specs} installed but {missing}")
            staging.chmod(0o755)  # mkdtemp makes it 0700; the cache may be shared
            os.rename(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target
