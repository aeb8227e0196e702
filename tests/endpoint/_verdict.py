"""The verdict of a table of cases sent to DynamoDB Local and to the endpoint (test_protocol_errors.py,
test_streams_protocol.py): the same answer, or a difference marked and explained."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

Answer = tuple[int, "str | None", "str | None"]


def judge(case: str, ours: Answer, local: Answer, known: Mapping[str, tuple[str, str]],
          remaining: Mapping[str, str]) -> None:
    """``known``: case -> (the endpoint's error type, "" for a success; why DynamoDB Local is not DynamoDB here);
    ``remaining``: case -> why the answers still differ, not settled (an expected failure)."""
    if case in known:
        error_type, _why = known[case]
        assert ours != local, f"{case} is marked as a known difference but both answer {ours}"
        assert ours[:2] == ((400, error_type) if error_type else (200, None)), ours
        return
    if case in remaining:
        assert ours != local, f"{case} now answers as DynamoDB Local: take it out of REMAINING"
        pytest.xfail(remaining[case])
    assert ours == local


def check_marks(cases: Sequence[tuple[Any, ...]], known: Mapping[str, Any], remaining: Mapping[str, str]) -> None:
    """Case ids are unique, and every marked case is one of them, marked once."""
    ids = {c[0] for c in cases}
    assert len(ids) == len(cases)
    assert set(known) <= ids and set(remaining) <= ids and not set(known) & set(remaining)
