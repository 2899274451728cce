"""The adherence chart drawn as SVG on the server: days × planned / done / pain in, markup out.

Pure functions, no Flask: the page embeds the string inline, so the chart needs no
script, no chart service and no network, and reads in a text browser through its
<title> and <desc> (and the table the page prints beside it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape, quoteattr

# Geometry in SVG user units; the viewBox scales the whole drawing to the page width.
DAY_W = 20
BAR_W = 14
PLOT_H = 120
TOP = 18  # room above the tallest bar for the pain marks
LEFT = 26  # room for the y axis labels
BOTTOM = 30  # room for the date labels


@dataclass(frozen=True)
class ChartDay:
    """One day of the chart: sessions planned, sessions done, and whether one hurt a lot."""

    day: date
    planned: int
    done: int
    high_pain: bool = False

    @property
    def status(self) -> str:
        """'done', 'partial', 'missed' or 'rest' — the class the day's bar gets."""
        if self.done and self.done >= self.planned:
            return "done"
        if self.done:
            return "partial"
        if self.planned:
            return "missed"
        return "rest"


@dataclass(frozen=True)
class Summary:
    done_days: int
    missed_days: int
    high_pain_days: int
    streak: int
    planned: int
    done: int


def summarise(days: Sequence[ChartDay]) -> Summary:
    """Count done, missed and high-pain days, and the current streak of fully done days.

    The streak counts back from the last day; days with nothing planned and nothing
    done neither break nor extend it, and the last day may still be under way, so a
    missed last day does not break it either.
    """
    streak = 0
    for position, day in enumerate(reversed(days)):
        if day.status == "done":
            streak += 1
        elif day.status == "rest" or (position == 0 and day.status == "missed"):
            continue
        else:
            break
    return Summary(
        done_days=sum(1 for d in days if d.done),
        missed_days=sum(1 for d in days if d.status == "missed"),
        high_pain_days=sum(1 for d in days if d.high_pain),
        streak=streak,
        planned=sum(d.planned for d in days),
        done=sum(d.done for d in days),
    )


def day_label(day: ChartDay) -> str:
    """'Mon 3 Nov: 1 of 2 done, high pain' — the tooltip and the table row say the same."""
    text = f"{day.day:%a} {day.day.day} {day.day:%b}: {day.done} of {day.planned} done"
    return text + (", high pain" if day.high_pain else "")


def adherence_svg(days: Sequence[ChartDay], title: str = "Planned and done sessions per day") -> str:
    """Draw one column per day: planned as an outline, done as a filled bar, high pain as a mark."""
    top = max([1, *(d.planned for d in days), *(d.done for d in days)])
    unit = PLOT_H / top
    width = LEFT + DAY_W * len(days) + 4
    height = TOP + PLOT_H + BOTTOM
    base = TOP + PLOT_H
    summary = summarise(days)
    desc = (
        f"{len(days)} days: {summary.done} of {summary.planned} planned sessions done on "
        f"{summary.done_days} days, {summary.missed_days} days missed, "
        f"{summary.high_pain_days} days with high pain, streak {summary.streak} days."
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="adherence-chart" role="img" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="chart-title chart-desc">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(desc)}</desc>',
    ]
    for count in range(top + 1):
        y = base - count * unit
        out.append(f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{width - 2}" y2="{y:.1f}"/>')
        out.append(f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{count}</text>')
    for index, day in enumerate(days):
        x = LEFT + index * DAY_W + (DAY_W - BAR_W) / 2
        out.append(
            f'<g class="day {day.status}{" pain" if day.high_pain else ""}" '
            f'data-date="{day.day.isoformat()}" data-planned="{day.planned}" data-done="{day.done}">'
        )
        out.append(f"<title>{escape(day_label(day))}</title>")
        if day.planned:
            h = day.planned * unit
            out.append(
                f'<rect class="planned" x="{x:.1f}" y="{base - h:.1f}" width="{BAR_W}" height="{h:.1f}"/>'
            )
        if day.done:
            h = day.done * unit
            out.append(
                f'<rect class="done-bar" x="{x + 2:.1f}" y="{base - h:.1f}" '
                f'width="{BAR_W - 4}" height="{h:.1f}"/>'
            )
        elif day.planned:
            # A cross under the empty outline, so a missed day does not depend on colour alone.
            cx, cy = x + BAR_W / 2, base + 6
            out.append(
                f'<path class="missed-mark" d="M{cx - 3:.1f} {cy - 3:.1f}l6 6m0 -6l-6 6"/>'
            )
        if day.high_pain:
            top_y = base - max(day.planned, day.done) * unit
            cx = x + BAR_W / 2
            out.append(
                f'<path class="pain-mark" d="M{cx:.1f} {top_y - 14:.1f}l6 10h-12z"/>'
                f'<text class="pain-text" x="{cx:.1f}" y="{top_y - 5.5:.1f}" text-anchor="middle">!</text>'
            )
        if index % 7 == 0 or index == len(days) - 1:
            label = quoteattr(day.day.isoformat())
            out.append(
                f'<text class="axis date" x="{x + BAR_W / 2:.1f}" y="{base + 22}" '
                f'text-anchor="middle" data-iso={label}>{day.day.day} {day.day:%b}</text>'
            )
        out.append("</g>")
    out.append(f'<line class="baseline" x1="{LEFT}" y1="{base}" x2="{width - 2}" y2="{base}"/>')
    out.append("</svg>")
    return "\n".join(out)
