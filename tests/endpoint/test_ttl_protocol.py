"""UpdateTimeToLive / DescribeTimeToLive, sent raw to DynamoDB Local and to `dynastore endpoint`.

Each case starts from a fresh table (TTL off, or on for ``exp``), sends one UpdateTimeToLive to both servers
and requires the same answer (status, error type, message of a validation error) and then the same
DescribeTimeToLive: a refused change must leave TTL as it was.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance._support import unique_name

from ._raw import Reply, send, table_on_each
from ._verdict import check_marks, judge

CREATE = {"BillingMode": "PAY_PER_REQUEST", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
          "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}
_MISSING = ("DynamoDB refuses a missing member of TimeToLiveSpecification with its constraint message (and the "
            "member's path); DynamoDB Local says 'AttributeName cannot be null when time to live is being enabled'")
_FAILS = "DynamoDB Local fails with a 500 InternalFailure; DynamoDB refuses the wrong JSON type"

#: (case id, TTL attribute before (None: off), TimeToLiveSpecification)
CASES: list[tuple[str, str | None, Any]] = [
    ("enable", None, {"Enabled": True, "AttributeName": "exp"}),
    ("enable-on-key", None, {"Enabled": True, "AttributeName": "pk"}),
    ("enable-longest-name", None, {"Enabled": True, "AttributeName": "x" * 255}),
    ("enable-empty-name", None, {"Enabled": True, "AttributeName": ""}),
    ("enable-name-too-long", None, {"Enabled": True, "AttributeName": "x" * 256}),
    ("enable-again", "exp", {"Enabled": True, "AttributeName": "exp"}),
    ("enable-other", "exp", {"Enabled": True, "AttributeName": "other"}),
    ("disable", "exp", {"Enabled": False, "AttributeName": "exp"}),
    ("disable-other", "exp", {"Enabled": False, "AttributeName": "other"}),
    ("disable-when-off", None, {"Enabled": False, "AttributeName": "exp"}),
    ("enabled-number", None, {"Enabled": 1, "AttributeName": "exp"}),
    ("enabled-string", None, {"Enabled": "yes", "AttributeName": "exp"}),
    ("no-enabled", None, {"AttributeName": "exp"}),
    ("no-name", None, {"Enabled": True}),
    ("no-name-disabling", "exp", {"Enabled": False}),
    ("not-an-object", None, "x"),
    ("name-number", None, {"Enabled": True, "AttributeName": 5}),
]

KNOWN: dict[str, tuple[str, str]] = {
    "enabled-string": ("SerializationException", _FAILS),
    "not-an-object": ("SerializationException", _FAILS),
    "no-enabled": ("ValidationException", _MISSING),
    "no-name": ("ValidationException", _MISSING),
    "no-name-disabling": ("ValidationException", _MISSING),
    "name-number": ("SerializationException", "DynamoDB Local turns a JSON number into a string; DynamoDB's "
                                              "protocol refuses the wrong JSON type"),
}
REMAINING: dict[str, str] = {}


def answer(reply: Reply) -> tuple[int, str | None, str | None]:
    if reply.status == 200:
        return 200, None, None
    return reply.status, reply.error_type, reply.message if reply.error_type == "ValidationException" else None


@pytest.mark.parametrize("case, before, spec", CASES, ids=[c[0] for c in CASES])
def test_same_answer_and_same_state(servers: dict[str, str], case: str, before: str | None, spec: Any) -> None:
    with table_on_each(servers, {"TableName": unique_name("ttl"), **CREATE}) as name:
        if before is not None:
            for url in servers.values():
                on = {"TableName": name, "TimeToLiveSpecification": {"Enabled": True, "AttributeName": before}}
                assert send(url, "UpdateTimeToLive", on).status == 200
        replies = {k: send(url, "UpdateTimeToLive", {"TableName": name, "TimeToLiveSpecification": spec})
                   for k, url in servers.items()}
        states = {k: send(url, "DescribeTimeToLive", {"TableName": name}).body for k, url in servers.items()}
    ours, local = answer(replies["endpoint"]), answer(replies["local"])
    judge(case, ours, local, KNOWN, REMAINING)
    if case in KNOWN:  # refused here, where DynamoDB Local may have taken it: TTL is as it was
        assert states["endpoint"] == {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"} if before is None else
                                      {"TimeToLiveStatus": "ENABLED", "AttributeName": before}}
        return
    assert states["endpoint"] == states["local"]
    if ours == (200, None, None):
        assert replies["endpoint"].body == replies["local"].body


def test_every_marked_case_exists() -> None:
    check_marks(CASES, KNOWN, REMAINING)
