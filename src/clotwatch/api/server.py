"""The HTTP protocol ``clotwatch serve --workers N`` gives uvicorn: TCP_NODELAY on every
connection.

With several workers uvicorn binds the listening socket itself (``socket.socket(family)``, so
its ``proto`` is 0) and asyncio then leaves Nagle's algorithm on for the accepted connections
(it sets TCP_NODELAY only where ``proto`` is IPPROTO_TCP). A response written in two parts (head,
then body) then waits for the client's delayed ACK: about 40 ms added to every call on Linux
(measured: discovery p50 1.2 ms with one worker, 44 ms with two; docs/benchmarks.md). One
worker is unaffected: uvicorn lets asyncio create its socket.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """uvicorn's HTTP protocol (httptools or h11), with TCP_NODELAY set on connection."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock: Any = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # a transport that is not a TCP socket after all
                pass
        super().connection_made(transport)
