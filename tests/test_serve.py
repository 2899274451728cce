"""`stretchsync serve` brings the service up on a fresh SQLite database, as the README says."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_migrates_and_answers(tmp_path):
    exe = shutil.which("stretchsync", path=os.path.dirname(sys.executable)) or shutil.which("stretchsync")
    if exe is None:
        pytest.fail("the stretchsync console script is not installed")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLUGIN_")}
    env["PLUGIN_DATABASE_URL"] = f"sqlite:///{tmp_path / 'serve.db'}"
    proc = subprocess.Popen(
        [exe, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/routines", timeout=2)
                break
            except requests.ConnectionError:
                if proc.poll() is not None:
                    pytest.fail(proc.stdout.read().decode())
                if time.monotonic() > deadline:
                    pytest.fail("no answer in 30 s")
                time.sleep(0.2)
        assert response.status_code == 200
        assert "daily-hamstring" in {r["id"] for r in response.json()}
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()["database"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
