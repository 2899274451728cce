"""Install descriptors: valid against their JSON Schema, served with this service's base URL."""

from __future__ import annotations

import jsonschema
import pytest

from plugin import manifests
from plugin.trackers import registry

TRACKERS = ["wger", "hevy", "strava", "garmin", "caldav", "host"]


@pytest.fixture
def app_config(database_config):
    return {"TESTING": True, **database_config, "BASE_URL": "https://stretch.example.org/"}


def test_one_manifest_per_supported_tracker():
    assert sorted(manifests.all_manifests()) == sorted(TRACKERS)


@pytest.mark.parametrize("key", TRACKERS)
def test_each_manifest_satisfies_the_schema_and_names_itself(key):
    document = manifests.manifest(key)
    jsonschema.Draft202012Validator(manifests.schema()).validate(document)
    assert document["key"] == key


def test_every_registered_tracker_has_a_manifest():
    assert set(registry.names()) <= set(manifests.all_manifests())


@pytest.mark.parametrize("key", TRACKERS)
def test_the_paths_a_manifest_names_exist(app, key):
    document = manifests.manifest(key)
    rules = {
        rule.rule.replace("<push_id>", "{pushId}").replace("<calendar_id>", "{calendarId}")
        for rule in app.url_map.iter_rules()
    }
    for path in [*document["lifecycle"].values(), *document["hooks"].values()]:
        assert path in rules


def test_get_manifests_lists_them_with_the_configured_base_url(client):
    response = client.get("/manifests")
    assert response.status_code == 200
    assert sorted(m["key"] for m in response.json) == sorted(TRACKERS)
    assert {m["baseUrl"] for m in response.json} == {"https://stretch.example.org"}


def test_get_one_manifest(client):
    response = client.get("/manifests/wger.json")
    assert response.status_code == 200
    assert response.json["baseUrl"] == "https://stretch.example.org"
    assert [c["name"] for c in response.json["credentials"]] == ["token", "timezone"]
    jsonschema.validate(response.json, manifests.schema())


def test_an_unknown_manifest_is_a_404_problem(client):
    response = client.get("/manifests/myspace.json")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
