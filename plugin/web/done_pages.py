"""The "Mark as done" page a calendar event links to (plugin.services.calendar_done).

A GET shows the routine's cautions and the occurrences to pick from; a POST (CSRF-checked,
plugin.web.csrf) records the session and answers 303 back to the page, which then says
what was recorded. Works without scripts. Same headers as the adherence page: the URL
is private (no-store, no-referrer).
"""

from __future__ import annotations

from dataclasses import replace

from flask import Response, current_app, make_response, redirect, render_template, request, url_for

from plugin.catalog.localize import localize
from plugin.config import keyring, secret_key
from plugin.errors import InvalidInput
from plugin.i18n import _, in_current
from plugin.services import calendar_done, done_links
from plugin.web import csrf
from plugin.web.context import database
from plugin.web.forms import DoneForm
from plugin.web.pages import blp, private

DONE_PATH = f"{done_links.PREFIX}/<calendar_id>/<routine_id>/<signature>"


def _link_keys() -> tuple[bytes, ...]:
    return done_links.keys_from(secret_key(current_app))


def _page(
    calendar_id: str, routine_id: str, signature: str, form: DoneForm, status: int, saved: bool
) -> Response:
    with database().unit_of_work() as session:
        shown = calendar_done.done_page(
            session, _link_keys(), calendar_id, routine_id, signature, at=form.occurrence or None
        )
    # The routine in the page's language (a link from a feed carries the feed's).
    shown = replace(shown, routine=localize(shown.routine))
    chosen = shown.chosen
    if not form.errors and chosen is not None and chosen.recorded is not None:
        # What was recorded fills the form, so a second send changes it rather than starting blank.
        form.pain = "" if chosen.recorded.pain is None else str(chosen.recorded.pain)
        form.notes = chosen.recorded.notes
    page = render_template(
        "done.html",
        shown=shown,
        form=form,
        saved=saved and chosen is not None and chosen.recorded is not None,
        csrf_field=csrf.FIELD,
        csrf_token=csrf.form_token(),
        labels={"occurrence": _("When"), "pain": _("Pain"), "notes": _("Notes")},
    )
    response = private(make_response(page, status))
    response.headers["X-Robots-Tag"] = "noindex"
    return csrf.set_cookie(response, request.path)


@blp.get(DONE_PATH)
def done_page(calendar_id: str, routine_id: str, signature: str) -> Response:
    """Show a routine's recent occurrences to mark done, its cautions first."""
    form = DoneForm(occurrence=request.args.get("at", ""))
    return _page(calendar_id, routine_id, signature, form, 200, saved=request.args.get("saved") == "1")


@blp.post(DONE_PATH)
def record_done(calendar_id: str, routine_id: str, signature: str) -> Response:
    """Record the routine done at the picked occurrence, with pain and notes; 303 back to the page."""
    form = DoneForm.from_request(request.form)
    csrf.check(request.form)
    try:
        with database().unit_of_work() as session:
            chosen, _outcome = calendar_done.record_done(
                session,
                _link_keys(),
                keyring(current_app),
                calendar_id,
                routine_id,
                signature,
                occurrence=form.occurrence,
                pain=form.pain,
                notes=form.notes,
            )
    except InvalidInput as err:
        form.add_error(err.field, in_current(err.message))
        return _page(calendar_id, routine_id, signature, form, 422, saved=False)
    target = url_for(
        "pages.done_page",
        calendar_id=calendar_id,
        routine_id=routine_id,
        signature=signature,
        at=chosen.value,
        saved=1,
    )
    return private(make_response(redirect(target, 303)))
