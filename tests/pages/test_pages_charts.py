"""The server-drawn adherence chart, read back with an XML parser."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from plugin.web.charts import ChartDay, adherence_svg, day_label

SVG = "{http://www.w3.org/2000/svg}"
START = date(2026, 10, 24)


def _days(*spec: tuple[int, int, bool]) -> list[ChartDay]:
    """Days from (planned, done, high pain); complete when done reaches planned."""
    return [
        ChartDay(START + timedelta(days=i), planned, done, complete=0 < planned <= done, high_pain=pain)
        for i, (planned, done, pain) in enumerate(spec)
    ]


def _groups(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{SVG}g") if "day" in g.get("class", "").split()]


def _classes(group: ET.Element) -> set[str]:
    return set(group.get("class", "").split())


def test_one_group_per_day_with_status_classes():
    days = _days((1, 1, False), (2, 1, False), (1, 0, False), (0, 0, False), (0, 1, True))
    groups = _groups(adherence_svg(days))
    assert [g.get("data-date") for g in groups] == [d.day.isoformat() for d in days]
    statuses = [_classes(g) - {"day", "pain"} for g in groups]
    assert statuses == [{"done"}, {"partial"}, {"missed"}, {"rest"}, {"extra"}]
    assert ["pain" in _classes(g) for g in groups] == [False, False, False, False, True]
    assert [(g.get("data-planned"), g.get("data-done")) for g in groups] == [
        ("1", "1"),
        ("2", "1"),
        ("1", "0"),
        ("0", "0"),
        ("0", "1"),
    ]


def test_bar_heights_are_proportional_to_the_counts():
    days = _days((2, 2, False), (2, 1, False), (1, 0, False))
    groups = _groups(adherence_svg(days))
    planned = [float(g.find(f"{SVG}rect[@class='planned']").get("height")) for g in groups]
    done = [
        float(r.get("height")) if (r := g.find(f"{SVG}rect[@class='done-bar']")) is not None else 0.0
        for g in groups
    ]
    assert planned[0] == pytest.approx(2 * planned[2])
    assert done[0] == pytest.approx(2 * done[1])
    assert done[2] == 0.0
    assert done[0] == pytest.approx(planned[0])


def test_missed_days_are_marked_without_colour_and_pain_is_marked():
    days = _days((1, 0, False), (1, 1, True), (1, 0, False))
    groups = _groups(adherence_svg(days))
    assert [g.find(f"{SVG}path[@class='missed-mark']") is not None for g in groups] == [True, False, True]
    assert [g.find(f"{SVG}path[@class='pain-mark']") is not None for g in groups] == [False, True, False]


def test_every_day_has_a_readable_title_and_the_chart_a_description():
    days = _days((2, 1, True), (1, 1, False))
    svg = adherence_svg(days, title="Last 2 days")
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text == "Last 2 days"
    assert "2 sessions done against 3 planned; 2 days with a session" in root.find(f"{SVG}desc").text
    titles = [g.find(f"{SVG}title").text for g in _groups(svg)]
    assert titles == ["Sat 24 Oct: 1 of 2 done, high pain", "Sun 25 Oct: 1 of 1 done"]
    assert titles[0] == day_label(days[0])


def test_text_is_escaped():
    svg = adherence_svg(_days((1, 1, False)), title="A < B & C")
    assert ET.fromstring(svg).find(f"{SVG}title").text == "A < B & C"


def test_thirty_days_scale_to_the_width_through_the_viewbox():
    days = [ChartDay(START + timedelta(days=i), 1, i % 2, False) for i in range(30)]
    root = ET.fromstring(adherence_svg(days))
    assert root.get("width") is None  # CSS sizes it; the viewBox keeps the proportions
    assert len(root.get("viewBox").split()) == 4
    assert len(_groups(adherence_svg(days))) == 30


def test_an_empty_month_draws_no_bars():
    days = [ChartDay(START + timedelta(days=i), 0, 0, False) for i in range(30)]
    root = ET.fromstring(adherence_svg(days))
    assert root.findall(f".//{SVG}rect") == []


def test_the_services_verdict_decides_a_done_day():
    # Two sessions of the same routine do not make up for another routine left undone.
    day = ChartDay(START, planned=2, done=2, complete=False)
    assert day.status == "partial"
    assert ChartDay(START, planned=2, done=2, complete=True).status == "done"


def test_today_under_way_is_not_drawn_as_missed():
    days = [ChartDay(START, 1, 0), ChartDay(START + timedelta(days=1), 1, 0, pending=True)]
    groups = _groups(adherence_svg(days))
    assert [_classes(g) - {"day"} for g in groups] == [{"missed"}, {"pending"}]
    assert groups[1].find(f"{SVG}path[@class='missed-mark']") is None
    assert day_label(days[1]) == "Sun 25 Oct: 0 of 1 done, today"
