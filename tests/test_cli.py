"""The stretchsync command line: routines, show, export, db upgrade."""

from __future__ import annotations

import json

from plugin import catalog
from plugin.formats.text import caution_line


def test_routines_lists_every_routine(runner):
    result = runner.invoke(args=["routines"])
    assert result.exit_code == 0
    for routine in catalog.builtin_routines():
        assert routine.id in result.output


def test_routines_json_is_the_canonical_list(runner):
    result = runner.invoke(args=["routines", "--json"])
    assert [r["id"] for r in json.loads(result.output)][:6] == [r.id for r in catalog.builtin_routines()]


def test_show_prints_cautions_before_exercises(runner):
    result = runner.invoke(args=["show", "contract-relax"])
    assert result.exit_code == 0
    routine = catalog.builtin_routine("contract-relax")
    positions = [result.output.index(caution_line(c)) for c in routine.cautions]
    assert positions == sorted(positions)
    assert max(positions) < result.output.index(routine.entries[0].exercise.name)
    assert "6 s push at 20-30 % effort" in result.output


def test_show_unknown_routine_fails_cleanly(runner):
    result = runner.invoke(args=["show", "nope"])
    assert result.exit_code != 0 and "no routine 'nope'" in result.output


def test_export_one_routine_to_a_file(runner, tmp_path):
    out = tmp_path / "r.json"
    result = runner.invoke(args=["export", "--routine", "disc-safe", "--format", "json", "-o", str(out)])
    assert result.exit_code == 0
    assert json.loads(out.read_text())["id"] == "disc-safe"


def test_export_all_writes_every_routine_in_every_format(runner, tmp_path):
    from plugin.services.exports import reference_exports

    result = runner.invoke(args=["export", "--all", str(tmp_path)])
    assert result.exit_code == 0
    for rel, body in reference_exports().items():
        assert (tmp_path / rel).read_bytes() == body


def test_export_needs_a_routine_and_a_format(runner):
    result = runner.invoke(args=["export", "--routine", "disc-safe"])
    assert result.exit_code == 2


def test_db_upgrade_is_idempotent(runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0 and "head" in result.output


def test_export_and_show_in_a_language(runner, tmp_path):
    out = tmp_path / "cr.csv"
    result = runner.invoke(
        args=["export", "--routine", "contract-relax", "--format", "csv", "--language", "es", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Contraindicación" in out.read_text(encoding="utf-8")
    shown = runner.invoke(args=["show", "contract-relax", "--language", "fr"])
    assert shown.exit_code == 0 and shown.output.startswith("PRÉCAUTIONS (à lire d’abord)")
