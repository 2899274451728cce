"""A human-readable API page rendered from the OpenAPI document (no scripts, works offline)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

blp = Blueprint("apidocs", __name__, template_folder="templates")


@blp.get("/docs")
def api_docs() -> str:
    spec = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return render_template("api_docs.html", spec=spec)
