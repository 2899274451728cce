"""Fingerprints of the seed articles' 8-word runs, so a checkout can test for copied wording.

The articles themselves are third-party text and are not in the repository
(docs/sources.md cites them). What is kept, in ``seed_runs.txt`` beside this file, is
each seed's file name and, for every run of eight consecutive words of it
(lower case, split on white space), the first 8 hex digits of its SHA-256. A run of
our own wording that hashes to one of them was, with near certainty, copied.

Regenerate with ``python tests/seed_runs.py SEED_FOLDER > tests/seed_runs.txt``.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

RUN_WORDS = 8
STORED = Path(__file__).with_name("seed_runs.txt")


def runs(text: str) -> set[str]:
    """The fingerprints of every run of RUN_WORDS words of ``text``."""
    words = text.lower().split()
    return {
        hashlib.sha256(" ".join(words[i : i + RUN_WORDS]).encode()).hexdigest()[:8]
        for i in range(len(words) - RUN_WORDS + 1)
    }


def load() -> tuple[set[str], set[str]]:
    """(seed file names, fingerprints) as stored."""
    files, prints = set(), set()
    for line in STORED.read_text(encoding="utf-8").splitlines():
        if line.startswith("file "):
            files.add(line.removeprefix("file "))
        elif line and not line.startswith("#"):
            prints.add(line)
    return files, prints


def main(folder: str) -> None:
    seeds = sorted(Path(folder).glob("*.txt"))
    print("# Seed articles' 8-word runs as SHA-256 prefixes; written by tests/seed_runs.py.")
    for seed in seeds:
        print(f"file {seed.name}")
    for fingerprint in sorted(set().union(*(runs(s.read_text(encoding="utf-8")) for s in seeds))):
        print(fingerprint)


if __name__ == "__main__":
    main(sys.argv[1])
