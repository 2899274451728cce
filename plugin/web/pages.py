"""Pages for people: the catalog, a printable routine handout, subscribing, adherence.

Server-rendered Jinja templates and one stylesheet; no scripts are needed to read
anything. Not part of the OpenAPI document: these are pages, not the API. Like the
API views, a page parses, calls one service and renders.
"""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import available_timezones

from flask import Blueprint, Response, current_app, make_response, render_template, request, url_for

from plugin.catalog import figures
from plugin.catalog.localize import localize
from plugin.errors import InvalidInput, StretchsyncError
from plugin.formats import registry, text
from plugin.i18n import N_, NATIVE_NAMES, _, current
from plugin.schemas import plans
from plugin.services import calendar_adherence as adherence_service
from plugin.services import calendars as calendar_service
from plugin.services import routines as routine_service
from plugin.services.adherence import AdherenceReport
from plugin.web.calendars import feed_urls, manage_url
from plugin.web.charts import ChartDay, adherence_svg, day_name
from plugin.web.context import base_url, database
from plugin.web.figures import figure_url
from plugin.web.forms import REMINDER_CHOICES, SubscribeForm
from plugin.web.problems import status_of

blp = Blueprint(
    "pages", __name__, template_folder="templates", static_folder="static", static_url_path="/assets"
)

# What a person sees on an export link; a format missing here shows its name.
FORMAT_LABELS = {
    "ics": N_("Calendar file"),
    "fit": N_("Garmin FIT workout"),
    "garmin": N_("Garmin Connect JSON"),
    "hevy": N_("Hevy routine JSON"),
    "csv": N_("CSV for Strong / Hevy import"),
    "json": N_("stretchsync JSON"),
    "fhir": N_("FHIR R4 for clinicians"),
}


NAV = (
    (N_("Routines"), "pages.catalog_page"),
    (N_("Subscribe"), "pages.subscribe_page"),
    (N_("Connect"), "connect.connect_page"),
    (N_("API"), "apidocs.api_docs"),
)


@blp.context_processor
def page_context() -> dict:
    # The templates word doses and cautions through formats/text.py, the one place for wording.
    nav = [(_(label), url_for(endpoint)) for label, endpoint in NAV if endpoint in current_app.view_functions]
    # Every exercise has a drawing (plugin/catalog/figures.py); pages show it beside the words.
    return {"text": text, "nav": nav, "figures": figures, "figure_url": figure_url}


@blp.errorhandler(StretchsyncError)
def error_page(exc: StretchsyncError) -> tuple[str, int]:
    status = status_of(exc)
    return render_template("error.html", message=exc.message, status=status), status


@blp.get("/")
def catalog_page() -> str:
    """Show every routine as a card."""
    with database().unit_of_work() as session:
        routines = [localize(r) for r in routine_service.list_routines(session)]
    return render_template("catalog.html", routines=routines)


@blp.get("/routine/<routine_id>")
def routine_page(routine_id: str) -> str:
    """Show one routine as a printable handout, with links to its exports."""
    with database().unit_of_work() as session:
        routine = localize(routine_service.get_routine(session, routine_id))
    exports = [
        (name, _(FORMAT_LABELS.get(name, name.upper())), registry.FORMATS[name].EXTENSION)
        for name in registry.names()
    ]
    subscribe_url = url_for("pages.subscribe_page", routine=routine.id)
    return render_template("routine.html", routine=routine, exports=exports, subscribe_url=subscribe_url)


FIELD_LABELS = {
    "routines": N_("Routines"),
    "days": N_("Days"),
    "times": N_("Times of day"),
    "timezone": N_("Time zone"),
    "reminders": N_("Reminders"),
    "name": N_("Calendar name"),
    "language": N_("Language of the calendar"),
}


def _subscribe_form(form: SubscribeForm, status: int = 200) -> tuple[str, int]:
    with database().unit_of_work() as session:
        routines = [localize(r) for r in routine_service.list_routines(session)]
    return (
        render_template(
            "subscribe.html",
            form=form,
            routines=routines,
            days=text.day_names(),
            timezones=sorted(available_timezones()),
            reminder_choices=REMINDER_CHOICES,
            labels={name: _(label) for name, label in FIELD_LABELS.items()},
            languages=list(NATIVE_NAMES.items()),
        ),
        status,
    )


@blp.get("/subscribe")
def subscribe_page() -> tuple[str, int]:
    """Show the subscribe form; ?routine=<id> ticks that routine."""
    form = SubscribeForm(
        routines=request.args.getlist("routine"),
        days=list(plans.DEFAULTS["days"]),
        times="07:30",
        language=current().code,
    )
    return _subscribe_form(form)


@blp.post("/subscribe")
def subscribe() -> tuple[str, int] | Response:
    """Create a calendar through the same schema and service as POST /calendars."""
    form = SubscribeForm.from_request(request.form)
    body = form.checked_plan()
    if body is None:
        return _subscribe_form(form, 422)
    try:
        with database().unit_of_work() as session:
            created = calendar_service.create_calendar(session, body)
    except InvalidInput as err:
        form.add_error(err.field or "form", err.message)
        return _subscribe_form(form, 422)
    urls = feed_urls(created.token)
    page = render_template(
        "subscribed.html",
        plan=replace(created.plan, routines=tuple(localize(r) for r in created.plan.routines)),
        days=text.days_phrase(created.plan.days),
        times=", ".join(at.strftime("%H:%M") for at in created.plan.times),
        feed_url=urls["url"],
        webcal_url=urls["webcal_url"],
        manage_url=manage_url(created.manage_token or ""),
        adherence_url=base_url() + url_for("pages.adherence_page", token=created.token),
    )
    return private(make_response(page, 201))


def private(response: Response) -> Response:
    """Keep a page whose URL is a secret out of caches and Referer headers."""
    # The URL carries the calendar's token: keep it out of shared caches and Referer headers.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def chart_days(report: AdherenceReport) -> list[ChartDay]:
    """One ChartDay per day of an adherence report; high pain when a flagged session started that day."""
    pain_days = {flag.started_at.date() for flag in report.flagged}
    return [
        ChartDay(
            day=day.day,
            planned=day.planned,
            done=day.completed,
            complete=day.done,
            high_pain=day.day in pain_days,
            pending=day.day == report.last and not day.done,
        )
        for day in report.per_day
    ]


@blp.get("/adherence/<token>")
def adherence_page(token: str) -> Response:
    """Show the last 30 days of a calendar: planned against done, streak, misses, high pain."""
    with database().unit_of_work() as session:
        report = adherence_service.calendar_adherence(session, token)
    days = chart_days(report)
    title = _("Planned and done sessions per day, {first} to {last}").format(
        first=report.first, last=report.last
    )
    # Built-in routines' names in the page's language; a custom one's as its author wrote it.
    report = replace(report, routine_names={k: _(v) for k, v in report.routine_names.items()})
    page = render_template(
        "adherence.html",
        day_name=day_name,
        report=report,
        days=days,
        chart=adherence_svg(days, title=title),
        done_days=sum(1 for d in days if d.done),
    )
    return private(make_response(page))
