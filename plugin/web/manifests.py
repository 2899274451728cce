"""The install descriptors, with this service's base URL filled in."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from plugin import manifests
from plugin.web.context import base_url

blp = Blueprint("manifests", __name__, description="Install descriptors for trackers")


@blp.route("/manifests")
class Manifests(MethodView):
    @blp.response(200)
    def get(self):
        """List every tracker's manifest"""
        return [manifests.with_base_url(m, base_url()) for m in manifests.all_manifests().values()]


@blp.route("/manifests/<tracker>.json")
class ManifestByKey(MethodView):
    @blp.response(200)
    def get(self, tracker: str):
        """Show one tracker's manifest"""
        return manifests.with_base_url(manifests.manifest(tracker), base_url())
