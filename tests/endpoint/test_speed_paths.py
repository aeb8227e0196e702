"""The endpoint's fast paths answer exactly as the general ones.

- Requests are parsed by the handler's own header reader for ``POST ... HTTP/1.1``
  (every SDK call), by http.server for anything else: both must give the same
  answers, refuse the same malformed requests, and keep or close the
  connection as HTTP says.
- Acknowledged writes are durable: answered only once committed to the file.
- Request AttributeValues are decoded by `codec.deserialize_checked`, whose
  fast path for strings and small integers must match its general path
  (`tests/endpoint/test_wire.py` checks single values; here whole nested items).
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dynastore.codec import _checked, deserialize_checked
from dynastore.endpoint import EndpointServer
from dynastore.errors import ValidationError

AUTH = ("AWS4-HMAC-SHA256 Credential=speed/20240101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host;x-amz-date;x-amz-target, Signature=00")


@pytest.fixture(scope="module")
def server() -> Iterator[EndpointServer]:
    with EndpointServer("127.0.0.1", 0, shared_db=True, ttl_sweep_seconds=None) as s:
        yield s


def _connect(server: EndpointServer) -> socket.socket:
    return socket.create_connection(server.server_address[:2], timeout=10)


def _request(target: str, body: bytes, *, version: str = "HTTP/1.1", extra: str = "") -> bytes:
    return (f"POST / {version}\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0\r\n"
            f"X-Amz-Target: DynamoDB_20120810.{target}\r\nAuthorization: {AUTH}\r\n{extra}"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def _read_reply(sock: socket.socket) -> tuple[str, dict[str, str], bytes]:
    """One HTTP response: status line, headers (lower-case names), body ('' when the server closed).

    Reads through the socket's one buffered reader, so a reply arriving with the one before it is kept."""
    f = _READERS.setdefault(sock, sock.makefile("rb"))
    status = f.readline().decode("latin-1").rstrip("\r\n")
    if not status:
        return "", {}, b""
    headers = {}
    while (line := f.readline()) not in (b"\r\n", b""):
        k, _, v = line.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, f.read(int(headers.get("content-length", "0")))


_READERS: dict[socket.socket, Any] = {}


def _closed(sock: socket.socket) -> bool:
    try:
        return _READERS.setdefault(sock, sock.makefile("rb")).read(1) == b""
    except ConnectionResetError:
        return True


def test_every_request_version_gets_the_same_answers(server: EndpointServer) -> None:
    create = json.dumps({"TableName": "speed_t", "BillingMode": "PAY_PER_REQUEST",
                         "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                         "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}).encode()
    with _connect(server) as s:
        s.sendall(_request("CreateTable", create))
        assert _read_reply(s)[0] == "HTTP/1.1 200 OK"
    put = json.dumps({"TableName": "speed_t", "Item": {"pk": {"S": "a"}, "n": {"N": "12"}}}).encode()
    get = json.dumps({"TableName": "speed_t", "Key": {"pk": {"S": "a"}}}).encode()
    bad = json.dumps({"TableName": "speed_t", "Item": {"n": {"N": "1"}}}).encode()
    answers = {}
    for version in ("HTTP/1.1", "HTTP/1.0"):  # 1.0 goes through http.server's own parser
        with _connect(server) as s:
            replies = []
            for target, body in (("PutItem", put), ("GetItem", get), ("PutItem", bad)):
                s.sendall(_request(target, body, version=version, extra="Connection: keep-alive\r\n"))
                status, headers, raw = _read_reply(s)
                assert headers["x-amz-crc32"] and headers["x-amzn-requestid"] and headers["date"].endswith("GMT")
                replies.append((status.split(" ", 1)[1], json.loads(raw)))
        answers[version] = replies
    assert answers["HTTP/1.1"] == answers["HTTP/1.0"]
    assert answers["HTTP/1.1"][1][1] == {"Item": {"pk": {"S": "a"}, "n": {"N": "12"}}}
    assert answers["HTTP/1.1"][2][0].startswith("400")


def test_headers_are_read_as_http_says(server: EndpointServer) -> None:
    body = b"{}"
    with _connect(server) as s:
        # names in any case, the first of repeated headers, a folded continuation line, Expect: 100-continue
        s.sendall(b"POST / HTTP/1.1\r\nhost: x\r\nx-amz-target: DynamoDB_20120810.ListTables\r\n"
                  b"X-AMZ-TARGET: DynamoDB_20120810.Nonsense\r\nUser-Agent: a\r\n  folded\r\n"
                  b"Expect: 100-continue\r\nauthorization: " + AUTH.encode() + b"\r\nContent-Length: 2\r\n\r\n" + body)
        status, _, _ = _read_reply(s)
        assert status == "HTTP/1.1 100 Continue"
        status, _, raw = _read_reply(s)
        assert status == "HTTP/1.1 200 OK" and "TableNames" in json.loads(raw)
        # the connection stays open for the next request ...
        s.sendall(_request("ListTables", body, extra="Connection: close\r\n"))
        assert _read_reply(s)[0] == "HTTP/1.1 200 OK"
        assert _closed(s)  # ... until a request says close


