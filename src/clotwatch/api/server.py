"""What ``clotwatch serve`` gives each serving process: its set-up loaded and frozen before the
first call (``prepare_process``), and with ``--workers N`` an HTTP protocol with TCP_NODELAY on
every connection.

With several workers uvicorn binds the listening socket itself (``socket.socket(family)``, so
its ``proto`` is 0) and asyncio then leaves Nagle's algorithm on for the accepted connections
(it sets TCP_NODELAY only where ``proto`` is IPPROTO_TCP). A response written in two parts (head,
then body) then waits for the client's delayed ACK: about 40 ms added to every call on Linux
(measured: discovery p50 1.2 ms with one worker, 44 ms with two; docs/benchmarks.md). One
worker is unaffected: uvicorn lets asyncio create its socket.
"""

from __future__ import annotations

import asyncio
import gc
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


class OneAcceptLoop(asyncio.SelectorEventLoop):
    """The asyncio event loop of a ``clotwatch serve --workers N`` worker, taking one new
    connection each time the shared listening socket is ready, not every one waiting.

    All workers wait on the one listening socket; asyncio's loop accepts up to 100 waiting
    connections each time it is woken, so whichever worker woke first took a whole burst of
    them. Measured with 20 keep-alive connections opened at once (wrk) to 2 workers (issue 13,
    docs/benchmarks.md), 8 bursts on a busy machine: 20/0 in 7 of them, 19/1 in the eighth;
    a keep-alive connection stays with its worker, so one worker did the work of both while
    the other idled. Taking one connection per wake-up, the workers take turns (a busy worker,
    whose loop comes round less often, takes fewer): 10/10 or 11/9 in 6 of 8 bursts in the
    same minutes (16/4 and 20/0 in the others). The kernel's queue still holds the waiting
    connections (``--backlog`` is unchanged). ``_accept_connection`` is asyncio's own
    (CPython 3.8 to 3.14); the test calls it as a wake-up does, and fails if it goes.
    """

    def _accept_connection(self, protocol_factory: Any, sock: Any, sslcontext: Any = None,
                           server: Any = None, backlog: int = 100, *rest: Any) -> None:
        super()._accept_connection(  # type: ignore[misc]
            protocol_factory, sock, sslcontext, server, 1, *rest)


def prepare_process() -> None:
    """Before a serving process takes its first call: load what every CDS call reads and no
    call changes (``clotwatch.service.cds.prepare``), then move every object alive now out of
    the garbage collector's reach (``gc.freeze``).

    Why (issue 13, docs/benchmarks.md): with 20 CDS calls in flight a call's objects (its
    parsed prefetch) live long enough to be promoted to the oldest generation, so full
    collections ran every hundred calls or so, and each walked every object of the process --
    the framework, the database layer, the FHIR models and code sets, about 190,000 objects --
    for tens of milliseconds. Frozen, those are no longer walked; objects made later (every
    call's) are collected as before, and a frozen object is still freed when its last
    reference goes (freezing stops only the search for reference cycles among them, which
    set-up does not leave behind). Costs about 0.1-0.3 s at start, and the first call no
    longer pays for loading the FHIR models.

    Then the youngest generation is collected after ``GC_YOUNG_THRESHOLD`` more objects than
    were freed, not Python's 700: a call's objects are freed by their reference counts when
    it ends (a prefetch makes no cycles), but 20 calls in flight hold more than 700 between
    them, so the collector ran about 1.4 times a call, for nothing, 0.14-0.18 ms of CPU per
    call (measured in process, 20 in flight; 1 collection in 600 calls with the new
    threshold). Cycles, if any, are still found: later, and at most this many objects later.
    """
    from clotwatch.service import cds

    cds.prepare()
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


GC_YOUNG_THRESHOLD = 10_000
