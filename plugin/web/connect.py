"""Pages: connect your own tracker (/connect) and manage it, or a calendar, privately (/manage/<token>).

Server-rendered, no script needed: a push's progress is a page that refreshes itself
until the push is delivered or failed. Every POST carries a CSRF token
(plugin/web/csrf.py). Every answer is private: the management URL is the key to it
(docs/pages.md#connect-your-tracker).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import available_timezones

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from plugin import i18n, outbound
from plugin.catalog.localize import localize
from plugin.config import keyring, sync_lookback
from plugin.errors import InvalidInput, StretchsyncError
from plugin.formats import text
from plugin.i18n import N_, _
from plugin.jobs import jobs
from plugin.schemas import plans
from plugin.services import connections
from plugin.services import manage as service
from plugin.services import routines as routine_service
from plugin.trackers.base import TrackerError
from plugin.web import csrf
from plugin.web.calendars import feed_urls
from plugin.web.charts import adherence_svg
from plugin.web.context import base_url, database
from plugin.web.forms import REMINDER_CHOICES, SubscribeForm
from plugin.web.pages import FIELD_LABELS, chart_days, error_page, page_context, private

blp = Blueprint("connect", __name__, template_folder="templates")
blp.context_processor(page_context)
blp.errorhandler(StretchsyncError)(error_page)

CONNECT_SCOPE = "connect"
REFRESH_S = 2  # how often the progress page reloads itself while a push is under way

# What each tracker's first step asks for: (field, label, input type, hint).
CREDENTIAL_FIELDS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "wger": (
        ("base_url", N_("Server address"), "url", N_("The address you open wger at, e.g. https://wger.de")),
        (
            "token",
            N_("API token"),
            "password",
            N_("In wger: Settings, then API key; copy the key shown there."),
        ),
    ),
    "hevy": (
        (
            "api_key",
            N_("API key"),
            "password",
            N_("In Hevy (Pro): Settings, then Developer; copy the API key."),
        ),
    ),
    "caldav": (
        (
            "url",
            N_("Calendar address"),
            "url",
            N_("The calendar collection, e.g. https://cloud.example/remote.php/dav/calendars/me/stretching/"),
        ),
        ("username", N_("Username"), "text", N_("The account name on that server.")),
        (
            "password",
            N_("Password"),
            "password",
            N_("Better an app password made for this than your main one."),
        ),
    ),
}
TRACKER_TITLES = {"wger": "wger", "hevy": "Hevy", "strava": "Strava", "caldav": "a CalDAV calendar"}
PLAN_LABELS = {**FIELD_LABELS, "name": N_("Plan name")}


@dataclass
class CredentialsForm:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


@blp.after_request
def _private_answers(response: Response) -> Response:
    # The management URL is the key to it, and the forms carry credentials: never cached, never
    # sent on as a Referer; and the browser gets the CSRF cookie its forms were signed for.
    # The cookie covers its own part of the site (/connect or /manage), apart from other forms'.
    return csrf.set_cookie(private(response), "/" + request.path.strip("/").split("/", 1)[0])


def _manage_scope(token: str) -> str:
    return "manage:" + token


def _plan_context() -> dict[str, Any]:
    with database().unit_of_work() as session:
        routines = [localize(r) for r in routine_service.list_routines(session)]
    return {
        "routines": routines,
        "days": text.day_names(),
        "timezones": sorted(available_timezones()),
        "reminder_choices": REMINDER_CHOICES,
        "labels": {name: _(label) for name, label in PLAN_LABELS.items()},
    }


def _form_from_spec(spec: dict[str, Any]) -> SubscribeForm:
    return SubscribeForm(
        routines=list(spec.get("routines", [])),
        days=list(spec.get("days", plans.DEFAULTS["days"])),
        times=", ".join(spec.get("times", [])),
        timezone=spec.get("timezone", "UTC"),
        reminders=[str(m) for m in spec.get("reminders", plans.DEFAULTS["reminders"])],
        name=spec.get("name", plans.DEFAULTS["name"]),
        language=spec.get("language", i18n.DEFAULT),
        from_browser=False,
    )


# --- connecting ---------------------------------------------------------------------------------


@blp.get("/connect")
def connect_page() -> str:
    """List the trackers a person can connect themselves."""
    return render_template("connect.html", titles=TRACKER_TITLES)


def _credentials_page(tracker: str, form: CredentialsForm, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "connect_credentials.html",
        tracker=tracker,
        title=TRACKER_TITLES[tracker],
        fields=[(name, _(label), kind, _(hint)) for name, label, kind, hint in CREDENTIAL_FIELDS[tracker]],
        labels={name: _(label) for name, label, *_rest in CREDENTIAL_FIELDS[tracker]},
        form=form,
        csrf_token=csrf.form_token(CONNECT_SCOPE),
    )
    return page, status


def _plan_page(tracker: str, sealed: str, form: SubscribeForm, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "connect_plan.html",
        tracker=tracker,
        title=TRACKER_TITLES[tracker],
        sealed=sealed,
        form=form,
        csrf_token=csrf.form_token(CONNECT_SCOPE),
        **_plan_context(),
    )
    return page, status


def _new_plan_form() -> SubscribeForm:
    return SubscribeForm(
        routines=request.args.getlist("routine"),
        days=list(plans.DEFAULTS["days"]),
        times="07:30",
        language=i18n.current().code,
    )


@blp.get("/connect/<any(wger, hevy, caldav):tracker>")
def credentials_page(tracker: str) -> tuple[str, int]:
    """Ask for the tracker's credentials."""
    return _credentials_page(tracker, CredentialsForm())


