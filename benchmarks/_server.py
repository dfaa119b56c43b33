"""What the service benchmarks share: start one of their servers in its own process on a
free 127.0.0.1 port and wait until it listens (bounded: 600 s; on a machine with 25 runnable
processes per 2 cores a server with two workers took more than 3 minutes to listen)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(script: str, name: str, *args: str) -> tuple[subprocess.Popen[bytes], int]:
    """Run ``script --port PORT *args`` and return the process and its port once it listens."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, script, *args, "--port", str(port)],
                            stderr=subprocess.DEVNULL, start_new_session=True)
    return proc, _wait(proc, port, name)


def _wait(proc: subprocess.Popen[bytes], port: int, name: str) -> int:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return port
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"{name} server exited with {proc.returncode}") from None
            time.sleep(0.1)
    # the whole process group: a server with several workers has spawned them already
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    raise SystemExit(f"{name} server did not start")


def start_command(command: Callable[[int], tuple[list[str], dict[str, str]]],
                  name: str, port: int | None = None) -> tuple[subprocess.Popen[bytes], int]:
    """Run ``command(port)`` (argv, environment) on ``port`` (default: a free one); the
    process and its port once it listens."""
    port = port or free_port()
    argv, env = command(port)
    proc = subprocess.Popen(argv, env=env, stderr=subprocess.DEVNULL, start_new_session=True)
    return proc, _wait(proc, port, name)
