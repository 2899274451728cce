"""What wger's two API generations take: field sizes, value ranges, unit and weekday names."""

from __future__ import annotations

from dataclasses import dataclass

from plugin.catalog.model import WEEKDAYS

SOURCE = "wger"
MARKER = "stretchsync routine:"

# Repetition units are looked up by these names (docs/wger.md#repetition-units).
REPETITIONS = "Repetitions"
SECONDS = "Seconds"
MINUTES = "Minutes"

# 2.1 fixture days_of_week.json: 1 = Monday … 7 = Sunday.
WEEKDAY_PK = {day: n for n, day in enumerate(WEEKDAYS, start=1)}
WEEKDAY_NAME = dict(
    zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), strict=True)
)


@dataclass(frozen=True)
class Limits:
    """Field sizes and value ranges of one API generation (docs/wger.md#text-limits)."""

    name: int
    day_name: int
    description: int
    block_comment: int  # 2.1 set.comment, 2.3 slot.comment
    step_comment: int  # 2.1 setting.comment, 2.3 slot-entry.comment
    max_sets: int
    max_amount: int  # largest reps / seconds value
    settings_per_block: bool  # 2.1: several settings of a set are consecutive sets


V21 = Limits(
    name=100,
    day_name=100,
    description=1000,
    block_comment=200,
    step_comment=100,
    max_sets=10,
    max_amount=600,
    settings_per_block=True,
)
V23 = Limits(
    name=25,
    day_name=20,
    description=1000,
    block_comment=200,
    step_comment=100,
    max_sets=50,
    max_amount=3000,
    settings_per_block=False,
)
ROUTINE_WEEKS = 12
