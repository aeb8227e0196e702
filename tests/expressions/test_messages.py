"""The parser refuses (and accepts) exactly what DynamoDB does, with DynamoDB's words.

Every case in `_cases` is checked twice: against the message recorded from
DynamoDB Local, and live against DynamoDB Local itself (the ``live`` fixture),
so a recording that drifts from the service fails loudly.
"""

from __future__ import annotations

from typing import Any

import pytest

from ._cases import ALL, Case
from ._support import dynamodb_says, ours


def _case_id(case: Case) -> str:
    kind, text = case[0], case[1]
    return f"{kind}:{text[:40]}" + (f"..({len(text)})" if len(text) > 40 else "")


@pytest.mark.parametrize("case", ALL, ids=[_case_id(c) for c in ALL])
def test_parser_gives_dynamodbs_answer(case: Case) -> None:
    kind, text, names, values, expected = case
    assert ours(kind, text, names, values) == expected


@pytest.mark.parametrize("case", ALL, ids=[_case_id(c) for c in ALL])
def test_dynamodb_local_gives_the_recorded_answer(live: tuple[Any, str], case: Case) -> None:
    kind, text, names, values, expected = case
    client, table = live
    assert dynamodb_says(client, table, kind, text, names, values, expected) == expected
