"""Signed session imports per second, half of them repeats of an earlier session.

Builds the app on a fresh database (SQLite file, or a schema of its own on
PostgreSQL), installs one host with a signed lifecycle call (by default with a
plan: one routine at 07:00 and 19:30 every day, Europe/Berlin), stores
``--history`` earlier sessions (not timed), signs every import beforehand (client
work is not timed), then sends them through the WSGI app from several threads:
each session twice, under different webhook ids, shuffled, so the second copy
sometimes races the first. Afterwards it counts the stored sessions: exactly one
per source id, or the run fails. Then, not timed with the imports: the first
fetch of the feed (which renders it, once, for all the sessions that arrived),
and GET /adherence?days=30 of this installation against one with 30 sessions.

``--compare`` runs the same again for an installation without a plan, in the same
process, and prints the ratio.

Goals: >= 500 imports/s on SQLite with no duplicate stored; with a plan and 7 300
stored sessions >= 0.9 x the imports/s without a plan. Run by hand:

    python bench/ingest.py [--count 4000] [--threads 4] [--database sqlite|postgresql|both]
                           [--plan | --no-plan] [--history 7300] [--compare [--rounds 5]]
                           [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
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
from history import install, plan_for, store_history  # noqa: E402
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


def time_adherence(app, client_key: str, secret: str, repeat: int = 30) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median wall and CPU milliseconds of a signed GET /adherence?days=30 (signing is not timed)."""
    client = app.test_client()
    wall, cpu = [], []
    for _ in range(repeat + 1):
        headers = {"X-Client-Key": client_key, **security.sign_headers(secret, b"")}
        began, cpu_began = time.perf_counter(), time.process_time()
        assert client.get("/adherence?days=30", headers=headers).status_code == 200
        wall.append(time.perf_counter() - began)
        cpu.append(time.process_time() - cpu_began)
    # The first call warms caches up.
    return round(statistics.median(wall[1:]) * 1000, 2), round(statistics.median(cpu[1:]) * 1000, 2)


def run(database_url: str, schema: str | None, count: int, threads: int, plan: bool, history: int) -> dict:
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
    client_key, secret, installation_id, feed_path = install(
        app, host_secret, plan_for(history) if plan else None
    )
    history_s = store_history(app, installation_id, history)
    # Adherence over the history alone (the burst below would add 2000 sessions to its window),
    # against an installation of the same plan with 30 sessions, in the same database.
    small_key, small_secret, small_id, _ = install(app, host_secret, plan_for(30) if plan else None)
    store_history(app, small_id, 30)
    adherence_ms = time_adherence(app, client_key, secret)
    adherence_small_ms = time_adherence(app, small_key, small_secret)
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
        mine = SessionRow.__table__.c.source == "bench"  # the history's sessions are not counted
        stored = conn.execute(select(func.count()).select_from(SessionRow.__table__).where(mine)).scalar_one()
        distinct = conn.execute(
            select(func.count(func.distinct(SessionRow.source_id)))
            .select_from(SessionRow.__table__)
            .where(mine)
        ).scalar_one()
    result = {
        "plan": plan,
        "history": history,
        "history_stored_s": round(history_s, 1),
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
    if feed_path:
        # The first fetch after the burst renders the feed once, for every session that arrived.
        client = app.test_client()
        began = time.perf_counter()
        answer = client.get(feed_path)
        result["first_feed_fetch_ms"] = round((time.perf_counter() - began) * 1000, 1)
        result["feed_bytes"] = len(answer.data)
        result["ok"] = result["ok"] and answer.status_code == 200
    result["adherence_30_days_ms"], result["adherence_30_days_cpu_ms"] = adherence_ms
    small_wall, small_cpu = adherence_small_ms
    result["adherence_30_days_ms_with_30_sessions"] = small_wall
    result["adherence_30_days_cpu_ms_with_30_sessions"] = small_cpu
    result["adherence_ratio"] = round(adherence_ms[0] / small_wall, 2)
    result["adherence_cpu_ratio"] = round(adherence_ms[1] / small_cpu, 2)
    db.engine.dispose()
    return result


def median_run(runs: list[dict]) -> dict:
    """The run with the median imports/s, with the per-round rates beside it."""
    ordered = sorted(runs, key=lambda r: r["per_second"])
    chosen = dict(ordered[len(ordered) // 2])
    chosen["per_second_rounds"] = [r["per_second"] for r in runs]
    chosen["ok"] = all(r["ok"] for r in runs)
    return chosen


def on_database(args: argparse.Namespace, database: str, plan: bool) -> dict:
    if database == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            return run(f"sqlite:///{folder}/bench.db", None, args.count, args.threads, plan, args.history)
    schema = "bench_" + uuid.uuid4().hex[:8]
    admin = create_engine(normalise_url(args.postgres_url))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        return run(args.postgres_url, schema, args.count, args.threads, plan, args.history)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=4000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--plan",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="install with a twice-daily plan (the normal case; default)",
    )
    parser.add_argument("--history", type=int, default=0, help="sessions stored before timing starts")
    parser.add_argument("--compare", action="store_true", help="also run without a plan; print the ratio")
    parser.add_argument("--rounds", type=int, default=1, help="with --compare: alternated runs of each case")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("PLUGIN_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    )
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results: dict = {}
    for database in databases:
        if not args.compare:
            results[database] = on_database(args, database, args.plan)
            continue
        # Alternate the two cases (swapping which goes first each round) so that warm-up and a
        # neighbour's load fall on both; the medians and the median of the per-round ratios count.
        rounds: list[tuple[dict, dict]] = []
        for r in range(args.rounds):
            order = (args.plan, False) if r % 2 == 0 else (False, args.plan)
            first, second = (on_database(args, database, p) for p in order)
            rounds.append((first, second) if r % 2 == 0 else (second, first))
        planned = [p for p, _ in rounds]
        baseline = [b for _, b in rounds]
        results[database] = median_run(planned)
        results[database + " (no plan)"] = median_run(baseline)
        for key in ("per_second", "per_cpu_second"):
            ratios = [p[key] / b[key] for p, b in rounds]
            results[database][key + "_vs_no_plan"] = round(statistics.median(ratios), 2)
            results[database][key + "_vs_no_plan_rounds"] = [round(x, 2) for x in ratios]
        results[database]["rounds"] = args.rounds
    results["load_average"] = [round(x, 2) for x in os.getloadavg()]
    results["cpus"] = os.cpu_count()
    print(json.dumps(results, indent=2))
    return 0 if all(r["ok"] for r in results.values() if isinstance(r, dict)) else 1


if __name__ == "__main__":
    sys.exit(main())
