"""Every export in German, French and Spanish: every caution in that language, none left in English."""

from __future__ import annotations

import csv as csv_module
import io
import json
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from babel.messages.pofile import read_po
from garmin_fit_sdk import Decoder, Stream
from ical_readers import node_available, with_icalendar, with_icaljs, with_vobject

from plugin import catalog, i18n
from plugin.catalog.localize import localize, localize_plan
from plugin.catalog.model import Plan
from plugin.formats import ical, registry
from plugin.formats.workout_steps import FIT_STRING_BYTES
from plugin.services.exports import export_in

LANGS = ("de", "fr", "es")
ROUTINES = catalog.builtin_routines()


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def fit_strings(body: bytes) -> list[str]:
    messages, errors = Decoder(Stream.from_byte_array(bytearray(body))).read()
    assert errors == []
    return [s for mesgs in messages.values() for m in mesgs for s in _strings(m)]


def readable_text(fmt: str, body: bytes) -> str:
    """Everything a person can read in an export, as plain text."""
    if fmt == "fit":
        return "\n".join(fit_strings(body))
    if fmt == "ics":
        unfolded = body.decode("utf-8").replace("\r\n ", "")
        return unfolded.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")
    if fmt == "csv":
        return "\n".join(cell for row in csv_module.reader(io.StringIO(body.decode("utf-8"))) for cell in row)
    return "\n".join(_strings(json.loads(body)))


@pytest.mark.parametrize("code", LANGS)
@pytest.mark.parametrize("fmt", registry.names())
@pytest.mark.parametrize("routine", ROUTINES, ids=lambda r: r.id)
def test_every_caution_is_in_the_target_language(routine, fmt: str, code: str) -> None:
    lang = i18n.language(code)
    text = readable_text(fmt, export_in(fmt, routine, lang))
    for caution in routine.cautions:
        full, short = lang.gettext(caution.text), lang.gettext(caution.short)
        assert full != caution.text and short != caution.short
        assert full in text or short in text, f"{fmt} {code}: {caution.id} missing"
        assert caution.text not in text, f"{fmt} {code}: English {caution.id}"
        assert caution.short not in text, f"{fmt} {code}: English short {caution.id}"


@pytest.mark.parametrize("code", LANGS)
@pytest.mark.parametrize("routine", ROUTINES, ids=lambda r: r.id)
def test_fit_in_every_language_decodes_and_fits_its_fields(routine, code: str) -> None:
    body = export_in("fit", routine, i18n.language(code))
    assert Decoder(Stream.from_byte_array(bytearray(body))).check_integrity()
    strings = fit_strings(body)
    assert all(len(s.encode("utf-8")) <= FIT_STRING_BYTES for s in strings)
    # The overflow rule drops nothing: every full caution text is whole in the file.
    blob = "\n".join(strings)
    for caution in routine.cautions:
        assert i18n.language(code).gettext(caution.text) in blob


def test_export_file_name_and_ids_do_not_follow_the_language(client) -> None:
    english = client.get("/routines/contract-relax/export/csv")
    german = client.get("/routines/contract-relax/export/csv?lang=de")
    assert english.status_code == german.status_code == 200
    assert english.headers["Content-Disposition"] == german.headers["Content-Disposition"]
    assert "Kontraindikation" in german.get_data(as_text=True)
    assert "Contraindication" in english.get_data(as_text=True)
    wrong = client.get("/routines/contract-relax/export/csv?lang=xx")
    assert wrong.status_code == 422
    assert wrong.mimetype == "application/problem+json"
    assert "lang" in wrong.get_json()["errors"]


def test_a_german_feed_is_read_the_same_by_three_readers() -> None:
    plan = Plan(
        routines=(catalog.builtin_routine("contract-relax"), catalog.builtin_routine("trunk-rotation")),
        times=(time(7, 30),),
        timezone="Europe/Berlin",
        days=("MO", "WE", "FR"),
        start=date(2026, 3, 23),
        language="de",
    )
    with i18n.using("de") as lang:
        body = ical.feed(
            localize_plan(plan, lang),
            feed_id="feedid",
            sequence=1,
            changed_at=datetime(2026, 3, 20, tzinfo=UTC),
        )
    first, last = date(2026, 3, 23), date(2026, 4, 5)  # across the change to summer time
    readers = [with_icalendar, with_vobject] + ([with_icaljs] if node_available() else [])
    results = [reader(body, first, last) for reader in readers]
    assert results[0] and all(result == results[0] for result in results[1:])
    german = localize(plan.routines[0], i18n.language("de"))
    for occurrence in results[0]:
        if occurrence.uid.startswith("feedid-contract-relax"):
            assert occurrence.summary.startswith(german.name)
            assert "WARNHINWEISE (zuerst lesen)" in occurrence.description
            assert german.cautions[0].text in occurrence.description


