"""The import hook: one record per (installation, source, source id), bad sessions refused whole."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from hostkit import Host, host_config, row_counts, session_body
from test_fit_activity import activity, watch_sets_for

from plugin.catalog.model import CompletedSession
from plugin.services.sessions import import_session


@pytest.fixture
def app_config(database_config, tmp_path):
    return host_config(database_config, tmp_path)


@pytest.fixture
def host(client):
    host = Host(client)
    assert host.install().status_code == 201
    return host


def test_a_session_is_stored_once_201_then_200_with_the_same_record(host, db):
    first = host.import_session(session_body("abc"))
    assert first.status_code == 201
    second = host.import_session(session_body("abc", notes="sent again"))
    assert second.status_code == 200
    assert second.json == first.json
    assert row_counts(db)["completed_sessions"] == 1
    stored = first.json
    assert stored["routine"] == "daily-hamstring"
    assert stored["exercises"][0] == {
        "exercise": "lying-hamstring",
        "sets": 1,
        "reps": 1,
        "hold_s": 30,
        "side": "left",
    }
    assert stored["flagged"] is False and stored["caution"] is None


def test_the_same_source_id_from_another_source_is_another_session(host, db):
    host.import_session(session_body("abc"))
    assert host.import_session(session_body("abc", source="hevy")).status_code == 201
    assert row_counts(db)["completed_sessions"] == 2


def test_the_raw_payload_is_kept(host, db):
    body = session_body("raw-1")
    host.import_session(body)
    from plugin.store.sessions import SessionRow

    with db.unit_of_work() as session:
        row = session.query(SessionRow).one()
        assert row.raw_json == body


def test_pain_at_seven_marks_the_session_and_answers_with_the_stop_rule(host):
    response = host.import_session(session_body("hurt", pain=7))
    assert response.status_code == 201
    assert response.json["flagged"] is True
    caution = response.json["caution"]
    assert caution["pain"] == 7
    assert "seek advice" in caution["advice"]
    assert [rule["id"] for rule in caution["stop_rules"]] == ["stop-if-pain"]
    assert all(rule["kind"] == "stop" for rule in caution["stop_rules"])


def test_pain_six_is_not_flagged(host):
    assert host.import_session(session_body("ok", pain=6)).json["flagged"] is False


FUTURE = (datetime.now(UTC) + timedelta(days=30)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"routine": "no-such-routine"}, "routine"),
        ({"duration_s": -1}, "duration_s"),
        ({"duration_s": "300"}, "duration_s"),
        ({"pain": 11}, "pain"),
        ({"pain": -1}, "pain"),
        ({"started_at": FUTURE}, "started_at"),
        ({"started_at": "2026-11-20T07:00:00"}, "started_at"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"source": "Bad Source"}, "source"),
        ({"source_id": ""}, "source_id"),
        ({"exercises": [{"exercise": "headstand"}]}, "exercises.0.exercise"),
        ({"exercises": [{"exercise": "lying-hamstring", "side": "middle"}]}, "exercises.0.side"),
        ({"exercises": [{"exercise": "lying-hamstring", "reps": -2}]}, "exercises.0.reps"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_bad_sessions_get_a_problem_naming_the_field_and_store_nothing(host, db, overrides, field):
    before = row_counts(db)
    body = {**session_body("bad"), **overrides}
    response = host.import_session(body)
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/problem+json"
    assert field in response.json["errors"], response.json
    assert row_counts(db) == before


def test_a_body_that_is_not_json_is_refused(host, db):
    before = row_counts(db)
    response = host.call("POST", "/hooks/import", b"not json")
    assert response.status_code == 422
    assert row_counts(db) == before


def test_concurrent_imports_of_one_session_store_one_record(host, db):
    with db.unit_of_work() as session:
        from plugin.store.installations import by_client_key

        installation_id = by_client_key(session, host.client_key).id
    completed = CompletedSession(
        source="host",
        source_id="race",
        routine_id="daily-hamstring",
        started_at=datetime.now(UTC) - timedelta(hours=1),
        duration_s=300,
    )
    results: list[bool] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def importer() -> None:
        try:
            barrier.wait()
            with db.unit_of_work() as session:
                _, created = import_session(session, installation_id, completed, {"n": 1})
            results.append(created)
        except BaseException as err:  # noqa: BLE001 - collected and asserted below
            errors.append(err)

    threads = [threading.Thread(target=importer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert row_counts(db)["completed_sessions"] == 1, results
    assert sorted(results) == [False] * 5 + [True]
    assert row_counts(db)["completed_sessions"] == 1


FIT = "application/vnd.ant.fit"


def test_a_fit_activity_is_read_by_garmins_decoder_and_stored_once(host, db):
    data = activity(watch_sets_for("contract-relax"), workout_name="Contract-relax hamstring")
    first = host.import_session(data, content_type=FIT)
    assert first.status_code == 201, first.json
    stored = first.json
    assert stored["source"] == "fit"
    assert stored["routine"] == "contract-relax"
    assert stored["started_at"] == "2026-11-20T07:30:00+00:00"
    assert {e["exercise"] for e in stored["exercises"]} == {"contract-relax-hamstring"}
    assert {e.get("side") for e in stored["exercises"]} == {"left", "right"}
    again = host.import_session(data, content_type=FIT)
    assert again.status_code == 200 and again.json["id"] == stored["id"]
    assert row_counts(db)["completed_sessions"] == 1
    from plugin.store.sessions import SessionRow

    with db.unit_of_work() as session:
        assert session.query(SessionRow).one().raw_bytes == data


def test_a_fit_set_with_no_exercise_of_ours_is_kept_under_its_fit_name(host):
    data = activity([{"duration": 30.0, "category": ["plank"], "category_subtype": [0]}])
    response = host.import_session(data, content_type=FIT)
    assert response.status_code == 201, response.json
    assert response.json["exercises"][0]["exercise"].startswith("fit:")


def test_a_broken_fit_file_is_refused_naming_the_file(host, db):
    data = activity(watch_sets_for("contract-relax"))
    before = row_counts(db)
    response = host.import_session(data[: len(data) // 2], content_type=FIT)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "file" in response.json["errors"]
    assert row_counts(db) == before


def test_stored_exercises_have_real_fields_and_leave_out_what_was_not_recorded(host, client):
    body = session_body("only-names", exercises=[{"exercise": "lying-hamstring"}])
    stored = host.import_session(body).json
    assert stored["exercises"] == [{"exercise": "lying-hamstring"}]
    spec = client.get("/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    item = schemas["StoredSession"]["properties"]["exercises"]["items"]
    described = schemas[item["$ref"].rsplit("/", 1)[1]]["properties"]
    assert set(described) == {"exercise", "sets", "reps", "hold_s", "duration_s", "side"}
