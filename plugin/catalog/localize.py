"""The catalog's texts in a language: a routine copied with every sentence a person reads translated.

Ids, doses, sources and citations stay as they are (the citations name English
articles); names, steps, cues, positions, equipment, variations, frequency texts and
every caution's short and full text come from the language's catalog. A custom
routine's own name and description are the words its author typed and stay theirs.
"""

from __future__ import annotations

from dataclasses import replace

from plugin.catalog.model import DEFAULT_PLAN_NAME, Caution, Exercise, Frequency, Plan, Routine
from plugin.i18n import Language, current, language


def localize_caution(caution: Caution, lang: Language) -> Caution:
    """A caution with its text and short form in ``lang``."""
    return replace(caution, text=lang.gettext(caution.text), short=lang.gettext(caution.short))


def localize_frequency(frequency: Frequency, lang: Language) -> Frequency:
    return replace(frequency, text=lang.gettext(frequency.text))


def localize_exercise(exercise: Exercise, lang: Language) -> Exercise:
    """An exercise with every text a person reads in ``lang``."""
    if lang.code == "en":
        return exercise
    tr = lang.gettext
    return replace(
        exercise,
        name=tr(exercise.name),
        position=tr(exercise.position),
        equipment=tuple(tr(e) for e in exercise.equipment),
        steps=tuple(tr(s) for s in exercise.steps),
        cautions=tuple(localize_caution(c, lang) for c in exercise.cautions),
        frequency=localize_frequency(exercise.frequency, lang),
        variations=tuple(tr(v) for v in exercise.variations),
        cue=tr(exercise.cue),
        alternative_to=tr(exercise.alternative_to) if exercise.alternative_to else None,
    )


def localize(routine: Routine, lang: Language | None = None) -> Routine:
    """``routine`` in ``lang`` (the current language when not given)."""
    lang = lang or current()
    if lang.code == "en":
        return routine
    entries = tuple(replace(e, exercise=localize_exercise(e.exercise, lang)) for e in routine.entries)
    # A built-in routine's name and description are ours; a custom one's are its author's
    # (translated only where they are word for word a catalog text).
    return replace(
        routine,
        name=lang.gettext(routine.name),
        description=lang.gettext(routine.description),
        entries=entries,
        frequency=localize_frequency(routine.frequency, lang),
    )


def localize_plan(plan: Plan, lang: Language | None = None) -> Plan:
    """``plan`` with its routines in ``lang`` (the plan's own language when not given)."""
    lang = lang or language(plan.language)
    # The default calendar name is ours to translate; a name a person chose stays theirs.
    name = lang.gettext(plan.name) if plan.name == DEFAULT_PLAN_NAME else plan.name
    return replace(plan, name=name, routines=tuple(localize(r, lang) for r in plan.routines))
