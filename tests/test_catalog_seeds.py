"""Every seed fact from issue #2 is in the catalog, with the seed file it came from and its citation."""

from __future__ import annotations

import pytest
import seed_runs

from plugin import catalog
from plugin.catalog.builtin import SOURCES
from plugin.catalog.model import CautionKind, DoseKind, Focus


def ex(exercise_id: str):
    return catalog.exercise(exercise_id)


def test_contract_relax_is_three_light_six_second_pushes_each_leg_in_three_foot_positions():
    e = ex("contract-relax-hamstring")
    assert e.dose.kind is DoseKind.CONTRACT_RELAX
    assert (e.dose.contract_s, e.dose.reps, e.dose.effort_pct) == (6, 3, (20, 30))
    assert e.dose.per_side
    assert e.variation_per_set and e.dose.sets == len(e.variations) == 3
    assert [v.split()[-1] for v in e.variations] == ["up", "in", "out"]
    assert any("chair" in item for item in e.equipment)
    assert e.source.startswith("000_")


def test_lying_stretch_holds_15_to_30_s_each_leg_several_times_a_day():
    e = ex("lying-hamstring")
    assert e.dose.hold_range_s == (15, 30) and 15 <= e.dose.hold_s <= 30
    assert e.dose.per_side
    assert e.frequency.per_day_max > 1 and "several" in e.frequency.text
    assert any("towel" in item for item in e.equipment)
    assert e.source.startswith("001_")


def test_forward_bend_holds_30_to_45_s_two_sets_a_day_no_bouncing():
    e = ex("standing-forward-bend")
    assert e.dose.hold_range_s == (30, 45) and 30 <= e.dose.hold_s <= 45
    assert e.dose.sets == 2
    assert "no-bouncing" in {c.id for c in e.cautions}
    assert "003_" in e.source and "004_" in e.source


def test_two_chair_stretch_reaches_four_times_each_leg():
    e = ex("seated-two-chair-hamstring")
    assert e.dose.kind is DoseKind.COUNTED and e.dose.reps == 4 and e.dose.per_side
    assert any("two chairs" in item for item in e.equipment)
    assert "tempo_s" in e.dose.assumed  # the article gives no time per reach


def test_band_stretch_each_leg_easier_with_other_knee_bent():
    e = ex("band-hamstring")
    assert e.dose.per_side
    assert any("knee bent" in v for v in e.variations)
    assert "hold_s" in e.dose.assumed  # no hold in the article


def test_wall_stretch_holds_40_s_six_to_eight_times():
    e = ex("legs-up-wall-hamstring")
    assert e.dose.hold_s == 40 and e.dose.reps_range == (6, 8) and 6 <= e.dose.reps <= 8
    assert not e.dose.per_side


def test_knees_to_chest_is_the_disc_safe_alternative():
    e = ex("knees-to-chest")
    assert "disc" in (e.alternative_to or "")
    assert "disc-injury" not in {c.id for c in e.cautions}
    disc = next(c for c in ex("lying-hamstring").cautions if c.id == "disc-injury")
    assert "knees-to-chest" in disc.text


def test_trunk_rotation_is_about_three_minutes_with_a_pole():
    e = ex("standing-trunk-rotation")
    assert e.focus is Focus.TRUNK
    assert e.dose.kind is DoseKind.CONTINUOUS and e.dose.duration_s == 180
    assert any("pole" in item for item in e.equipment)
    assert "no-overswing" in {c.id for c in e.cautions}


def test_yoga_block_fold_invents_no_timing():
    e = ex("yoga-block-forward-fold")
    assert e.dose.kind is DoseKind.OPEN and e.dose.assumed == ()
    assert any("two yoga blocks" in item for item in e.equipment)
    assert e.frequency.text == "once a day"
    assert e.source.startswith("002_")


HAMSTRING_STRETCHES = [
    "contract-relax-hamstring",
    "lying-hamstring",
    "standing-forward-bend",
    "seated-two-chair-hamstring",
    "band-hamstring",
    "legs-up-wall-hamstring",
]


@pytest.mark.parametrize("exercise_id", HAMSTRING_STRETCHES)
def test_every_hamstring_stretch_carries_disc_sciatica_stop_and_bounce_cautions(exercise_id):
    kinds = {c.id: c.kind for c in ex(exercise_id).cautions}
    assert kinds["disc-injury"] is CautionKind.CONTRAINDICATION
    assert kinds["sciatica"] is CautionKind.CONTRAINDICATION
    assert kinds["stop-if-pain"] is CautionKind.STOP
    assert kinds["no-bouncing"] is CautionKind.FORM


def test_form_cautions_sit_where_they_belong():
    assert "light-push" in {c.id for c in ex("contract-relax-hamstring").cautions}
    for exercise_id in ("contract-relax-hamstring", "standing-forward-bend", "seated-two-chair-hamstring"):
        assert "straight-back" in {c.id for c in ex(exercise_id).cautions}


def test_every_exercise_can_be_stopped_if_it_hurts():
    assert all("stop-if-pain" in {c.id for c in e.cautions} for e in catalog.exercises())


def test_every_exercise_names_a_stored_seed_file():
    files, _ = seed_runs.load()
    for e in catalog.exercises():
        for source in e.source.split(", "):
            assert source in files, (e.id, source)


def test_every_exercise_cites_its_sources_with_title_publisher_and_date():
    for e in catalog.exercises():
        assert [c.file for c in e.citations] == e.source.split(", "), e.id
        for citation in e.citations:
            assert citation.title.strip() and citation.publisher.strip() and citation.date.strip(), citation
            # The file name is its own field: never part of what a reader sees.
            assert citation.file not in f"{citation.title} {citation.publisher} {citation.date}"
    assert set(SOURCES) == {c.file for e in catalog.exercises() for c in e.citations}


def test_citations_keep_the_dates_as_the_articles_give_them():
    dates = {c.file[:3]: c.date for c in SOURCES.values()}
    assert dates["000"] == "Sep 18 2008" and dates["002"] == "07/30/2019"
    assert dates["001"] == "[no date given]"  # never a guessed date


def test_instructions_are_not_copied_from_the_seeds():
    _, seed_prints = seed_runs.load()
    # The check finds a run the lying-stretch article does contain.
    assert seed_runs.runs("Stretch the hamstring for 15-30 seconds trying to straighten") & seed_prints
    for e in catalog.exercises():
        for step in e.steps:
            # No run of eight words of ours appears verbatim in an article.
            assert not seed_runs.runs(step) & seed_prints, (e.id, step)


def test_once_to_twice_a_day_is_the_routines_frequency():
    for routine in catalog.builtin_routines():
        assert (routine.frequency.per_day_min, routine.frequency.per_day_max) == (1, 2)


def test_there_are_at_least_four_routines_and_the_disc_safe_one_has_no_hamstring_stretch():
    routines = {r.id: r for r in catalog.builtin_routines()}
    assert len(routines) >= 4
    assert {e.exercise.id for e in routines["disc-safe"].entries}.isdisjoint(HAMSTRING_STRETCHES)