def test_a_calendar_keeps_its_uids_when_its_language_changes(client) -> None:
    created = client.post(
        "/calendars",
        json={"routines": ["daily-hamstring"], "times": ["07:30"], "timezone": "Europe/Paris"},
        headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"},
    )
    assert created.status_code == 201
    token, manage = created.get_json()["token"], created.get_json()["manage_token"]
    shown = client.get(f"/calendars/{token}").get_json()
    assert shown["language"] == "fr"  # from Accept-Language
    before = client.get(f"/calendars/{token}.ics").get_data()
    changed = client.patch(f"/calendars/{manage}", json={"language": "de"})
    assert changed.status_code == 200
    assert changed.get_json()["sequence"] == shown["sequence"] + 1
    after = client.get(f"/calendars/{token}.ics").get_data()
    uids = [
        sorted(line for line in body.decode().replace("\r\n ", "").splitlines() if line.startswith("UID:"))
        for body in (before, after)
    ]
    assert uids[0] == uids[1] and uids[0]
    assert "PRÉCAUTIONS" in readable_text("ics", before)
    assert "WARNHINWEISE" in readable_text("ics", after)
    refused = client.patch(f"/calendars/{manage}", json={"language": "xx"})
    assert refused.status_code == 422
    assert "language" in refused.get_json()["errors"]


def test_problem_detail_follows_the_request_language(client) -> None:
    answer = client.post("/calendars", json={"routines": "x"}, headers={"Accept-Language": "de"})
    assert answer.status_code == 422
    assert answer.get_json()["detail"].startswith("Die Anfrage hat ungültige Felder")
    assert answer.get_json()["title"] == "Unprocessable Entity"


def _english_sentences(code: str) -> list[str]:
    """Our English texts that read differently in ``code`` (long enough not to be a field value)."""
    lang = i18n.language(code)
    with (i18n.TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        messages = [m.id for m in read_po(fp) if isinstance(m.id, str) and m.id]
    return [
        mid
        for mid in messages
        if len(mid) >= 12 and "{" not in mid and "%(" not in mid and lang.gettext(mid) != mid
    ]


@pytest.mark.parametrize("code", LANGS)
@pytest.mark.parametrize("fmt", registry.names())
def test_no_english_text_of_ours_is_left(fmt: str, code: str) -> None:
    english = _english_sentences(code)
    for routine in ROUTINES:
        text = readable_text(fmt, export_in(fmt, routine, i18n.language(code)))
        left = [mid for mid in english if mid in text]
        assert left == [], f"{fmt} {code} {routine.id}: {left[:3]}"


def test_a_care_plan_speaks_its_calendars_language(client) -> None:
    created = client.post(
        "/calendars",
        json={
            "routines": ["trunk-rotation"],
            "times": ["08:00"],
            "timezone": "Europe/Madrid",
            "language": "es",
        },
    )
    token = created.get_json()["url"].rsplit("/", 1)[1].removesuffix(".ics")
    care_plan = client.get(f"/calendars/{token}/fhir").get_json()
    assert care_plan["category"][0]["text"] == "Estiramientos"
    assert "zona horaria Europe/Madrid" in care_plan["description"]
    assert care_plan["activity"][0]["detail"]["code"]["text"] == "Rotación del tronco"


def test_reading_back_does_not_depend_on_the_language() -> None:
    from plugin.formats import fit, hevy
    from plugin.formats.wger.sessions import exercise_for_comment

    for code in LANGS:
        lang = i18n.language(code)
        notes = lang.gettext("Right leg (then the left leg).")
        assert hevy.side_from_notes(notes) == "right"
        lying = lang.gettext("Lying hamstring stretch")
        assert exercise_for_comment(f"{lying}, {lang.gettext('left leg')}.") == "lying-hamstring"
        routine = catalog.builtin_routine("disc-safe")
        assert fit._routine_for_name(lang.gettext(routine.name), ROUTINES) is routine
