"""Pages for people: the catalog, a printable routine handout, subscribing, adherence.

Server-rendered Jinja templates and one stylesheet; no scripts are needed to read
anything. Not part of the OpenAPI document: these are pages, not the API. Like the
API views, a page parses, calls one service and renders.
"""

from __future__ import annotations

from zoneinfo import available_timezones

from flask import Blueprint, Response, current_app, make_response, render_template, request, url_for

from plugin.catalog import figures
from plugin.errors import InvalidInput, StretchsyncError
from plugin.formats import registry, text
from plugin.schemas import plans
from plugin.services import calendar_adherence as adherence_service
from plugin.services import calendars as calendar_service
from plugin.services import routines as routine_service
from plugin.services.adherence import AdherenceReport
from plugin.web.calendars import feed_urls, manage_url
from plugin.web.charts import ChartDay, adherence_svg
from plugin.web.context import base_url, database
from plugin.web.figures import figure_url
from plugin.web.forms import REMINDER_CHOICES, SubscribeForm
from plugin.web.problems import status_of

blp = Blueprint(
    "pages", __name__, template_folder="templates", static_folder="static", static_url_path="/assets"
)

# What a person sees on an export link; a format missing here shows its name.
FORMAT_LABELS = {
    "ics": "Calendar file",
    "fit": "Garmin FIT workout",
    "garmin": "Garmin Connect JSON",
    "hevy": "Hevy routine JSON",
    "csv": "CSV for Strong / Hevy import",
    "json": "stretchsync JSON",
    "fhir": "FHIR R4 for clinicians",
}


NAV = (
    ("Routines", "pages.catalog_page"),
    ("Subscribe", "pages.subscribe_page"),
    ("Connect", "connect.connect_page"),
    ("API", "apidocs.api_docs"),
)


@blp.context_processor
def page_context() -> dict:
    # The templates word doses and cautions through formats/text.py, the one place for wording.
    nav = [(label, url_for(endpoint)) for label, endpoint in NAV if endpoint in current_app.view_functions]
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
        routines = routine_service.list_routines(session)
    return render_template("catalog.html", routines=routines)


@blp.get("/routine/<routine_id>")
def routine_page(routine_id: str) -> str:
    """Show one routine as a printable handout, with links to its exports."""
    with database().unit_of_work() as session:
        routine = routine_service.get_routine(session, routine_id)
    exports = [
        (name, FORMAT_LABELS.get(name, name.upper()), registry.FORMATS[name].EXTENSION)
        for name in registry.names()
    ]
    subscribe_url = url_for("pages.subscribe_page", routine=routine.id)
    return render_template("routine.html", routine=routine, exports=exports, subscribe_url=subscribe_url)


FIELD_LABELS = {
    "routines": "Routines",
    "days": "Days",
    "times": "Times of day",
    "timezone": "Time zone",
    "reminders": "Reminders",
    "name": "Calendar name",
}


def _subscribe_form(form: SubscribeForm, status: int = 200) -> tuple[str, int]:
    with database().unit_of_work() as session:
        routines = routine_service.list_routines(session)
    return (
        render_template(
            "subscribe.html",
            form=form,
            routines=routines,
            days=text.DAY_NAMES,
            timezones=sorted(available_timezones()),
            reminder_choices=REMINDER_CHOICES,
            labels=FIELD_LABELS,
        ),
        status,
    )


@blp.get("/subscribe")
def subscribe_page() -> tuple[str, int]:
    """Show the subscribe form; ?routine=<id> ticks that routine."""
    form = SubscribeForm(
        routines=request.args.getlist("routine"), days=list(plans.DEFAULTS["days"]), times="07:30"
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
        plan=created.plan,
        days=text.days_phrase(created.plan.days),
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
    title = f"Planned and done sessions per day, {report.first} to {report.last}"
    page = render_template(
        "adherence.html",
        report=report,
        days=days,
        chart=adherence_svg(days, title=title),
        done_days=sum(1 for d in days if d.done),
    )
    return private(make_response(page))
