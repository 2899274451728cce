"""`stretchsync serve` brings the service up on a fresh SQLite database, as the README says."""

from __future__ import annotations

import os
import shutil
import sys

import pytest
import requests
from servers import free_port, running


def test_serve_migrates_and_answers(tmp_path):
    exe = shutil.which("stretchsync", path=os.path.dirname(sys.executable)) or shutil.which("stretchsync")
    if exe is None:
        pytest.fail("the stretchsync console script is not installed")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLUGIN_")}
    env["PLUGIN_DATABASE_URL"] = f"sqlite:///{tmp_path / 'serve.db'}"
    base = f"http://127.0.0.1:{port}"
    with running([exe, "serve", "--port", str(port)], base + "/healthz", tmp_path / "serve.log", env):
        response = requests.get(f"{base}/routines", timeout=2)
        assert response.status_code == 200
        assert "daily-hamstring" in {r["id"] for r in response.json()}
        assert requests.get(f"{base}/healthz", timeout=2).json()["database"] is True