@pytest.mark.parametrize("raw, status", [
    (b"POST / HTTP/1.1\r\nno colon here\r\n\r\n", "400"),
    (b"POST / HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(101)) + b"\r\n", "431"),
    (b"POST / HTTP/1.1\r\nX-Long: " + b"v" * 70000 + b"\r\n\r\n", "431"),
    (b"BREW / HTTP/1.1\r\n\r\n", "501"),
    (b"POST / x HTTP/1.1\r\n\r\n", "400"),
])
def test_malformed_requests_are_refused_and_closed(server: EndpointServer, raw: bytes, status: str) -> None:
    with _connect(server) as s:
        s.sendall(raw)
        line, _, _ = _read_reply(s)
        assert line.split(" ")[1] == status
        assert _closed(s)


def test_health_check_is_served_by_the_general_parser(server: EndpointServer) -> None:
    with _connect(server) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, raw = _read_reply(s)
    assert status == "HTTP/1.1 200 OK" and raw == b"healthy: dynastore endpoint"


# -- decoding ----------------------------------------------------------------------------------

SCALARS = st.one_of(
    st.builds(lambda s: {"S": s}, st.text(max_size=5)),
    st.builds(lambda n: {"N": str(n)}, st.integers(-(10**20), 10**20)),
    st.builds(lambda t: {"N": t}, st.sampled_from(["1.50", "-0", "007", "1e3", "x", "", " 5"])),
    st.builds(lambda b: {"BOOL": b}, st.booleans()),
    st.sampled_from([{"NULL": True}, {"NULL": False}, {}, {"S": "a", "N": "1"}, {"SS": ["a", "a"]}, {"NS": ["1"]}]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.builds(lambda xs: {"L": xs}, st.lists(inner, max_size=3)),
    st.builds(lambda m: {"M": m}, st.dictionaries(st.text(max_size=3), inner, max_size=3)),
), max_leaves=10)


def _outcome(decode: Any, av: Any) -> Any:
    try:
        return "ok", decode(av)
    except ValidationError as e:
        return "error", e.message


def _general(av: Any) -> Any:
    """The decoder without its fast path, at every depth."""
    import dynastore.codec as codec

    fast = codec.deserialize_checked
    codec.deserialize_checked = codec._checked  # nested values recurse through the module's name
    try:
        return _checked(av)
    finally:
        codec.deserialize_checked = fast


@settings(max_examples=300)
@given(VALUES)
def test_nested_values_decode_as_the_general_path_does(av: Any) -> None:
    fast, general = _outcome(deserialize_checked, av), _outcome(_general, av)
    assert fast == general
    if fast[0] == "ok":
        assert repr(fast[1]) == repr(general[1])  # the same types too (int, not Decimal)


# -- durability ----------------------------------------------------------------------------------


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    """Every PutItem and BatchWriteItem answered 200 is in the file after the process is killed outright."""
    from ._raw import send

    db = str(tmp_path / "durable.db")

    def start() -> tuple[subprocess.Popen[str], str]:
        exe = Path(sys.executable).with_name("dynastore")
        proc = subprocess.Popen([str(exe), "endpoint", "--port", "0", "--db", db, "--shared-db", "--ttl-sweep", "0"],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        return proc, proc.stdout.readline().split("listening on ", 1)[1].split()[0]

    proc, url = start()
    try:
        assert send(url, "CreateTable", {
            "TableName": "durable", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "g")],
            "GlobalSecondaryIndexes": [{"IndexName": "byG", "Projection": {"ProjectionType": "ALL"},
                                        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}],
        }).status == 200
        acknowledged = []
        for i in range(40):
            item = {"pk": {"S": "p"}, "sk": {"S": f"put{i:03d}"}, "g": {"S": "x"}}
            assert send(url, "PutItem", {"TableName": "durable", "Item": item}).status == 200
            acknowledged.append(f"put{i:03d}")
        for b in range(4):
            keys = [f"batch{b}-{j:02d}" for j in range(25)]
            reply = send(url, "BatchWriteItem", {"RequestItems": {"durable": [
                {"PutRequest": {"Item": {"pk": {"S": "p"}, "sk": {"S": k}, "g": {"S": "x"}}}} for k in keys]}})
            assert reply.status == 200 and reply.body["UnprocessedItems"] == {}
            acknowledged += keys
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    proc, url = start()
    try:
        found: list[str] = []
        start_key = None
        while True:
            body = {"TableName": "durable", "KeyConditionExpression": "pk = :p",
                    "ExpressionAttributeValues": {":p": {"S": "p"}}}
            page = send(url, "Query", body | ({"ExclusiveStartKey": start_key} if start_key else {})).body
            found += [i["sk"]["S"] for i in page["Items"]]
            start_key = page.get("LastEvaluatedKey")
            if not start_key:
                break
        assert sorted(found) == sorted(acknowledged)
        by_index = send(url, "Query", {"TableName": "durable", "IndexName": "byG", "Select": "COUNT",
                                       "KeyConditionExpression": "g = :g",
                                       "ExpressionAttributeValues": {":g": {"S": "x"}}}).body
        assert by_index["Count"] == len(acknowledged)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# -- encoding ------------------------------------------------------------------------------------

CANONICAL = st.recursive(
    st.one_of(st.text(max_size=4), st.integers(-(10**30), 10**30), st.booleans(), st.none(), st.binary(max_size=4),
              st.decimals(allow_nan=False, allow_infinity=False, places=2).map(lambda d: d.normalize()),
              st.frozensets(st.text(max_size=3), min_size=1, max_size=3).map(set),
              st.frozensets(st.integers(-99, 99), min_size=1, max_size=3).map(set),
              st.frozensets(st.binary(min_size=1, max_size=3), min_size=1, max_size=3).map(set)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=10,
)


@settings(max_examples=300)
@given(st.dictionaries(st.text(max_size=3), CANONICAL, max_size=5))
def test_items_encode_as_the_codec_serializes_them(item: dict[str, Any]) -> None:
    from dynastore.codec import serialize
    from dynastore.endpoint.wire import _b64, encode_item

    assert encode_item(item) == {k: _b64(serialize(v)) for k, v in item.items()}
