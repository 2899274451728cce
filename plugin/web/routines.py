"""Routines and exercises: the catalog, custom routines, and exports."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from plugin import catalog
from plugin.catalog.model import Exercise
from plugin.formats import canonical
from plugin.services import exports
from plugin.services import routines as service
from plugin.web.context import database
from plugin.web.figures import figure_url
from plugin.web.schemas import ExerciseSchema, RoutineCreateSchema, RoutineSchema

blp = Blueprint("routines", __name__, description="The stretch catalog and custom routines")


def exercise_answer(ex: Exercise) -> dict:
    """The canonical exercise plus its citations and drawing; exports leave both out, so they stay stable."""
    return {
        **canonical.exercise_dict(ex),
        "citations": [asdict(c) for c in ex.citations],
        # The drawing's URL needs this server's address, which the pure canonical form does not know.
        "figure_url": figure_url(ex.id, external=True),
    }


@blp.route("/exercises")
class Exercises(MethodView):
    @blp.response(200, ExerciseSchema(many=True))
    def get(self):
        """List every exercise of the catalog"""
        return [exercise_answer(ex) for ex in catalog.exercises()]


@blp.route("/exercises/<exercise_id>")
class ExerciseById(MethodView):
    @blp.response(200, ExerciseSchema)
    def get(self, exercise_id: str):
        """Show one exercise: steps, dose, variations, cautions and source"""
        return exercise_answer(catalog.exercise(exercise_id))


@blp.route("/routines")
class Routines(MethodView):
    @blp.response(200, RoutineSchema(many=True))
    def get(self):
        """List built-in and custom routines"""
        with database().unit_of_work() as session:
            return [canonical.routine_dict(r) for r in service.list_routines(session)]

    @blp.arguments(RoutineCreateSchema)
    @blp.response(201, RoutineSchema)
    def post(self, body: dict):
        """Create a custom routine from catalog exercises, with dose overrides"""
        with database().unit_of_work() as session:
            routine = service.create_routine(session, body["name"], body["description"], body["exercises"])
        return canonical.routine_dict(routine), 201, {"Location": f"/routines/{routine.id}"}


@blp.route("/routines/<routine_id>")
class RoutineById(MethodView):
    @blp.response(200, RoutineSchema)
    def get(self, routine_id: str):
        """Show one routine with its computed duration and the union of its cautions"""
        with database().unit_of_work() as session:
            return canonical.routine_dict(service.get_routine(session, routine_id))


@blp.route("/routines/<routine_id>/export/<fmt>")
class RoutineExport(MethodView):
    @blp.response(200, content_type="application/octet-stream", description="the routine in that format")
    def get(self, routine_id: str, fmt: str):
        """Export a routine in one target format (json, ics, fit, garmin, hevy, csv, ...)"""
        with database().unit_of_work() as session:
            exported = exports.export_routine(session, routine_id, fmt, request.args)
        response = Response(exported.body, mimetype=exported.media_type)
        response.headers["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
        return response
