"""Node.js DynamoDB clients for tests: the AWS SDK for JavaScript v3 and dynamodb-admin.

The pinned npm packages below are installed together, once, into
``<cache>/node-clients-<versions>`` (see :mod:`dynastore.testing.npm`) with the
machine's npm; they need Node.js 20 or later (the SDK's minimum).

* :func:`run_node` runs a script with the SDK on ``NODE_PATH``.
* :func:`dynamodb_admin` runs dynamodb-admin, bound to 127.0.0.1, against an endpoint.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from . import npm
from .servers import LocalServer, _ensure_port_unused, _http_answers, _run_server, free_port

__all__ = [
    "DYNAMODB_ADMIN_VERSION",
    "JS_SDK_VERSIONS",
    "NODE_CLIENT_PACKAGES",
    "dynamodb_admin",
    "install_node_clients",
    "node_environment",
    "run_node",
]

#: @aws-sdk/lib-dynamodb's newest release asks for client-dynamodb ^3.1168.0 as its peer
JS_SDK_VERSIONS = {"@aws-sdk/client-dynamodb": "3.1169.0", "@aws-sdk/lib-dynamodb": "3.1168.0"}
DYNAMODB_ADMIN_VERSION = "5.3.3"
#: installed together: dynamodb-admin then runs on the same SDK as the tests' scripts
NODE_CLIENT_PACKAGES = {**JS_SDK_VERSIONS, "dynamodb-admin": DYNAMODB_ADMIN_VERSION}

_MIN_NODE = 20
_HOST = "127.0.0.1"


@functools.cache
def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError(f"node is not on PATH: the AWS SDK for JavaScript and dynamodb-admin need Node.js "
                           f"{_MIN_NODE}+ (Debian: apt-get install nodejs npm)")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    m = re.match(r"v(\d+)\.", version)
    if m is None or int(m.group(1)) < _MIN_NODE:
        raise RuntimeError(f"{node} is Node.js {version or '(unknown version)'}; the AWS SDK for JavaScript "
                           f"{JS_SDK_VERSIONS['@aws-sdk/client-dynamodb']} needs {_MIN_NODE}+")
    return node


def install_node_clients() -> Path:
    """Install the pinned SDK and dynamodb-admin if needed (see the module doc); return their ``node_modules``."""
    _node()
    name = "node-clients-" + "-".join(f"{p.rsplit('/', 1)[-1]}{v}" for p, v in NODE_CLIENT_PACKAGES.items())
    return npm.install(name, NODE_CLIENT_PACKAGES, what="the AWS SDK for JavaScript and dynamodb-admin") / "node_modules"


def node_environment() -> dict[str, str]:
    """The environment node runs in: the installed packages on ``NODE_PATH``, and no notice that
    SDK releases from 2027 on need Node 22 (stderr stays for real errors)."""
    return {**os.environ, "NODE_PATH": str(install_node_clients()),
            "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED": "true"}


def run_node(script: Path, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run ``node script args...`` with the installed packages; its output captured, not checked."""
    return subprocess.run([_node(), str(script), *args], env=node_environment(), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout, check=False)


def _admin_answers(port: int) -> bool:
    # a static file: answered without a call to the DynamoDB endpoint behind it
    return _http_answers(port, "GET", "/assets/css/bootstrap.min.css", b"", {}) == 200


@contextlib.contextmanager
def dynamodb_admin(dynamo_endpoint: str, *, port: int | None = None, access_key: str = "key",
                   region: str = "us-east-1") -> Iterator[LocalServer]:
    """Run dynamodb-admin on 127.0.0.1 against ``dynamo_endpoint`` for the duration of the ``with`` block.

    It signs its calls with ``access_key`` in ``region`` (its own defaults), which name the tables
    it sees on an endpoint that keeps them per access key and region (not ``--shared-db``).
    Raises ValueError for an endpoint off this machine (it is a local development tool), and
    RuntimeError if node or npm is missing, or if it does not start.
    """
    from ..aws import is_loopback  # boto3's import, only here

    if not is_loopback(dynamo_endpoint):
        raise ValueError(f"dynamodb-admin is only run against an endpoint on this machine, not {dynamo_endpoint}")
    node_modules = install_node_clients()
    if port is None:
        port = free_port()
    else:
        _ensure_port_unused(port)
    argv = [_node(), str(node_modules / "dynamodb-admin" / "dist" / "dynamodb-admin.js"),
            "--host", _HOST, "--port", str(port), "--dynamo-endpoint", dynamo_endpoint]
    env = {**node_environment(), "DYNAMO_ENDPOINT": dynamo_endpoint, "AWS_ACCESS_KEY_ID": access_key,
           "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": region}
    env.pop("AWS_SESSION_TOKEN", None)
    with (
        tempfile.TemporaryDirectory(prefix="dynastore-dynamodb-admin-") as tmp,
        _run_server("dynamodb-admin", argv, port, _admin_answers, Path(tmp), env=env) as server,
    ):
        yield server
