"""Database work for the wger 2.1 test peer, run by start-wger.sh with the peer's own Python.

    python wger_setup.py template DATA   migrate a new database (WGER_DB) and load wger's data
    python wger_setup.py user            create or reset the test user; print token, uid, iCal token

DJANGO_SETTINGS_MODULE is wger_peer_settings (beside this file).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import django

django.setup()

import wger  # noqa: E402
from django.contrib.auth.models import Permission, User  # noqa: E402 (needs django.setup())
from django.core.management import call_command  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from wger.utils.helpers import make_token  # noqa: E402

# wger's own fixture list, in the order of its `load-fixtures` task.
FIXTURES_BEFORE = (
    "gym.json",
    "languages.json",
    "groups.json",
    "users.json",
    "licenses.json",
    "days_of_week.json",
    "setting_repetition_units.json",
    "setting_weight_units.json",
    "language_config.json",
    "gym_config.json",
    "equipment.json",
    "muscles.json",
    "categories.json",
)
EXERCISE_FIXTURES = ("exercise-base-data.json", "exercises.json")
FIXTURES_AFTER = ("gym-config.json", "gym-adminconfig.json")


def repaired_exercise_fixture(source: Path, target: Path) -> Path:
    """The 2.1 wheel's exercise fixtures as its own migrations expect them.

    They predate migration exercises.0019: it removed ``status`` and ``name_original``
    and added ``creation_date``/``update_date``, so loading them unchanged fails
    ("ExerciseBase has no field named 'status'"). Entries with status "1" were pending
    submissions, which migration 0018 deletes; they are left out here too.
    """
    kept = []
    for obj in json.loads(source.read_text(encoding="utf-8")):
        values = obj["fields"]
        if values.get("status") == "1":
            continue
        values.pop("status", None)
        values.pop("name_original", None)
        if obj["model"] == "exercises.exercisebase":
            values.setdefault("creation_date", "2022-10-01")
        if obj["model"] in ("exercises.exercisebase", "exercises.exercise"):
            values.setdefault("update_date", "2022-10-01T00:00:00Z")
        kept.append(obj)
    target.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    return target


def build_template(data: Path) -> None:
    call_command("migrate", verbosity=0)
    shipped = Path(wger.__file__).parent / "exercises" / "fixtures"
    repaired = data / "fixtures-fixed"
    repaired.mkdir(parents=True, exist_ok=True)
    exercises = [str(repaired_exercise_fixture(shipped / n, repaired / n)) for n in EXERCISE_FIXTURES]
    call_command("loaddata", *FIXTURES_BEFORE, *exercises, *FIXTURES_AFTER, verbosity=1)


def ensure_user() -> str:
    """The test user with its API token; also a signed link for wger's iCal page."""
    name, password = os.environ["WGER_USER"], os.environ["WGER_PASSWORD"]
    user = User.objects.filter(username=name).first()
    if user is None:
        user = User.objects.create_user(name, f"{name}@example.com", password)  # a signal adds the profile
    else:
        user.set_password(password)
        user.save()
    # wger 2.1 lets a user add exercises with this permission (or a "trustworthy"
    # account: older than 21 days, e-mail verified); WGER_CONTRIBUTOR=0 makes a plain one.
    add_exercise = Permission.objects.get(codename="add_exercise", content_type__app_label="exercises")
    if os.environ.get("WGER_CONTRIBUTOR", "1") == "1":
        user.user_permissions.add(add_exercise)
    else:
        user.user_permissions.remove(add_exercise)
    token, _ = Token.objects.get_or_create(user=user)
    uid, ical_token = make_token(user)  # /en/workout/<id>/ical/<uid>/<token>
    return f"{token.key} {uid} {ical_token}"


if __name__ == "__main__":
    if sys.argv[1:2] == ["template"]:
        build_template(Path(sys.argv[2]))
    elif sys.argv[1:2] == ["user"]:
        print(ensure_user())
    else:
        sys.exit(__doc__)
