"""The HTML checker itself: it must catch what it claims to catch."""

from __future__ import annotations

import pytest

from htmlcheck import html_problems

PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head><body>{}</body></html>'
)


def test_a_clean_page_passes():
    body = (
        '<form><label for="tz">Timezone</label><select id="tz"><option>UTC</option></select>'
        '<label for="t">Times</label><input type="text" id="t" name="t">'
        '<input type="hidden" name="x" value="1"><button type="submit">Go</button></form>'
        '<svg viewBox="0 0 1 1"><rect x="0" y="0" width="1" height="1"/></svg><p>text<br>more</p>'
    )
    assert html_problems(PAGE.format(body)) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<div><p>never closed</div>", "does not match <p>"),
        ("<ul><li>one<li>two</ul>", "does not match <li>"),
        ("<section><p>x</p>", "</body> does not match <section>"),
        ("<p>x</p></div>", "html5lib"),
        ("<span>a</b></span>", "</b> does not match <span>"),
        ('<input type="text" id="when" name="when">', "no <label for='when'>"),
        ('<label>Name <input type="text" name="n"></label>', "<input> has no id"),
        ('<label for="s">S</label><select id="x"></select>', "<select id='x'> has no <label for='x'>"),
        ('<p id="a">1</p><p id="a">2</p>', "duplicate id 'a'"),
        ("<div/>", "not a void element"),
        ("<br></br>", "void element"),
    ],
)
def test_a_broken_page_is_reported(body, expected):
    problems = html_problems(PAGE.format(body))
    assert any(expected in problem for problem in problems), problems


def test_a_truncated_page_reports_what_stays_open():
    truncated = '<!doctype html><html lang="en"><head><title>t</title></head><body><main><p>x</p>'
    problems = html_problems(truncated)
    assert any("<main> is never closed" in problem for problem in problems), problems