@blp.post("/connect/<any(wger, hevy, caldav):tracker>")
def check_credentials(tracker: str) -> tuple[str, int]:
    """Check the credentials against the tracker now; on to the plan when it accepts them."""
    csrf.check(request.form, CONNECT_SCOPE)
    names = [name for name, *_rest in CREDENTIAL_FIELDS[tracker]]
    form = CredentialsForm(values={name: request.form.get(name, "").strip() for name in names})
    try:
        checked = connections.check(tracker, form.values, current_app.config)
    except InvalidInput as err:
        form.errors[err.field if err.field in names else names[0]] = [err.message]
        form.values = {k: v for k, v in form.values.items() if k not in ("token", "api_key", "password")}
        return _credentials_page(tracker, form, 422)
    sealed = connections.seal_connection(keyring(current_app), checked)
    return _plan_page(tracker, sealed, _new_plan_form())


@blp.get("/connect/strava/plan")
def strava_plan_page() -> tuple[str, int]:
    """Strava needs no typed credentials (its own page asks): straight to the plan."""
    sealed = connections.seal_connection(
        keyring(current_app), connections.check("strava", {}, current_app.config)
    )
    return _plan_page("strava", sealed, _new_plan_form())


@blp.post("/connect/<any(wger, hevy, caldav, strava):tracker>/plan")
def connect(tracker: str) -> ResponseReturnValue:
    """Install with the plan, push, and go on to the push's progress (or the management page)."""
    csrf.check(request.form, CONNECT_SCOPE)
    sealed = request.form.get("connection", "")
    connection = connections.open_connection(keyring(current_app), sealed)
    if connection.tracker != tracker:
        raise InvalidInput("this connection is for another tracker", field="connection")
    form = SubscribeForm.from_request(request.form)
    body = form.checked_plan()
    if body is None:
        return _plan_page(tracker, sealed, form, 422)
    try:
        connected = connections.connect(
            database(),
            keyring(current_app),
            connection,
            body,
            jobs(current_app).enqueue_push,
            policy=outbound.policy_of(current_app.config),
        )
    except InvalidInput as err:
        form.add_error((err.field or "form").removeprefix("plan."), err.message)
        return _plan_page(tracker, sealed, form, 422)
    token = connected.manage_token
    if connected.caldav_error is not None:
        problem = f"The calendar server did not take the events: {connected.caldav_error}"
        return _manage(token, 201, problem=problem, new=True)
    if connected.push_id is not None:
        return redirect(url_for("connect.push_page", token=token, push_id=connected.push_id, new=1), 303)
    return redirect(url_for("connect.manage_page", token=token, new=1), 303)


# --- managing -----------------------------------------------------------------------------------


def _manage(
    token: str,
    status: int = 200,
    form: SubscribeForm | None = None,
    notice: str | None = None,
    problem: str | None = None,
    new: bool = False,
) -> tuple[str, int]:
    with database().unit_of_work() as session:
        managed = service.show(session, token)
    days = chart_days(managed.report)
    report = managed.report
    title = f"Planned and done sessions per day, {report.first} to {report.last}"
    page = render_template(
        "manage.html",
        token=token,
        managed=managed,
        feed=feed_urls(managed.feed_token),
        form=form or _form_from_spec(managed.plan_spec),
        chart=adherence_svg(days, title=title),
        report=report,
        days_shown=days,
        notice=notice,
        problem=problem,
        new=new or request.args.get("new") == "1",
        manage_url=f"{base_url()}/manage/{token}",
        csrf_token=csrf.form_token(_manage_scope(token)),
        **_plan_context(),
    )
    return page, status


