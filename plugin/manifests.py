"""The install descriptors in ``manifests/``: one per tracker, all valid against schema.json.

The canonical files live in the repository's ``manifests/`` folder; a wheel
installs the same files under ``<prefix>/share/stretchsync/manifests`` (see
pyproject's data-files). PLUGIN_MANIFESTS_DIR overrides both.
"""

from __future__ import annotations

import json
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

from plugin.errors import NotFound
from plugin.i18n import N_

SCHEMA = "schema.json"


def folder() -> Path:
    """Where the manifests are: the checkout's folder, else the installed data files."""
    configured = os.environ.get("PLUGIN_MANIFESTS_DIR")
    if configured:
        return Path(configured)
    checkout = Path(__file__).resolve().parent.parent / "manifests"
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "stretchsync" / "manifests"


@cache
def _load(path: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for file in sorted(path.glob("*.json")):
        if file.name != SCHEMA:
            found[file.stem] = json.loads(file.read_text(encoding="utf-8"))
    return found


def all_manifests() -> dict[str, dict[str, Any]]:
    """Every manifest by tracker key (the file name without .json)."""
    return _load(folder())


def manifest(key: str) -> dict[str, Any]:
    """One manifest; NotFound when no tracker has that key."""
    try:
        return all_manifests()[key]
    except KeyError:
        raise NotFound(
            N_("no manifest for tracker '{tracker}'"), field="tracker", values={"tracker": key}
        ) from None


def schema() -> dict[str, Any]:
    return json.loads((folder() / SCHEMA).read_text(encoding="utf-8"))


def with_base_url(document: dict[str, Any], base_url: str) -> dict[str, Any]:
    """A copy of ``document`` with its ``baseUrl`` filled in."""
    return {**document, "baseUrl": base_url.rstrip("/")}


def required_credentials(key: str) -> list[str]:
    """The credential fields a tracker cannot work without."""
    return [c["name"] for c in manifest(key)["credentials"] if c.get("required")]
