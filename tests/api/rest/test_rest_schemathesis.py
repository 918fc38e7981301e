"""Requests generated from the OpenAPI schema (schemathesis): no route answers 5xx, and every answer —
success or refusal — matches the schema it documents.

The schema is read from an app built at import time (so each operation is its own test); the
module fixture then binds that app to the seeded database, and the calls go in-process over ASGI.
Examples are bounded and derandomized so the run is short and repeatable.
"""

from __future__ import annotations

import pytest
import schemathesis
from rest_env import RestEnv
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from yibao.api import auth
from yibao.api.rest import install, router
from yibao.api.rest.common import ErrorBody

APP = FastAPI(title="yibao bureau API")
APP.include_router(router)
install(APP)
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]


@pytest.fixture(scope="module")
def bound(rest: RestEnv) -> RestEnv:
    auth.bind(APP, factory=rest.factory, settings=rest.settings)
    return rest


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_no_generated_request_makes_the_api_fail_or_break_its_schema(
    bound: RestEnv, operation: schemathesis.APIOperation, mode: schemathesis.GenerationMode
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=4, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(
            headers=bound.headers["admin"], checks=[not_a_server_error, response_schema_conformance]
        )
        content_type = response.headers.get("content-type", [""])[0]
        if response.status_code >= 400 and content_type.startswith("application/json"):
            ErrorBody.model_validate(response.json())

    try:
        run()
    except Unsatisfiable:
        # An operation without parameters or body has no invalid variant to generate.
        assert mode is schemathesis.GenerationMode.NEGATIVE


def test_the_schema_documents_every_route_with_chinese_summaries() -> None:
    assert len(OPERATIONS) >= 30
    assert all(op.definition.raw.get("summary") for op in OPERATIONS)
