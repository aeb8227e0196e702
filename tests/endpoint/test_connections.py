"""Many connections at once: SDK connection pools open dozens together (the JS SDK's up to 50).

Connections wait in the listening socket's queue until the server accepts them; when
that queue is full, the kernel drops the client's SYN and the client tries again after
1, 3, 7 ... seconds (the JS SDK saw requests of a burst take a minute, or fail with
ECONNRESET). The queue must hold a pool's worth of connections.
"""

from __future__ import annotations

import socket

from dynastore.endpoint import EndpointServer

POOL = 64


def test_a_pool_of_connections_is_queued_before_the_server_accepts() -> None:
    server = EndpointServer("127.0.0.1", 0, shared_db=True, ttl_sweep_seconds=None)  # listening, not yet accepting
    clients: list[socket.socket] = []
    try:
        for _ in range(POOL):
            # the handshake is the kernel's alone: it completes while the queue has room, else times out
            clients.append(socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10))
        server.start()
        for c in clients:
            c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        for c in clients:
            with c.makefile("rb") as answer:
                assert answer.readline() == b"HTTP/1.1 200 OK\r\n"
    finally:
        for c in clients:
            c.close()
        server.close()
