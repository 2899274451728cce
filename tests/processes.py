"""Start the service's own processes for the tests: `stretchsync worker` and gunicorn, on a shared config."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from servers import stop

# The settings every process of one deployment must share (docs/deployment.md#what-must-be-shared).
SHARED = (
    "DATABASE_URL",
    "DATABASE_SCHEMA",
    "SECRET_KEY",
    "HOST_SECRETS",
    "REDIS_URL",
    "HUEY_NAME",
    "HUEY_SQLITE_PATH",
    "PUSH_LEASE_S",
    "PUSH_BACKOFF_BASE_S",
    "PUSH_MAX_ATTEMPTS",
    "STRAVA_API_URL",
    "STRAVA_OAUTH_URL",
    "STRAVA_CLIENT_ID",
    "STRAVA_CLIENT_SECRET",
    "STRAVA_VERIFY_TOKEN",
    "FEED_REBUILD_DELAY_S",
    "ALLOW_PRIVATE_HOSTS",
    "ALLOW_PRIVATE_ADDRESSES",
)


def executable(name: str) -> str:
    """A console script installed beside this interpreter (the venv's)."""
    found = shutil.which(name, path=os.path.dirname(sys.executable)) or shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed")
    return found


def environment(config: dict[str, Any], **more: Any) -> dict[str, str]:
    """This machine's environment without PLUGIN_*, then the shared settings of ``config`` as PLUGIN_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLUGIN_")}
    env["PLUGIN_ALLOW_PRIVATE_HOSTS"] = "true"  # every stand-in listens on loopback (docs/outbound.md)
    for key, value in {**{k: config[k] for k in SHARED if config.get(k) not in (None, "")}, **more}.items():
        env[f"PLUGIN_{key}"] = str(value)
    return env


@contextmanager
def worker(env: dict[str, str], log_path: Path, workers: int = 2) -> Iterator[subprocess.Popen]:
    """Run `stretchsync worker` until the block ends (or the test kills it)."""
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [executable("stretchsync"), "worker", "--workers", str(workers)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            stop(proc)
