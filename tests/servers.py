"""Start real servers for the tests: a free loopback port, and a process that answers before use."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import requests


def free_port() -> int:
    """A port nobody listens on right now (others run tests on this machine too)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running(
    args: Sequence[str],
    ready_url: str,
    log_path: Path,
    env: dict[str, str] | None = None,
    timeout: float = 30,
) -> Iterator[subprocess.Popen]:
    """Run ``args`` until the block ends; enter only once ``ready_url`` answers.

    A process that dies or never answers fails with its own output, so the test says why.
    """
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(list(args), env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    requests.get(ready_url, timeout=2)
                    break
                except (requests.ConnectionError, requests.Timeout):  # a loaded machine starts slowly
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"{args[0]} did not answer:\n{log_path.read_text()}") from None
                    time.sleep(0.1)
            yield proc
        finally:
            stop(proc)


def stop(proc: subprocess.Popen, grace_s: float = 10) -> None:
    """Terminate, and kill what does not stop in time (Radicale may sit on a failed-login delay)."""
    proc.terminate()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=grace_s)
