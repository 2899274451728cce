"""exports/ holds the reference export of every built-in routine in every format.

Regenerating them must give the same bytes, so a diff of exports/ shows a
reviewer exactly what trackers will receive.
"""

from __future__ import annotations

from pathlib import Path

from plugin.services.exports import reference_exports

EXPORTS = Path(__file__).resolve().parents[1] / "exports"


def test_reference_exports_have_not_drifted():
    expected = reference_exports()
    stale = [
        rel
        for rel, body in expected.items()
        if not (EXPORTS / rel).is_file() or (EXPORTS / rel).read_bytes() != body
    ]
    assert not stale, f"regenerate with `stretchsync export --all exports/`: {stale}"


def test_no_export_is_left_over_from_a_removed_routine_or_format():
    on_disk = {str(p.relative_to(EXPORTS)) for p in EXPORTS.rglob("*") if p.is_file()}
    assert on_disk <= set(reference_exports())


def test_regeneration_is_deterministic():
    assert reference_exports() == reference_exports()
