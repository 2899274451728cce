"""Routines and exercises: the catalog, custom routines, and exports."""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from plugin import catalog
from plugin.services import exports
from plugin.services import routines as service
from plugin.web import downloads
from plugin.web.context import database
from plugin.web.schemas import CatalogExerciseSchema, RoutineCreateSchema, RoutineSchema

blp = Blueprint("routines", __name__, description="The stretch catalog and custom routines")


@blp.route("/exercises")
class Exercises(MethodView):
    @blp.response(200, CatalogExerciseSchema(many=True))
    def get(self):
        """List every exercise of the catalog"""
        return list(catalog.exercises())


@blp.route("/exercises/<exercise_id>")
class ExerciseById(MethodView):
    @blp.response(200, CatalogExerciseSchema)
    def get(self, exercise_id: str):
        """Show one exercise: steps, dose, variations, cautions and source"""
        return catalog.exercise(exercise_id)


@blp.route("/routines")
class Routines(MethodView):
    @blp.response(200, RoutineSchema(many=True))
    def get(self):
        """List built-in and custom routines"""
        with database().unit_of_work() as session:
            return service.list_routines(session)

    @blp.arguments(RoutineCreateSchema)
    @blp.response(201, RoutineSchema)
    def post(self, body: dict):
        """Create a custom routine from catalog exercises, with dose overrides"""
        with database().unit_of_work() as session:
            routine = service.create_routine(session, body["name"], body["description"], body["exercises"])
        return routine, 201, {"Location": f"/routines/{routine.id}"}


@blp.route("/routines/<routine_id>")
class RoutineById(MethodView):
    @blp.response(200, RoutineSchema)
    def get(self, routine_id: str):
        """Show one routine with its computed duration and the union of its cautions"""
        with database().unit_of_work() as session:
            return service.get_routine(session, routine_id)


@blp.route("/routines/<routine_id>/export/<fmt>")
class RoutineExport(MethodView):
    @blp.response(200, content_type="application/octet-stream", description="the routine in that format")
    def get(self, routine_id: str, fmt: str):
        """Export a routine in one target format (json, ics, fit, garmin, hevy, csv, ...)"""
        with database().unit_of_work() as session:
            exported = exports.export_routine(session, routine_id, fmt, request.args)
        response = Response(exported.body, mimetype=exported.media_type)
        response.headers["Content-Disposition"] = downloads.attachment(exported.filename)
        return response
