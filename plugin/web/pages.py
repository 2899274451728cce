"""Pages for people: the catalog, a printable routine handout, subscribing, adherence.

Server-rendered Jinja templates and one stylesheet; no scripts are needed to read
anything. Not part of the OpenAPI document: these are pages, not the API. Like the
API views, a page parses, calls one service and renders.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for

from plugin.catalog.errors import StretchsyncError
from plugin.formats import registry, text
from plugin.services import routines as routine_service
from plugin.web.context import database

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
}


NAV = (("Routines", "pages.catalog_page"), ("Subscribe", "pages.subscribe_page"), ("API", "apidocs.api_docs"))


@blp.context_processor
def _page_context() -> dict:
    # The templates word doses and cautions through formats/text.py, the one place for wording.
    nav = [(label, url_for(endpoint)) for label, endpoint in NAV if endpoint in current_app.view_functions]
    return {"text": text, "nav": nav}


@blp.errorhandler(StretchsyncError)
def _error_page(exc: StretchsyncError) -> tuple[str, int]:
    return render_template("error.html", message=exc.message, status=exc.status), exc.status


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
    return render_template("routine.html", routine=routine, exports=exports)
