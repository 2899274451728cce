"""The reference exports in exports/ are exactly what the code produces today."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugin.cli import main
from plugin.services.exports import reference_exports

EXPORTS = Path(__file__).resolve().parent.parent / "exports"
REGENERATE = "regenerate with `stretchsync export --all exports/` and review the diff"

CURRENT = reference_exports()


@pytest.mark.parametrize("rel", sorted(CURRENT))
def test_reference_export_has_not_drifted(rel: str) -> None:
    path = EXPORTS / rel
    assert path.is_file(), f"exports/{rel} is missing: {REGENERATE}"
    assert path.read_bytes() == CURRENT[rel], f"exports/{rel} differs from the code: {REGENERATE}"


def test_no_stale_reference_exports() -> None:
    on_disk = {p.relative_to(EXPORTS).as_posix() for p in EXPORTS.rglob("*") if p.is_file()}
    assert on_disk - set(CURRENT) == set(), f"files no format writes any more: delete them, then {REGENERATE}"


def test_cli_regenerates_the_same_files(runner, tmp_path) -> None:
    out = tmp_path / "exports"
    result = runner.invoke(main, ["export", "--all", str(out)])
    assert result.exit_code == 0, result.output
    written = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    committed = {p.relative_to(EXPORTS).as_posix(): p.read_bytes() for p in EXPORTS.rglob("*") if p.is_file()}
    assert written == committed, REGENERATE
