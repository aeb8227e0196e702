"""A DynamoDB that does nothing: canned answers at once, to time the boto3 client alone.

``python -m benchmarks.null_server`` prints its port and serves until killed.
The endpoint benchmark runs its boto3 workload against it too: what is left
of a round trip is the client's own work (serialising, signing, parsing) and
the loopback socket, so ``moto ops/s / null ops/s`` bounds the ratio any
server can reach against moto_server on that operation.

The answers have the real shapes and sizes: GetItem returns one order,
Query the 50 orders of a partition, so the client parses what it would parse.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import zlib

from dynastore.codec import serialize_item

from . import workload as w
from .network import PER_PARTITION, RAW_TABLE


def _answers() -> dict[bytes, bytes]:
    order = serialize_item(w.item(0, 0))
    orders = [serialize_item(w.item(0, s)) for s in range(PER_PARTITION)]
    table = {"TableName": RAW_TABLE, "TableStatus": "ACTIVE", "ItemCount": 0,
             "KeySchema": [{"AttributeName": w.PK, "KeyType": "HASH"}, {"AttributeName": w.SK, "KeyType": "RANGE"}]}
    bodies = {
        "CreateTable": {"TableDescription": table},
        "DescribeTable": {"Table": table},
        "ListTables": {"TableNames": [RAW_TABLE]},
        "GetItem": {"Item": order},
        "PutItem": {},
        "Query": {"Items": orders, "Count": len(orders), "ScannedCount": len(orders)},
        "BatchWriteItem": {"UnprocessedItems": {}},
    }
    return {k.encode(): json.dumps(v, separators=(",", ":")).encode() for k, v in bodies.items()}


def _serve(conn: socket.socket, answers: dict[bytes, bytes]) -> None:
    f = conn.makefile("rb")
    while f.readline():
        length, target = 0, b""
        while (line := f.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"x-amz-target":
                target = value.strip().rpartition(b".")[2]
        f.read(length)
        body = answers.get(target, b"{}")
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nx-amzn-RequestId: 0\r\n"
                     b"x-amz-crc32: %d\r\nContent-Length: %d\r\n\r\n%s" % (zlib.crc32(body), len(body), body))


def main() -> None:
    answers = _answers()
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    print(server.getsockname()[1], flush=True)
    while True:
        conn, _ = server.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=_serve, args=(conn, answers), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
