"""The ``dynastore`` command starts without importing what only some commands need (botocore, the chat app ...).

`dynastore endpoint` must answer within half a second of its launch; most of that
is import time, so the command modules import their heavy dependencies inside
the command functions. This checks which modules a bare ``import dynastore.cli``
loads (no timings: those belong to the benchmark).
"""

import subprocess
import sys

from dynastore.apps.chat import DEFAULT_TABLE
from dynastore.cli import messages as messages_cli
from dynastore.cli import transfer as transfer_cli
from dynastore.transfer.jsonl import FORMATS

HEAVY = ("botocore", "boto3", "aiobotocore", "dynastore.apps.chat", "dynastore.blobs", "dynastore.engines.fallback",
         "dynastore.store", "dynastore.transfer", "dynastore.cleanup", "dynastore.sync", "fastapi", "uvicorn",
         "dynastore.api")


def test_importing_the_cli_loads_none_of_the_heavy_modules() -> None:
    code = ("import sys, dynastore.cli, dynastore.endpoint.server, dynastore.engines.sqlite; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""


def test_constants_spelt_out_for_the_help_texts_match_their_sources() -> None:
    assert messages_cli.DEFAULT_TABLE == DEFAULT_TABLE
    assert transfer_cli.FORMATS == FORMATS
