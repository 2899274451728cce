"""The drawings in the pages' markup: where they are, what their alt text says, valid HTML."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from plugin import catalog, figures
from plugin.catalog import figures as catalog_figures


class _Images(HTMLParser):
    """Every <img> with the data-exercise / data-routine / label it sits in."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict] = []
        self.within: dict[str, str | None] = {"exercise": None, "routine": None, "label": None}
        self.stack: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        key = None
        if "data-exercise" in values:
            key, self.within["exercise"] = "exercise", values["data-exercise"]
        elif "data-routine" in values:
            key, self.within["routine"] = "routine", values["data-routine"]
        elif tag == "label":
            key, self.within["label"] = "label", values.get("for")
        if tag == "img":
            self.images.append({**values, **{f"in_{k}": v for k, v in self.within.items()}})
        elif tag not in ("input", "br", "link", "meta"):
            self.stack.append((tag, key))

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, key = self.stack.pop()
            if key:
                self.within[key] = None
            if open_tag == tag:
                break


def _images(markup: str) -> list[dict]:
    parser = _Images()
    parser.feed(markup)
    return parser.images


@pytest.mark.parametrize("routine", catalog.builtin_routines(), ids=lambda r: r.id)
def test_handout_has_each_exercise_drawing_with_its_description_as_alt(html_page, routine):
    images = _images(html_page(f"/routine/{routine.id}"))
    for entry in routine.entries:
        ex = entry.exercise
        own = catalog_figures.own_variation_figures(ex.id)
        shown = [i for i in images if i["in_exercise"] == ex.id]
        assert len(shown) == 1 + len(own)
        main = catalog_figures.exercise_figure(ex.id)
        assert shown[0]["src"] == f"{catalog_figures.figure_path(ex.id)}?v={figures.fingerprint(main.id)}"
        assert shown[0]["alt"] == main.desc
        for image, (variation, drawing) in zip(shown[1:], own, strict=True):
            assert image["src"].startswith(catalog_figures.figure_path(ex.id, variation.slug) + "?v=")
            assert image["alt"] == drawing.desc
        for image in shown:
            assert (image["width"], image["height"]) == ("240", "160")


def test_catalog_cards_name_each_drawing(html_page):
    images = _images(html_page("/"))
    for routine in catalog.builtin_routines():
        exercises = list(dict.fromkeys(e.exercise.id for e in routine.entries))
        shown = [i for i in images if i["in_routine"] == routine.id]
        assert [i["src"].split("?")[0] for i in shown] == [catalog_figures.figure_path(e) for e in exercises]
        assert [i["alt"] for i in shown] == [catalog_figures.exercise_figure(e).title for e in exercises]


def test_subscribe_choices_show_drawings_that_leave_the_label_alone(html_page):
    images = _images(html_page("/subscribe?routine=desk-break"))
    for routine in catalog.builtin_routines():
        shown = [i for i in images if i["in_label"] == f"routine-{routine.id}"]
        assert len(shown) == len({e.exercise.id for e in routine.entries})
        # The routine's name already says it; a decorative picture adds nothing to the label.
        assert all(i["alt"] == "" for i in shown)
