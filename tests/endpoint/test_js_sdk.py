"""The AWS SDK for JavaScript v3 talks to `dynastore endpoint` with only its endpoint set.

`js_sdk_client.cjs` (next to this file) is the application: it runs once, under node,
against the session's in-process endpoint, and prints what the SDK handed back; the
tests below check those values.  The SDK's packages are pinned in
`dynastore.testing.node` and installed once into the cache by the machine's npm.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance._support import unique_name
from dynastore.endpoint import EndpointServer
from dynastore.testing.node import run_node

SCRIPT = Path(__file__).with_name("js_sdk_client.cjs")
SIGNED = Path(__file__).with_name("js_sdk_signed.cjs")


def n(value: str) -> dict[str, str]:
    """A number as the script spells it: the SDK's exact NumberValue, as text."""
    return {"number": value}


@pytest.fixture(scope="module")
def table() -> str:
    return unique_name("js")


@pytest.fixture(scope="module")
def out(dynastore_endpoint: str, table: str) -> dict[str, Any]:
    done = run_node(SCRIPT, dynastore_endpoint, table)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_create_table_with_a_global_index_and_the_waiter(out: dict[str, Any], table: str) -> None:
    assert out["createdStatus"] == "ACTIVE" and out["waiterState"] == "SUCCESS"
    assert out["described"] == {
        "status": "ACTIVE",
        "keySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "billing": "PAY_PER_REQUEST",
        "indexes": [{"name": "by-g", "status": "ACTIVE",
                     "projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["label"]}}],
        "arnEndsWithName": True,
        "creationIsDate": True,  # the epoch seconds DynamoDB sends, read by the SDK as a Date
    }
    assert out["listTables"]["listed"] and out["listTables"]["largestPage"] <= 2
    assert out["ttl"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
    assert out["tags"] == [{"Key": "team", "Value": "js"}]


def test_document_client_marshalling_round_trip(out: dict[str, Any]) -> None:
    assert out["documentItem"] == {
        "pk": "doc", "sk": n("1"), "g": "green", "label": "first",
        "whole": n("42"), "fraction": n("1.5"), "negative": n("-7"), "exact": n("12345678901234567890.123"),
        "strings": {"set": ["a", "b"]}, "numbers": {"set": [n("1"), n("2"), n("3")]},
        "bytes": {"bytes": [0, 1, 2, 250, 255]}, "byteSets": {"set": [{"bytes": [1]}, {"bytes": [2, 3]}]},
        "nested": {"list": [n("1"), "two", None, True, {"deep": [False]}], "map": {"empty": "", "with space": "x"}},
        "nothing": None, "yes": True,  # `gone: undefined` was left out (removeUndefinedValues)
    }
    # the low-level client sees DynamoDB JSON; a nested projection keeps only the projected path
    assert out["rawProjection"] == {
        "nested": {"M": {"list": {"L": [{"M": {"deep": {"L": [{"BOOL": False}]}}}]}}},
        "exact": {"N": "12345678901234567890.123"},
        "bytes": {"B": {"bytes": [0, 1, 2, 250, 255]}},
    }


def test_update_expressions_and_return_values(out: dict[str, Any]) -> None:
    # UPDATED_NEW of a nested path is the updated fragment, as DynamoDB answers (docs/conformance.md)
    assert out["updatedNew"] == {
        "count": n("1"),
        "nested": {"list": [n("1"), "two", None, True, {"deep": [False]}, "more"]},
        "numbers": {"set": [n("1"), n("2"), n("3"), n("4")]},
        "strings": {"set": ["b"]},
    }
    assert out["updatedOld"] == {"count": n("1")}
    assert out["putNewAllOld"] is None


def test_conditional_check_failed_is_the_sdk_exception_with_the_old_item(out: dict[str, Any]) -> None:
    assert out["conditionFailed"] == {
        "name": "ConditionalCheckFailedException", "isClass": True, "isServiceException": True, "status": 400,
        "requestId": True, "message": "The conditional request failed",
        "item": {"pk": {"S": "doc"}, "sk": {"N": "2"}, "g": {"S": "green"}, "label": {"S": "second"}},
    }


def test_batch_write_and_get(out: dict[str, Any]) -> None:
    assert out["batchWriteUnprocessed"] == [0, 0]
    assert out["batchGet"] == [{"sk": n("3"), "label": "row 3"}, {"sk": n("5"), "label": "row 5"},
                               {"sk": n("39"), "label": "row 39"}]  # sk 99 does not exist
    assert out["batchGetUnprocessed"] == 0


def test_query_pages_index_and_count(out: dict[str, Any]) -> None:
    # sk 30 down to 5, 7 read per page, the even ones kept
    assert out["queryPages"] == [
        {"count": 4, "scanned": 7, "sks": [30, 28, 26, 24], "more": True},
        {"count": 3, "scanned": 7, "sks": [22, 20, 18], "more": True},
        {"count": 4, "scanned": 7, "sks": [16, 14, 12, 10], "more": True},
        {"count": 2, "scanned": 5, "sks": [8, 6], "more": False},
    ]
    assert out["indexItems"] == [  # INCLUDE label: the table's keys, the index's and label
        {"pk": "batch", "sk": n("1"), "g": "odd", "label": "row 1"},
        {"pk": "batch", "sk": n("3"), "g": "odd", "label": "row 3"},
    ]
    assert out["queryCount"] == {"count": 11, "scanned": 40, "items": True}  # row 1, row 10..19; no Items


def test_scan_pages_and_segments(out: dict[str, Any]) -> None:
    labels = ["row 1"] + [f"row {i}" for i in range(10, 20)] + ["row 21", "row 31"]
    assert out["scan"] == {"pages": 5, "scanned": 42, "labels": sorted(labels)}
    everything = sorted([f"batch/{i}" for i in range(40)] + ["doc/1", "doc/2"])
    assert out["segmentKeys"] == everything and sum(out["segmentSizes"]) == 42


def test_transaction_cancelled_with_reasons_then_written(out: dict[str, Any]) -> None:
    cancelled = out["transactionCancelled"]
    assert cancelled["name"] == "TransactionCanceledException" and cancelled["isClass"]
    assert cancelled["status"] == 400
    assert cancelled["message"] == ("Transaction cancelled, please refer cancellation reasons for specific reasons "
                                    "[None, ConditionalCheckFailed, None]")
    assert cancelled["reasons"] == [
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed.",
         "Item": {"pk": {"S": "doc"}, "sk": {"N": "2"}, "g": {"S": "green"}, "label": {"S": "second"}}},
        {"Code": "None"},
    ]
    assert out["cancelledPutVisible"] is False
    assert out["transactGet"] == [{"pk": "tx", "sk": n("1"), "label": "written"}, {"label": "changed"}, None]
    assert out["deletedOld"] == {"pk": "tx", "sk": n("1"), "label": "written"}


def test_a_hundred_requests_at_once(out: dict[str, Any]) -> None:
    assert out["burst"] == {"failures": {}, "labelsRight": 100}


def test_errors_and_delete_table(out: dict[str, Any], table: str) -> None:
    assert out["validation"] == {"name": "ValidationException", "isServiceException": True, "status": 400,
                                 "requestId": True, "message": "The provided key element does not match the schema"}
    assert out["deletedTableName"] == table and out["notExistsWaiterState"] == "SUCCESS"
    assert out["missingTable"] == {"name": "ResourceNotFoundException", "isClass": True, "isServiceException": True,
                                   "status": 400, "requestId": True,
                                   "message": "Cannot do operations on a non-existent table"}


def test_signatures_checked_with_auth() -> None:
    """The SDK's SigV4 (session token, non-ASCII key, a 5 KB body) verifies against `--auth` keys."""
    with EndpointServer("127.0.0.1", 0, auth_keys={"AKIDJS": "js-secret"}, ttl_sweep_seconds=None) as server:
        def run(key: str, secret: str) -> dict[str, Any]:
            done = run_node(SIGNED, server.url, "signed", key, secret)
            assert done.returncode == 0, done.stderr
            answer: dict[str, Any] = json.loads(done.stdout)
            return answer

        assert run("AKIDJS", "js-secret") == {"tables": ["signed"], "item": {"id": "grüße ✓", "bodyLength": 5000}}
        assert run("AKIDJS", "not-the-secret") == {"error": "InvalidSignatureException", "status": 400}
        assert run("SOMEONE", "js-secret") == {"error": "UnrecognizedClientException", "status": 400}
