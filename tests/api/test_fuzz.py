"""Property-based fuzzing of the whole API against its own OpenAPI schema (schemathesis).

Every operation of the generated schema gets valid and invalid requests (random bodies,
parameters, ids) sent over HTTP to a live server, authenticated as a superuser. The checks:
no 5xx ever, every status code and content type is documented, every body matches its
schema, invalid input is refused with a 4xx. A few objects exist so that some ids hit.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.contrib.auth.models import User
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks

from engine.services import deploy, fail_job, start_instance
from engine.store.models import Job
from tests.services.models import review_process, service_chain_process

#: Examples per operation (valid and invalid ones); about 30 operations: about a minute in all.
EXAMPLES = 10
CHECKS = [
    schemathesis.checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]


def load_schema() -> schemathesis.BaseSchema:
    """The schema exactly as /api/v1/schema serves it (generated here: it needs no database)."""
    raw = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES, deterministic=True
    )
    return loaded


@pytest.fixture
def token(transactional_db: None) -> str:
    admin = User.objects.create_superuser("fuzz", password="pw-fuzz")
    deploy(review_process())
    chain = deploy(service_chain_process())
    start_instance(definition=chain, business_key="B-1")
    failed = start_instance(definition=chain)
    fail_job(job_id=Job.objects.get(instance=failed).pk, error="boom")
    return Token.objects.create(user=admin).key


schema = load_schema()


@pytest.mark.slow
@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None, derandomize=True)
def test_the_api_keeps_its_schema_and_never_fails(
    case: schemathesis.Case, live_server: object, token: str
) -> None:
    case.call_and_validate(
        base_url=live_server.url,
        headers={"Authorization": f"Token {token}"},
        checks=CHECKS,  # type: ignore[attr-defined]
    )
