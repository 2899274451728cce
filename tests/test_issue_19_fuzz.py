"""Issue 19, finding 1: a mutation corpus against POST /hooks/import, in both content types.

Canonical JSON sessions with wrong types, lone surrogates, NUL, deep nesting, huge numbers,
dropped and unknown fields, flipped bits and truncations; FIT activity files with flipped bits
(the CRC fixed again, so the decoder reads on), truncations and overwritten bytes. Whatever comes
in, the answer is 2xx or a 4xx problem+json, and exactly one row is added per 201. The seed is
fixed, so a failure names a case that fails again the same way.
"""

from __future__ import annotations

import json
import random
import struct
from collections import Counter
from typing import Any

import pytest
from garmin_fit_sdk import CrcCalculator
from hostkit import Host, host_config, row_counts, session_body
from test_fit_activity import activity, watch_sets_for

SEED = 19
JSON_CASES = 160
FIT_CASES = 160
HUGE = "__huge__"
WEIRD_VALUES: list[Any] = [
    "\ud800",
    "a\udc00b",
    "nul\x00",
    "\x00",
    "",
    "x" * 5000,
    None,
    True,
    -1,
    0,
    1.5,
    1e308,
    [],
    {},
    [[[[[]]]]],
    {"a": {"b": {"c": 1}}},
    HUGE,
    "2026-13-45T99:99:99+00:00",
    "daily-hamstring",
]
HUGE_NUMBERS = ["1" + "0" * 30, "-" + "9" * 400, str(2**63), "1e999", "1" * 5000, "-0.0e-99999"]


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(database_config, tmp_path)


@pytest.fixture
def host(client):
    host = Host(client)
    assert host.install().status_code == 201
    return host


def _paths(body: dict) -> list[tuple[Any, ...]]:
    paths: list[tuple[Any, ...]] = [(key,) for key in body]
    exercises = body.get("exercises")
    for i, done in enumerate(exercises if isinstance(exercises, list) else []):
        paths += [("exercises", i, key) for key in done] if isinstance(done, dict) else []
    return paths


def _set(body: dict, path: tuple[Any, ...], value: Any) -> None:
    target: Any = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def _drop(body: dict, path: tuple[Any, ...]) -> None:
    target: Any = body
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]


def _encode(body: Any, rng: random.Random) -> bytes:
    text = json.dumps(body, ensure_ascii=True)
    while f'"{HUGE}"' in text:
        text = text.replace(f'"{HUGE}"', rng.choice(HUGE_NUMBERS), 1)
    return text.encode()


def json_case(n: int, rng: random.Random) -> bytes:
    """One mutated canonical session; its source_id is its own so every 201 is a new row."""
    body = session_body(f"fuzz-{n}")
    kind = rng.choice(["value", "value", "value", "drop", "unknown", "bits", "truncate", "whole", "deep"])
    if kind == "value":
        for _ in range(rng.randint(1, 3)):
            _set(body, rng.choice(_paths(body)), rng.choice(WEIRD_VALUES))
    elif kind == "drop":
        _drop(body, rng.choice(_paths(body)))
    elif kind == "unknown":
        _set(body, rng.choice([("extra",), ("exercises", 0, "extra")]), rng.choice(WEIRD_VALUES))
    if kind == "drop" and not _paths(body):
        return b"{}"
    elif kind == "whole":
        return _encode(rng.choice([[], None, 1, "s", [body], {"session": body}, HUGE]), rng)
    elif kind == "deep":
        levels = rng.choice([33, 100, 1000, 50_000])
        return b'{"notes": ' + b"[" * levels + b"]" * levels + b"}"
    raw = bytearray(_encode(body, rng))
    if kind == "bits":
        for _ in range(rng.randint(1, 6)):
            raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
    elif kind == "truncate":
        raw = raw[: rng.randrange(len(raw))]
    return bytes(raw)


def _fix_crc(data: bytearray) -> bytearray:
    """Write the file CRC again over everything before it, as a careful forger would."""
    end = len(data) - 2
    struct.pack_into("<H", data, end, CrcCalculator.calculate_crc(data, 0, end))
    return data


def fit_bases() -> list[bytes]:
    return [
        activity(watch_sets_for("daily-hamstring"), workout_name="Daily hamstring stretch"),
        activity([{"duration": 30.0, "category": ["warm_up"], "category_subtype": [52], "repetitions": 2}]),
        activity([{"duration": 45.5}], sport_profile_name="daily-hamstring", elapsed_s=90.0),
    ]


def fit_case(rng: random.Random, bases: list[bytes]) -> bytes:
    data = bytearray(rng.choice(bases))
    header = data[0]  # header size: data starts after it, the file CRC is the last two bytes
    kind = rng.choice(["bits", "bits", "bits", "bytes", "truncate", "truncate-crc", "header"])
    if kind == "bits":
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(header, len(data) - 2)] ^= 1 << rng.randrange(8)
        return bytes(_fix_crc(data))
    if kind == "bytes":
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(header, len(data) - 2)] = rng.choice([0x00, 0xFF, 0x7F, 0x80])
        return bytes(_fix_crc(data))
    if kind == "truncate":
        return bytes(data[: rng.randrange(len(data))])
    if kind == "truncate-crc":
        cut = data[: rng.randrange(header + 3, len(data))]
        struct.pack_into("<I", cut, 4, len(cut) - header - 2)  # the header's data size made to match
        return bytes(_fix_crc(cut))
    data[rng.randrange(0, header)] ^= 1 << rng.randrange(8)
    return bytes(data)


def _assert_answer(response, case: str) -> None:
    status = response.status_code
    assert status < 500, f"{case}: {status} {response.get_data(as_text=True)[:300]}"
    if status >= 400:
        assert response.mimetype == "application/problem+json", case


def test_mutated_json_sessions_never_500_and_each_201_adds_one_row(host, db):
    rng = random.Random(SEED)
    before = row_counts(db)["completed_sessions"]
    statuses: Counter[int] = Counter()
    for n in range(JSON_CASES):
        raw = json_case(n, rng)
        response = host.import_session(raw)
        _assert_answer(response, f"json case {n}: {raw[:200]!r}")
        statuses[response.status_code] += 1
    assert row_counts(db)["completed_sessions"] - before == statuses[201]
    # The corpus must reach both sides of the rule, or it proves nothing.
    assert statuses[201] > 0 and statuses[422] > 0, statuses


def test_mutated_fit_activities_never_500_and_each_201_adds_one_row(host, db):
    rng = random.Random(SEED)
    bases = fit_bases()
    before = row_counts(db)["completed_sessions"]
    statuses: Counter[int] = Counter()
    for n in range(FIT_CASES):
        data = fit_case(rng, bases)
        response = host.call("POST", "/hooks/import", data, content_type="application/vnd.ant.fit")
        _assert_answer(response, f"fit case {n}: {data.hex()}")
        statuses[response.status_code] += 1
    assert row_counts(db)["completed_sessions"] - before == statuses[201]
    assert statuses[201] > 0 and statuses[422] > 0, statuses
