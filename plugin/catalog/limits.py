"""Bounds on what a person may prescribe in a custom routine (one place for the rule)."""

from __future__ import annotations

SETS = (1, 10)
REPS = (1, 50)
HOLD_S = (1, 600)
REST_S = (0, 600)
DURATION_S = (1, 3600)
EXERCISES_PER_ROUTINE = (1, 30)
NAME_CHARS = (1, 200)
# A calendar plan (the "more than 6 times a day" is refused).
ROUTINES_PER_PLAN = (1, 10)
TIMES_PER_DAY = (1, 6)
REMINDER_MIN = (0, 7 * 24 * 60)
REMINDERS_PER_EVENT = 5
# A plan's week, as exports take it (?week=N); past a progression's last step nothing changes.
WEEKS = (1, 520)
# Weekly steps of one dose field in a custom routine's progression (a year of weeks).
PROGRESSION_STEPS = (1, 52)