@blp.get("/manage/<token>")
def manage_page(token: str) -> tuple[str, int]:
    """The private management page of a connection or of a calendar subscribed on its own."""
    return _manage(token)


@blp.get("/manage/<token>/pushes/<push_id>")
def push_page(token: str, push_id: str) -> str:
    """A push's progress; the page reloads itself until it is delivered or failed."""
    with database().unit_of_work() as session:
        push = service.push_status(session, token, push_id)
    return render_template(
        "push_progress.html",
        push=push,
        token=token,
        refresh_s=REFRESH_S,
        new=request.args.get("new") == "1",
        manage_url=f"{base_url()}/manage/{token}",
    )


@blp.post("/manage/<token>/plan")
def change_plan(token: str) -> ResponseReturnValue:
    """Change the plan (the same rules as everywhere); an installation's routines are pushed again."""
    csrf.check(request.form, _manage_scope(token))
    form = SubscribeForm.from_request(request.form)
    body = form.checked_plan()
    if body is None:
        return _manage(token, 422, form=form)
    try:
        push_id = service.change_plan(
            database(), keyring(current_app), token, body, jobs(current_app).enqueue_push
        )
    except InvalidInput as err:
        form.add_error(err.field or "form", err.message)
        return _manage(token, 422, form=form)
    if push_id is not None:
        return redirect(url_for("connect.push_page", token=token, push_id=push_id), 303)
    return _manage(token, notice=_("The plan is changed."))


@blp.post("/manage/<token>/sync")
def sync_now(token: str) -> tuple[str, int]:
    """Pull completed sessions from the tracker now."""
    csrf.check(request.form, _manage_scope(token))
    try:
        counts = service.sync_now(database(), keyring(current_app), token, sync_lookback(current_app))
    except TrackerError as err:
        failed = _("The sync failed: {answer}").format(answer=connections.tracker_answer(err))
        return _manage(token, 502, problem=failed)
    found = ", ".join(f"{count} {name}" for name, count in counts.items() if count) or _("nothing new")
    return _manage(token, notice=_("Synced: {found}.").format(found=found))


@blp.post("/manage/<token>/push")
def push_again(token: str) -> ResponseReturnValue:
    """Push the plan's routines to the tracker again."""
    csrf.check(request.form, _manage_scope(token))
    with database().unit_of_work() as session:
        push_id = service.push_again(session, token, jobs(current_app).enqueue_push)
    return redirect(url_for("connect.push_page", token=token, push_id=push_id), 303)


@blp.post("/manage/<token>/caldav")
def copy_to_caldav(token: str) -> tuple[str, int]:
    """Copy the calendar to a CalDAV server; plan changes follow, disconnecting takes it back."""
    csrf.check(request.form, _manage_scope(token))
    try:
        service.copy_to_caldav(
            database(),
            keyring(current_app),
            token,
            request.form.get("url", "").strip(),
            request.form.get("username", "").strip(),
            request.form.get("password", ""),
            policy=outbound.policy_of(current_app.config),
        )
    except InvalidInput as err:
        refused = _("The calendar server did not take the events: {answer}").format(answer=err.message)
        return _manage(token, 422, problem=refused)
    except TrackerError as err:
        answer = connections.tracker_answer(err)
        refused = _("The calendar server did not take the events: {answer}").format(answer=answer)
        return _manage(token, 502, problem=refused)
    return _manage(token, notice=_("The calendar is copied to the CalDAV server."))


@blp.post("/manage/<token>/disconnect")
def disconnect(token: str) -> str:
    """Disconnect: uninstall with everything of it erased, or revoke the calendar."""
    csrf.check(request.form, _manage_scope(token))
    with database().unit_of_work() as session:
        kind = service.disconnect(session, keyring(current_app), token)
    return render_template("disconnected.html", kind=kind)


@blp.get("/manage/<token>/strava")
def connect_strava(token: str) -> ResponseReturnValue:
    """Send the athlete on to Strava's authorization (the connect link of plugin/web/strava.py)."""
    with database().unit_of_work() as session:
        ticket = service.strava_ticket(session, keyring(current_app), token)
    return redirect(url_for("strava.StravaConnect", ticket=ticket), 303)
