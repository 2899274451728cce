"""The exercise drawings: SVG files made by plugin/figures/draw.py, served as they are.

Which drawing belongs to which exercise and variation is catalog data
(plugin/catalog/figures.py); this package holds the files and their fingerprints.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

from plugin.catalog import figures as catalog_figures

MEDIA_TYPE = "image/svg+xml"


@cache
def svg(figure_id: str) -> bytes:
    """The SVG document of a figure; NotFound for an unknown id."""
    figure = catalog_figures.figure(figure_id)
    return resources.files(__package__).joinpath("svg", f"{figure.id}.svg").read_bytes()


@cache
def fingerprint(figure_id: str) -> str:
    """A hash of the figure's bytes: its strong ETag, and the ``v`` that versions its URL."""
    return hashlib.sha256(svg(figure_id)).hexdigest()[:20]
