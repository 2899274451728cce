"""The model's rules: computed durations, ordered cautions, invalid doses refused."""

from __future__ import annotations

import pytest

from plugin import catalog
from plugin.catalog.model import CautionKind, Dose, Routine, RoutineEntry
from plugin.errors import InvalidDose, InvalidRoutine


def test_duration_is_sets_times_sides_times_reps_times_work_plus_rest():
    dose = Dose(sets=3, reps=3, per_side=True, contract_s=6, rest_s=10)
    assert dose.seconds == 3 * 2 * 3 * (6 + 10)
    assert Dose(duration_s=180).seconds == 180
    assert Dose(reps=6, hold_s=40, rest_s=10).seconds == 6 * 50


@pytest.mark.parametrize("routine", catalog.builtin_routines(), ids=lambda r: r.id)
def test_routine_duration_is_the_sum_of_its_entries(routine):
    assert routine.duration_s == sum(
        e.dose.sets * len(e.dose.sides) * e.dose.reps * (e.dose.work_s + e.dose.rest_s)
        for e in routine.entries
    )
    assert routine.duration_s > 0


@pytest.mark.parametrize("routine", catalog.builtin_routines(), ids=lambda r: r.id)
def test_routine_cautions_are_the_union_contraindications_first(routine):
    expected = {c.id for e in routine.entries for c in e.exercise.cautions}
    assert {c.id for c in routine.cautions} == expected
    assert len(routine.cautions) == len(expected)
    order = [c.kind for c in routine.cautions]
    ranks = [list(CautionKind).index(k) for k in order]
    assert ranks == sorted(ranks)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"sets": 0, "hold_s": 30}, "sets"),
        ({"reps": 0, "hold_s": 30}, "reps"),
        ({"hold_s": 0}, "hold_s"),
        ({"hold_s": 30, "rest_s": -1}, "rest_s"),
        ({"hold_s": 30, "duration_s": 60}, "dose"),
        ({"hold_s": 50, "hold_range_s": (15, 30)}, "hold_s"),
        ({"duration_s": 60, "reps": 2}, "reps"),
    ],
)
def test_invalid_doses_are_refused_naming_the_field(kwargs, field):
    with pytest.raises(InvalidDose) as err:
        Dose(**kwargs)
    assert err.value.field == field


def test_a_routine_needs_exercises_with_timing():
    with pytest.raises(InvalidRoutine):
        Routine(id="x", name="x", description="", entries=())
    fold = catalog.exercise("yoga-block-forward-fold")
    with pytest.raises(InvalidRoutine) as err:
        Routine(id="x", name="x", description="", entries=(RoutineEntry(fold, fold.dose),))
    assert err.value.field == "exercises.0.hold_s"


def test_override_outside_the_source_range_drops_the_range_and_the_assumption():
    lying = catalog.exercise("lying-hamstring").dose
    longer = lying.with_overrides(hold_s=60)
    assert longer.hold_s == 60 and longer.hold_range_s is None
    band = catalog.exercise("band-hamstring").dose
    assert "hold_s" not in band.with_overrides(hold_s=45).assumed


def test_a_hold_given_for_counted_work_replaces_its_timing():
    chair = catalog.exercise("seated-two-chair-hamstring").dose
    held = chair.with_overrides(hold_s=20)
    assert held.tempo_s is None and held.work_s == 20
