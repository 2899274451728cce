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

from babel.dates import format_date

from plugin.i18n import _, current

# Geometry in SVG user units; the viewBox scales the whole drawing to the page width.
DAY_W = 20
BAR_W = 14
PLOT_H = 120
TOP = 18  # room above the tallest bar for the pain marks
LEFT = 26  # room for the y axis labels
BOTTOM = 30  # room for the date labels


@dataclass(frozen=True)
class ChartDay:
    """One day of the chart: sessions planned and done, and how the day went.

    ``complete`` is the adherence service's verdict (every routine planned that day
    done); ``pending`` marks today while it is still under way, so it is not drawn
    as missed; ``high_pain`` flags a session reported at the stop level.
    """

    day: date
    planned: int
    done: int
    complete: bool = False
    high_pain: bool = False
    pending: bool = False

    @property
    def status(self) -> str:
        """The class the day's column gets: done, partial, extra, missed, pending or rest."""
        if self.planned and self.complete:
            return "done"
        if self.done:
            return "partial" if self.planned else "extra"
        if self.planned:
            return "pending" if self.pending else "missed"
        return "rest"


def day_name(day: date) -> str:
    """'Mon 3 Nov' in the current language (a CLDR date pattern each catalog may reorder)."""
    return format_date(day, _("EEE d MMM"), locale=current().locale)


def short_date(day: date) -> str:
    """'3 Nov' in the current language, for the chart's axis."""
    return format_date(day, _("d MMM"), locale=current().locale)


def day_label(day: ChartDay) -> str:
    """'Mon 3 Nov: 1 of 2 done, high pain' — the tooltip and the table row say the same."""
    text = _("{day}: {done} of {planned} done").format(
        day=day_name(day.day), done=day.done, planned=day.planned
    )
    if day.status == "pending":
        text += ", " + _("today")
    return text + (", " + _("high pain") if day.high_pain else "")


def adherence_svg(days: Sequence[ChartDay], title: str | None = None) -> str:
    """Draw one column per day: planned as an outline, done as a filled bar, high pain as a mark."""
    top = max([1, *(d.planned for d in days), *(d.done for d in days)])
    unit = PLOT_H / top
    width = LEFT + DAY_W * len(days) + 4
    height = TOP + PLOT_H + BOTTOM
    base = TOP + PLOT_H
    title = title or _("Planned and done sessions per day")
    desc = _(
        "{days} days: {done} sessions done against {planned} planned; {active} days with a session, "
        "{missed} days missed, {pain} days with high pain."
    ).format(
        days=len(days),
        done=sum(d.done for d in days),
        planned=sum(d.planned for d in days),
        active=sum(1 for d in days if d.done),
        missed=sum(1 for d in days if d.status == "missed"),
        pain=sum(1 for d in days if d.high_pain),
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
        elif day.status == "missed":
            # A cross under the empty outline, so a missed day does not depend on colour alone.
            cx, cy = x + BAR_W / 2, base + 6
            out.append(f'<path class="missed-mark" d="M{cx - 3:.1f} {cy - 3:.1f}l6 6m0 -6l-6 6"/>')
        if day.high_pain:
            top_y = base - max(day.planned, day.done) * unit
            cx = x + BAR_W / 2
            out.append(
                f'<path class="pain-mark" d="M{cx:.1f} {top_y - 14:.1f}l6 10h-12z"/>'
                f'<text class="pain-text" x="{cx:.1f}" y="{top_y - 5.5:.1f}" text-anchor="middle">!</text>'
            )
        if (len(days) - 1 - index) % 7 == 0:  # a label a week, counted back from the last day
            label = quoteattr(day.day.isoformat())
            out.append(
                f'<text class="axis date" x="{x + BAR_W / 2:.1f}" y="{base + 22}" '
                f'text-anchor="middle" data-iso={label}>{escape(short_date(day.day))}</text>'
            )
        out.append("</g>")
    out.append(f'<line class="baseline" x1="{LEFT}" y1="{base}" x2="{width - 2}" y2="{base}"/>')
    out.append("</svg>")
    return "\n".join(out)
