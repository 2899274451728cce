"""Requests per second of the calendar feed, against a trivial endpoint of the same app.

Serves the app with gunicorn (2 sync workers) on a free loopback port, subscribes
one calendar (2 routines, 3 days, 2 times a day), then for each endpoint runs a
fixed number of client threads for a fixed time, each request on a fresh
connection (gunicorn's sync workers close after every answer):

- /healthz                                (trivial: one SELECT 1)
- /calendars/<token>.ics                  (the feed, 200)
- /calendars/<token>.ics + If-None-Match  (304)

The rounds are interleaved, so other load on the machine hits all three alike.

With ``--history N`` the calendar is instead that of an installation with a plan
(one routine at 07:00 and 19:30 every day) and N completed sessions stored before
the server starts (bench/history.py), the feed marked stale as imports leave it.
It then also reports the feed's size, the build of the feed in this process
(median of ``--builds``) against the build of the same plan with no sessions,
and the first fetch, which renders the stale feed once.

Goals: feed >= 0.5 x healthz, 304 >= 0.9 x healthz; with 7 300 sessions the body
<= 256 KiB and its build <= 3 x the build with none. Run by hand, not by the tests:

    python bench/feed.py [--seconds 20] [--clients 4] [--rounds 5] [--database-url URL]
                         [--history 7300] [--builds 20]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BASE_URL = "https://stretch.example"
PLAN = {
    "routines": ["daily-hamstring", "trunk-rotation"],
    "days": ["MO", "WE", "FR"],
    "times": ["07:00", "19:30"],
    "timezone": "Europe/Berlin",
    "reminders": [10],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def server_cpu_s(pid: int) -> float:
    """User + system CPU seconds of gunicorn's workers so far (Linux /proc), 0 where unreadable."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        total = 0
        for child in children:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
        return total / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def measure(
    port: int, path: str, headers: dict[str, str], expect: int, seconds: float, clients: int
) -> tuple[float, int]:
    """(requests per second, requests) over ``seconds`` with ``clients`` threads; all must be ``expect``."""
    counts = [0] * clients
    failures: list[str] = []
    stop = time.monotonic() + seconds

    def run(i: int) -> None:
        while time.monotonic() < stop:
            status, _, _ = request(port, path, headers)
            if status != expect:
                failures.append(f"{path}: {status}")
                return
            counts[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    if failures:
        raise SystemExit(f"unexpected answers: {failures[:3]}")
    return sum(counts) / elapsed, sum(counts)


def prepare_history(database_url: str, history: int, builds: int) -> tuple[str, dict]:
    """Install a host with a plan and ``history`` sessions; (feed path, build figures)."""
    from cryptography.fernet import Fernet
    from history import install, plan_for, store_history

    from plugin import create_app, security
    from plugin.formats import ical
    from plugin.services import calendar_lookup, feeds
    from plugin.store import calendars as calendar_repo
    from plugin.store.calendars import CalendarRow

    host_secret = security.generate_secret()
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "HOST_SECRETS": host_secret,
            "SECRET_KEY": Fernet.generate_key().decode(),
            "BASE_URL": BASE_URL,
        }
    )
    _, _, installation_id, feed_path = install(app, host_secret, plan_for(history))
    assert feed_path is not None
    stored_s = store_history(app, installation_id, history)
    db = app.extensions["stretchsync.db"]

    # Builds with and without the sessions alternate, so load from elsewhere falls on both alike;
    # wall and CPU time (this process) are both kept, the median of each.
    # "build": ical.feed from the plan and the window's done marks (the format's work, as the
    # issue measured it); "rebuild": all a stale feed costs, also reading the window's sessions
    # and placing them on the plan (feeds.render_body).
    labels = ("build none", "build history", "rebuild none", "rebuild history")
    wall: dict[str, list[float]] = {label: [] for label in labels}
    cpu: dict[str, list[float]] = {label: [] for label in labels}
    sizes: dict[str, int] = {}
    with app.app_context(), db.unit_of_work() as session:
        (row,) = calendar_repo.of_installation(session, installation_id)
        assert isinstance(row, CalendarRow)
        plan = calendar_lookup.plan_from_spec(session, row.spec or {})
        now = datetime.now(UTC)
        since = feeds.history_start(plan, now, feeds.feed_settings(session).history_days)
        done = feeds.done_marks(session, installation_id, plan, since)
        options = {
            "feed_id": row.id,
            "sequence": row.sequence,
            "changed_at": row.changed_at,
            "since": since,
            "routine_url": lambda routine_id: f"{BASE_URL}/routine/{routine_id}",
        }
        steps: dict[str, Callable[[], bytes]] = {
            "build none": lambda: ical.feed(plan, **options),
            "build history": lambda: ical.feed(plan, done=done, **options),
            "rebuild none": lambda: feeds.render_body(session, row, (), now),
            "rebuild history": lambda: feeds.render_body(session, row, None, now),
        }
        for number in range(builds + 1):
            for label in labels:
                began, cpu_began = time.perf_counter(), time.process_time()
                sizes[label] = len(steps[label]())
                if number:  # the first round warms caches up
                    wall[label].append(time.perf_counter() - began)
                    cpu[label].append(time.process_time() - cpu_began)
    db.engine.dispose()
    median = {label: statistics.median(wall[label]) * 1000 for label in wall}
    median_cpu = {label: statistics.median(cpu[label]) * 1000 for label in cpu}
    figures: dict = {"history": history, "history_stored_s": round(stored_s, 1), "done_marks": len(done)}
    for step in ("build", "rebuild"):
        none, full = f"{step} none", f"{step} history"
        figures[f"{step}_ms_no_sessions"] = round(median[none], 1)
        figures[f"{step}_ms"] = round(median[full], 1)
        figures[f"{step}_ratio"] = round(median[full] / median[none], 2)
        figures[f"{step}_cpu_ms_no_sessions"] = round(median_cpu[none], 1)
        figures[f"{step}_cpu_ms"] = round(median_cpu[full], 1)
        figures[f"{step}_cpu_ratio"] = round(median_cpu[full] / median_cpu[none], 2)
    figures["bytes_no_sessions"] = sizes["rebuild none"]
    figures["bytes"] = sizes["rebuild history"]
    return feed_path, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per endpoint, all rounds")
    parser.add_argument("--clients", type=int, default=4, help="client threads")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per endpoint")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    parser.add_argument("--history", type=int, default=None, help="an installation's feed with N sessions")
    parser.add_argument("--builds", type=int, default=20, help="feed builds timed in-process (--history)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="stretchsync-bench-"))
    env = {
        **os.environ,
        "PLUGIN_DATABASE_URL": args.database_url or f"sqlite:///{workdir / 'bench.db'}",
        "PLUGIN_SECRET_KEY": "bench-secret",
        # Routine links in done marks: the same base in this process and in gunicorn.
        "PLUGIN_BASE_URL": BASE_URL,
    }
    stretchsync = Path(sys.executable).with_name("stretchsync")
    subprocess.run(
        [str(stretchsync), "db", "upgrade"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL
    )
    history_feed: str | None = None
    figures: dict = {}
    if args.history is not None:
        history_feed, figures = prepare_history(env["PLUGIN_DATABASE_URL"], args.history, args.builds)
        print(json.dumps(figures))
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "plugin:create_app()",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if request(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.2)

        if history_feed is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request(
                "POST", "/calendars", body=json.dumps(PLAN), headers={"Content-Type": "application/json"}
            )
            created = json.loads(conn.getresponse().read())
            conn.close()
            feed = f"/calendars/{created['token']}.ics"
        else:
            feed = history_feed
        began = time.perf_counter()
        status, headers, body = request(port, feed)  # with --history: renders the stale feed
        first_ms = (time.perf_counter() - began) * 1000
        assert status == 200, status
        etag = headers["ETag"]
        print(f"feed: {len(body)} bytes, ETag {etag}, first fetch {first_ms:.0f} ms")

        # Warm both workers up (imports, first connections, caches) before measuring.
        measure(port, feed, {}, 200, 1.0, args.clients)
        # Interleave short rounds of each endpoint so that load from other processes on the
        # machine falls on all three alike; report the median round of each.
        endpoints = [
            ("healthz", "/healthz", {}, 200),
            ("feed 200", feed, {}, 200),
            ("feed 304", feed, {"If-None-Match": etag}, 304),
        ]
        rounds: dict[str, list[float]] = {label: [] for label, *_ in endpoints}
        # Server CPU per request is the steadier figure when other work shares the cores.
        cpu: dict[str, list[float]] = {label: [0.0, 0] for label, *_ in endpoints}
        for number in range(args.rounds):
            # Rotate the order each round: no endpoint always follows another's TIME_WAIT sockets.
            shift = number % len(endpoints)
            for label, path, extra, expect in endpoints[shift:] + endpoints[:shift]:
                before = server_cpu_s(server.pid)
                rate, count = measure(port, path, extra, expect, args.seconds / args.rounds, args.clients)
                cpu[label][0] += server_cpu_s(server.pid) - before
                cpu[label][1] += count
                rounds[label].append(rate)
        results = {label: statistics.median(rates) for label, rates in rounds.items()}
        base = results["healthz"]
        print(f"{'endpoint':10} {'req/s':>8} {'x healthz':>10} {'server CPU/request':>20}")
        for label, rate in results.items():
            per_request = cpu[label][0] / max(cpu[label][1], 1) * 1e6
            print(f"{label:10} {rate:8.0f} {rate / base:10.2f} {per_request:17.0f} us")
        ok = results["feed 200"] >= 0.5 * base and results["feed 304"] >= 0.9 * base
        print("goals (feed >= 0.5x, 304 >= 0.9x):", "met" if ok else "NOT met")
        if figures:
            history_ok = figures["bytes"] <= 256 * 1024 and figures["build_ratio"] <= 3
            f = figures
            print(
                f"history {f['history']}: body {f['bytes'] / 1024:.0f} KiB "
                f"(none: {f['bytes_no_sessions'] / 1024:.0f} KiB); build {f['build_ms']} ms "
                f"= {f['build_ratio']}x the plan with no sessions ({f['build_ms_no_sessions']} ms), "
                f"rebuild with the reads {f['rebuild_ms']} ms = {f['rebuild_ratio']}x; "
                "goals (<= 256 KiB, build <= 3x):",
                "met" if history_ok else "NOT met",
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
