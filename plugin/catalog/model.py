"""The canonical model: every format maps from and to these plain dataclasses.

Nothing here knows about Flask, SQLAlchemy or any target format.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from plugin.errors import InvalidDose, InvalidRoutine
from plugin.i18n import N_


class Focus(StrEnum):
    HAMSTRING = "hamstring"
    TRUNK = "trunk"
    MIXED = "mixed"


class CautionKind(StrEnum):
    # Order matters: a reader must meet contraindications first, then stop rules, then form.
    CONTRAINDICATION = "contraindication"
    STOP = "stop"
    FORM = "form"


CAUTION_ORDER = {CautionKind.CONTRAINDICATION: 0, CautionKind.STOP: 1, CautionKind.FORM: 2}


class DoseKind(StrEnum):
    HOLD = "hold"  # a static stretch held for hold_s per rep
    CONTRACT_RELAX = "contract_relax"  # push for contract_s, then relax for rest_s
    COUNTED = "counted"  # reps counted, each taking about tempo_s
    CONTINUOUS = "continuous"  # one block of duration_s (e.g. 3 min of trunk rotation)
    OPEN = "open"  # the source gives no timing; cannot be scheduled as is


@dataclass(frozen=True)
class Caution:
    id: str
    kind: CautionKind
    text: str
    short: str  # a few words for cards and watch screens


@dataclass(frozen=True)
class Frequency:
    """How often to do something: times a day (a range where the source gives one)."""

    per_day_min: int = 1
    per_day_max: int = 1
    text: str = "once a day"


@dataclass(frozen=True)
class Dose:
    """How much of an exercise to do.

    A rep is one hold (or one push, one counted movement); ``sets`` repeats the
    whole per-side block. ``rest_s`` follows every rep, so a routine's length is
    ``sets × sides × reps × (work + rest)``. Fields named in ``assumed`` are our
    defaults where the source article gives no number.
    """

    sets: int = 1
    reps: int = 1
    hold_s: int | None = None
    hold_range_s: tuple[int, int] | None = None
    reps_range: tuple[int, int] | None = None
    per_side: bool = False
    rest_s: int = 0
    duration_s: int | None = None
    contract_s: int | None = None
    effort_pct: tuple[int, int] | None = None
    tempo_s: int | None = None
    assumed: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        timings = [
            n for n in ("hold_s", "duration_s", "contract_s", "tempo_s") if getattr(self, n) is not None
        ]
        if len(timings) > 1:
            raise InvalidDose(
                N_("a dose has one timing, not {timings}"),
                field="dose",
                values={"timings": ", ".join(timings)},
            )
        for name in ("sets", "reps"):
            if getattr(self, name) < 1:
                raise InvalidDose(N_("{field} must be at least 1"), field=name, values={"field": name})
        for name in ("hold_s", "duration_s", "contract_s", "tempo_s"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise InvalidDose(N_("{field} must be at least 1 second"), field=name, values={"field": name})
        if self.rest_s < 0:
            raise InvalidDose(N_("rest_s cannot be negative"), field="rest_s")
        if self.hold_range_s and self.hold_s is not None:
            low, high = self.hold_range_s
            if not low <= self.hold_s <= high:
                raise InvalidDose(
                    N_("hold_s {value} is outside its range {low}–{high}"),
                    field="hold_s",
                    values={"value": self.hold_s, "low": low, "high": high},
                )
        if self.reps_range:
            low, high = self.reps_range
            if not low <= self.reps <= high:
                raise InvalidDose(
                    N_("reps {value} is outside its range {low}–{high}"),
                    field="reps",
                    values={"value": self.reps, "low": low, "high": high},
                )
        if self.duration_s is not None and self.reps != 1:
            raise InvalidDose(N_("continuous work is one block: reps must be 1"), field="reps")

    @property
    def kind(self) -> DoseKind:
        if self.duration_s is not None:
            return DoseKind.CONTINUOUS
        if self.contract_s is not None:
            return DoseKind.CONTRACT_RELAX
        if self.hold_s is not None:
            return DoseKind.HOLD
        if self.tempo_s is not None:
            return DoseKind.COUNTED
        return DoseKind.OPEN

    @property
    def sides(self) -> tuple[str | None, ...]:
        """The sides one set is done on: ("left", "right") or (None,) for both at once."""
        return ("left", "right") if self.per_side else (None,)

    @property
    def work_s(self) -> int:
        """Seconds of work in one rep (the whole block for continuous work)."""
        for value in (self.duration_s, self.contract_s, self.hold_s, self.tempo_s):
            if value is not None:
                return value
        raise InvalidDose(N_("this dose has no timing; give a hold or a duration"), field="hold_s")

    @property
    def seconds(self) -> int:
        """Total seconds: sets × sides × reps × (work + rest)."""
        return self.sets * len(self.sides) * self.reps * (self.work_s + self.rest_s)

    def with_overrides(self, **overrides: object) -> Dose:
        """Return a copy with some fields replaced; a range no longer binding is dropped."""
        changes: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
        if "hold_s" in changes and self.hold_s is None:
            # A hold given for an exercise timed another way replaces that timing.
            changes.update(duration_s=None, contract_s=None, tempo_s=None, effort_pct=None)
        if "hold_s" in changes and self.hold_range_s:
            low, high = self.hold_range_s
            if not low <= changes["hold_s"] <= high:
                changes["hold_range_s"] = None
        if "reps" in changes and self.reps_range:
            low, high = self.reps_range
            if not low <= changes["reps"] <= high:
                changes["reps_range"] = None
        return replace(self, **changes, assumed=tuple(a for a in self.assumed if a not in changes))


@dataclass(frozen=True)
class Citation:
    """A source article as a reader would look it up, and the name of our stored copy.

    Title, publisher (or site) and date are given as the article gives them; where it
    gives none, the field says so in square brackets (docs/sources.md).
    """

    file: str  # the stored copy's file name, as in Exercise.source
    title: str
    publisher: str
    date: str
    author: str = ""


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str
    focus: Focus
    position: str
    equipment: tuple[str, ...]
    steps: tuple[str, ...]
    dose: Dose
    cautions: tuple[Caution, ...]
    source: str  # the seed file the facts come from (several joined by ", ")
    frequency: Frequency = field(default_factory=Frequency)
    variations: tuple[str, ...] = ()
    variation_per_set: bool = False  # each set is done in the next variation
    cue: str = ""  # the one thing to remember, short enough for a watch
    alternative_to: str | None = None  # e.g. knees-to-chest replaces hamstring stretches
    citations: tuple[Citation, ...] = ()  # one per file named in ``source``, in that order


PROGRESSING = ("hold_s", "reps", "sets")  # the dose fields a progression may step


@dataclass(frozen=True)
class Progression:
    """Weekly steps of a dose: week 1 (from the plan's start) takes the first value of each
    list, every later week the next one, and the last value is kept from then on."""

    hold_s: tuple[int, ...] = ()
    reps: tuple[int, ...] = ()
    sets: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in PROGRESSING)

    @property
    def weeks(self) -> int:
        """The week from which nothing changes any more (1 without steps)."""
        return max((len(getattr(self, name)) for name in PROGRESSING), default=0) or 1

    def steps_at(self, week: int) -> dict[str, int]:
        """The stepped fields' values in ``week`` (1-based; earlier weeks read as week 1)."""
        index = max(week, 1) - 1
        return {
            name: steps[min(index, len(steps) - 1)] for name in PROGRESSING if (steps := getattr(self, name))
        }

    def dose_at(self, dose: Dose, week: int) -> Dose:
        """``dose`` as it is in ``week``; InvalidDose names ``<field>`` of a step that cannot be."""
        return dose.with_overrides(**self.steps_at(week)) if self else dose

    def check(self, dose: Dose) -> None:
        """Every step must make a valid dose; InvalidDose names ``<field>.<index>`` of the first bad one."""
        for name in PROGRESSING:
            for index, value in enumerate(getattr(self, name)):
                try:
                    dose.with_overrides(**{name: value})
                except InvalidDose as err:
                    raise InvalidDose(err.template, field=f"{name}.{index}", values=err.values) from None


@dataclass(frozen=True)
class RoutineEntry:
    exercise: Exercise
    dose: Dose
    progression: Progression = field(default_factory=Progression)

    @property
    def seconds(self) -> int:
        return self.dose.seconds

    def at_week(self, week: int) -> RoutineEntry:
        """This entry with the dose of ``week`` (itself when it does not progress)."""
        if not self.progression:
            return self
        return replace(self, dose=self.progression.dose_at(self.dose, week))

    def variation_for_set(self, set_no: int) -> str | None:
        """The variation done in set ``set_no`` (1-based), when each set has its own."""
        ex = self.exercise
        if ex.variation_per_set and ex.variations:
            return ex.variations[(set_no - 1) % len(ex.variations)]
        return None


def ordered_cautions(cautions: object) -> tuple[Caution, ...]:
    """Deduplicate by id and order contraindications, then stop rules, then form."""
    seen: dict[str, Caution] = {}
    for caution in cautions:  # type: ignore[attr-defined]
        seen.setdefault(caution.id, caution)
    return tuple(sorted(seen.values(), key=lambda c: CAUTION_ORDER[c.kind]))


@dataclass(frozen=True)
class Routine:
    id: str
    name: str
    description: str
    entries: tuple[RoutineEntry, ...]
    frequency: Frequency = field(default_factory=Frequency)
    builtin: bool = True
    # A line every export puts first in its notes (a pain hold's warning); empty for a plain routine.
    notice: str = ""

    def __post_init__(self) -> None:
        if not self.entries:
            raise InvalidRoutine(N_("a routine needs at least one exercise"), field="exercises")
        for i, entry in enumerate(self.entries):
            if entry.dose.kind is DoseKind.OPEN:
                raise InvalidRoutine(
                    N_("{exercise}: the source gives no timing; give hold_s"),
                    field=f"exercises.{i}.hold_s",
                    values={"exercise": entry.exercise.id},
                )

    @property
    def progresses(self) -> bool:
        return any(entry.progression for entry in self.entries)

    @property
    def weeks(self) -> int:
        """The week from which the routine's doses stay the same (1 when nothing progresses)."""
        return max(entry.progression.weeks for entry in self.entries)

    def at_week(self, week: int, notice: str = "") -> Routine:
        """The routine as done in ``week`` of a plan, with ``notice`` first in its notes."""
        if not self.progresses and notice == self.notice:
            return self
        return replace(self, entries=tuple(entry.at_week(week) for entry in self.entries), notice=notice)

    @property
    def duration_s(self) -> int:
        """Computed, never stored: the sum of every entry's dose."""
        return sum(entry.seconds for entry in self.entries)

    @property
    def cautions(self) -> tuple[Caution, ...]:
        """The union of every exercise's cautions, contraindications first."""
        return ordered_cautions(c for entry in self.entries for c in entry.exercise.cautions)

    @property
    def focus(self) -> Focus:
        foci = {entry.exercise.focus for entry in self.entries}
        return foci.pop() if len(foci) == 1 else Focus.MIXED

    @property
    def equipment(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e for entry in self.entries for e in entry.exercise.equipment))


WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# A plan's defaults; the plan rules (plugin.schemas.plans) fill the same for every caller.
DEFAULT_PLAN_NAME = "Stretching"  # plugin.formats.ical marks the same word for translation
DEFAULT_REMINDERS_MIN = (10,)


@dataclass(frozen=True)
class Plan:
    """When to do which routines: a calendar subscription or an installation's schedule."""

    routines: tuple[Routine, ...]
    times: tuple[time, ...]
    timezone: str
    days: tuple[str, ...] = WEEKDAYS
    reminders_min: tuple[int, ...] = DEFAULT_REMINDERS_MIN
    start: date | None = None
    name: str = DEFAULT_PLAN_NAME
    language: str = "en"  # the language of every text a person reads (plugin.i18n.LANGUAGES)


@dataclass(frozen=True)
class ExerciseDone:
    exercise_id: str
    sets: int | None = None
    reps: int | None = None
    hold_s: int | None = None
    duration_s: int | None = None
    side: str | None = None


@dataclass(frozen=True)
class CompletedSession:
    source: str  # "wger", "hevy", "strava", "fit", "host", ...
    source_id: str  # unique with the installation: the idempotency key
    routine_id: str | None
    started_at: datetime
    duration_s: int
    exercises: tuple[ExerciseDone, ...] = ()
    pain: int | None = None
    notes: str = ""
