"""The catalog and routine pages through the Flask test client: content, order, validity."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from plugin import catalog
from plugin.catalog.model import CAUTION_ORDER
from plugin.formats import registry, text


class _Collect(HTMLParser):
    """Gather the text of elements by a data-* attribute, and every link."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, dict]] = []
        self.cautions: list[str] = []
        self.exercises: list[str] = []
        self.cards: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "a":
            self.links.append((values.get("href"), values))
        if "data-caution" in values:
            self.cautions.append(values["data-caution"])
        if "data-exercise" in values:
            self.exercises.append(values["data-exercise"])
        if "data-routine" in values and "card" in (values.get("class") or ""):
            self.cards.append(values["data-routine"])


def _parse(markup: str) -> _Collect:
    collected = _Collect()
    collected.feed(markup)
    return collected


def _plain(markup: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)).replace("&#39;", "'").replace("&amp;", "&")


def test_catalog_shows_every_routine_as_a_card(html_page):
    markup = html_page("/")
    page = _parse(markup)
    routines = catalog.builtin_routines()
    assert page.cards == [r.id for r in routines]
    hrefs = [href for href, _ in page.links]
    plain = _plain(markup)
    for routine in routines:
        assert f"/routine/{routine.id}" in hrefs
        assert routine.name in plain
        assert text.seconds_phrase(routine.duration_s) in plain
        assert text.count_phrase(len(routine.entries), "exercise") in plain
        assert text.FOCUS_LABEL[routine.focus] in plain
        for caution in routine.cautions:
            assert caution.short in plain


def test_catalog_lists_custom_routines_too(client):
    created = client.post(
        "/routines",
        json={
            "name": "My wall set",
            "description": "",
            "exercises": [{"exercise": "legs-up-wall-hamstring"}],
        },
    )
    assert created.status_code == 201
    page = _parse(client.get("/").get_data(as_text=True))
    assert page.cards[-1] == created.json["id"]


@pytest.mark.parametrize("routine", catalog.builtin_routines(), ids=lambda r: r.id)
def test_routine_page_is_a_full_handout(html_page, routine):
    markup = html_page(f"/routine/{routine.id}")
    page = _parse(markup)
    plain = _plain(markup)
    # Exercises in the routine's order, each with its dose in the shared wording and its steps.
    assert page.exercises == [entry.exercise.id for entry in routine.entries]
    for entry in routine.entries:
        assert text.entry_dose_phrase(entry) in plain
        for step in entry.exercise.steps:
            assert step in plain
        for item in entry.exercise.equipment:
            assert item in plain
    # Every caution of the routine, once, contraindications first, then stop rules, then form.
    assert page.cautions == [c.id for c in routine.cautions]
    kinds = [CAUTION_ORDER[c.kind] for c in routine.cautions]
    assert kinds == sorted(kinds)
    for caution in routine.cautions:
        assert caution.text in plain
    # The cautions come before the first exercise.
    assert markup.index('class="cautions"') < markup.index('class="exercise"')


@pytest.mark.parametrize("routine", catalog.builtin_routines(), ids=lambda r: r.id)
def test_routine_page_cites_every_exercise_source(client, routine):
    markup = client.get(f"/routine/{routine.id}").get_data(as_text=True)
    items = markup.split('<li class="exercise"')[1:]
    assert len(items) == len(routine.entries)
    for entry, item in zip(routine.entries, items, strict=True):
        plain = _plain(item.split("</article>")[0])  # this exercise's item, up to the next one
        assert "Source:" in plain
        for citation in entry.exercise.citations:
            assert citation.title in plain and citation.publisher in plain and citation.date in plain
            assert citation.file not in plain  # the file name is for us, not for the reader


def test_contract_relax_reads_in_plain_language(client):
    plain = _plain(client.get("/routine/contract-relax").get_data(as_text=True))
    assert "3 sets × 3 × 6 s push at 20-30 % effort, each leg" in plain
    assert "foot pointing up / foot turned in / foot turned out" in plain


def test_routine_page_links_every_registered_export_format(client):
    page = _parse(client.get("/routine/daily-hamstring").get_data(as_text=True))
    export_links = {attrs["data-format"]: href for href, attrs in page.links if "data-format" in attrs}
    assert sorted(export_links) == registry.names()
    for fmt, href in export_links.items():
        assert href == f"/routines/daily-hamstring/export/{fmt}"
        answer = client.get(href)
        assert answer.status_code == 200, fmt
        assert answer.mimetype == registry.FORMATS[fmt].MEDIA_TYPE


def test_a_format_registered_later_is_linked_without_touching_the_page(client, monkeypatch):
    from plugin.formats import canonical

    monkeypatch.setitem(registry.FORMATS, "json-copy", canonical)
    page = _parse(client.get("/routine/desk-break").get_data(as_text=True))
    assert "json-copy" in {attrs.get("data-format") for _, attrs in page.links}


def test_unknown_routine_is_a_404_page_not_json(html_page):
    assert "no routine 'no-such-routine'" in _plain(html_page("/routine/no-such-routine", 404))


def test_the_json_api_keeps_its_own_urls(client):
    assert client.get("/routines/daily-hamstring").mimetype == "application/json"
    assert client.get("/routines/nope").mimetype == "application/problem+json"


def test_pages_use_only_their_own_assets(client):
    for path in ("/", "/routine/contract-relax"):
        markup = client.get(path).get_data(as_text=True)
        for url in re.findall(r'(?:src|href)="([^"]+)"', markup):
            assert not url.startswith(("http:", "https:", "//")), url
    for asset in ("site.css", "print.css", "print.js"):
        with client.get(f"/assets/{asset}") as answer:
            assert answer.status_code == 200
