"""A real wger 2.1 server for the peer tests, started by shared/peers/start-wger.sh.

The launcher lives beside the repository (``<repo>/../shared/peers/start-wger.sh``);
STRETCHSYNC_WGER_SCRIPT overrides it. wger is installed once into a virtual
environment outside the repository (STRETCHSYNC_WGER_VENV, default under the system
temp dir) and reused by later runs, which start in about 3 s.
"""

from __future__ import annotations

import fcntl
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPT = Path(os.environ.get("STRETCHSYNC_WGER_SCRIPT", REPO.parent / "shared" / "peers" / "start-wger.sh"))
VENV = Path(os.environ.get("STRETCHSYNC_WGER_VENV", Path(tempfile.gettempdir()) / "stretchsync-wger-peer"))
START_TIMEOUT_S = 600  # the first install compiles reportlab: about a minute, slower on a busy machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class WgerPeer:
    url: str
    token: str
    user: str
    password: str
    port: int

    def start(self, *, keep_db: bool = True) -> None:
        """(Re)start the server on the same port; keep_db keeps the workouts made so far."""
        self.token = run_script(self.port, keep_db=keep_db)

    def stop(self) -> None:
        run_script(self.port, "stop")

    def remove(self) -> None:
        """Stop the server and delete this run's database and logs (the installed venv stays)."""
        self.stop()
        shutil.rmtree(VENV / f"wger-run-{self.port}", ignore_errors=True)


def run_script(port: int, mode: str = "start", *, keep_db: bool = False) -> str:
    env = {**os.environ, "WGER_KEEP_DB": "1" if keep_db else "0"}
    VENV.mkdir(parents=True, exist_ok=True)
    # One installer at a time per venv: parallel runs would both pip-install into it.
    with open(VENV.parent / f"{VENV.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        args = ["bash", str(SCRIPT), str(VENV), str(port), *([mode] if mode == "stop" else [])]
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=START_TIMEOUT_S)
    if done.returncode != 0:
        raise RuntimeError(f"{shlex.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1] if mode != "stop" else ""


def start() -> WgerPeer:
    port = free_port()
    run_script(port)
    env = dict(line.split("=", 1) for line in
               (VENV / f"wger-run-{port}" / "peer.env").read_text().splitlines() if "=" in line)
    return WgerPeer(url=env["WGER_URL"], token=env["WGER_TOKEN"], user=env["WGER_USER"],
                    password=env["WGER_PASSWORD"], port=port)
