"""Signed session imports per second, half of them repeats of an earlier session.

Builds the app on a fresh database (SQLite file, or a schema of its own on
PostgreSQL), installs one host with a signed lifecycle call, signs every import
beforehand (client work is not timed), then sends them through the WSGI app from
several threads: each session twice, under different webhook ids, shuffled, so
the second copy sometimes races the first. Afterwards it counts the stored
sessions: exactly one per source id, or the run fails.

Goal: >= 500 imports/s on SQLite with no duplicate stored. Run by hand:

    python bench/ingest.py [--count 4000] [--threads 4] [--database sqlite|postgresql|both]
                           [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from plugin import create_app, security  # noqa: E402
from plugin.store import migrate  # noqa: E402
from plugin.store.db import normalise_url  # noqa: E402
from plugin.store.sessions import SessionRow  # noqa: E402


def signed_imports(client_key: str, secret: str, count: int) -> list[tuple[bytes, dict[str, str]]]:
    """``count`` signed import calls: count/2 sessions, each sent twice, shuffled."""
    started = datetime.now(UTC) - timedelta(hours=2)
    calls = []
    for i in range(count // 2):
        body = json.dumps(
            {
                "source": "bench",
                "source_id": f"s-{i}",
                "routine": "daily-hamstring",
                "started_at": (started + timedelta(seconds=i)).isoformat(),
                "duration_s": 420,
                "exercises": [{"exercise": "lying-hamstring", "reps": 1, "hold_s": 30, "side": "left"}],
                "pain": i % 11,
                "notes": "bench",
            }
        ).encode()
        for _ in range(2):
            headers = {"X-Client-Key": client_key, "Content-Type": "application/json"}
            headers.update(security.sign_headers(secret, body))
            calls.append((body, headers))
    random.Random(7).shuffle(calls)
    return calls


def run(database_url: str, schema: str | None, count: int, threads: int) -> dict:
    host_secret = security.generate_secret()
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "DATABASE_SCHEMA": schema,
            "HOST_SECRETS": host_secret,
            "SECRET_KEY": Fernet.generate_key().decode(),
        }
    )
    db = app.extensions["stretchsync.db"]
    migrate.upgrade(db.engine)
    client_key, secret = "bench-" + uuid.uuid4().hex[:8], security.generate_secret()
    install = json.dumps(
        {"clientKey": client_key, "tracker": "host", "sharedSecret": secret, "baseUrl": "http://127.0.0.1:9"}
    ).encode()
    answer = app.test_client().post(
        "/lifecycle/installed",
        data=install,
        headers={"Content-Type": "application/json", **security.sign_headers(host_secret, install)},
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    calls = signed_imports(client_key, secret, count)
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def worker(share: list[tuple[bytes, dict[str, str]]]) -> None:
        client = app.test_client()
        seen: dict[int, int] = {}
        for body, headers in share:
            status = client.post("/hooks/import", data=body, headers=headers).status_code
            seen[status] = seen.get(status, 0) + 1
        with lock:
            for status, n in seen.items():
                statuses[status] = statuses.get(status, 0) + n

    pool = [threading.Thread(target=worker, args=(calls[i::threads],)) for i in range(threads)]
    began, cpu_began = time.perf_counter(), time.process_time()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    with db.engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(SessionRow.__table__)).scalar_one()
        distinct = conn.execute(
            select(func.count(func.distinct(SessionRow.source_id))).select_from(SessionRow.__table__)
        ).scalar_one()
    db.engine.dispose()
    return {
        "requests": len(calls),
        "seconds": round(elapsed, 2),
        "per_second": round(len(calls) / elapsed),
        # CPU seconds of this process (the app and its database driver; PostgreSQL's own work is
        # elsewhere): less disturbed than wall time when others load the machine.
        "per_cpu_second": round(len(calls) / cpu),
        "statuses": dict(sorted(statuses.items())),
        "stored": stored,
        "distinct": distinct,
        "ok": stored == distinct == count // 2 and statuses.get(201) == count // 2,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=4000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("PLUGIN_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    )
    args = parser.parse_args()
    results = {}
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.db"
            results["sqlite"] = run(url, None, args.count, args.threads)
    if args.database in ("postgresql", "both"):
        schema = "bench_" + uuid.uuid4().hex[:8]
        admin = create_engine(normalise_url(args.postgres_url))
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            results["postgresql"] = run(args.postgres_url, schema, args.count, args.threads)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    results["load_average"] = [round(x, 2) for x in os.getloadavg()]
    results["cpus"] = os.cpu_count()
    print(json.dumps(results, indent=2))
    return 0 if all(r["ok"] for r in results.values() if isinstance(r, dict)) else 1


if __name__ == "__main__":
    sys.exit(main())
