"""Fuzzing from the OpenAPI description: at least 10,000 generated requests on each backend,
valid and invalid, against the JSON API and the public forms; no answer may be a 500, and
every answer must match what the description says (status, content type, JSON schema)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mapapp import create_app
from tests.conftest import TEST_CONFIG

REQUESTS_PER_BACKEND = 10_000
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def fuzz_app(database_url, session, incidents):
    """The app with CSRF off and limits high, so generated forms reach validation itself.

    CSRF and rate limits have tests of their own (test_privacy, test_reports); here they would
    only turn every generated form into the same 400 or 429.
    """
    return create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                       "WTF_CSRF_ENABLED": False, "TIP_MIN_FILL_SECONDS": 0,
                       "CORRECTION_RATE_LIMIT": "100000/hour"})


def fuzz(operation, mode, examples, round_number, answered):
    """Send up to `examples` generated requests to one operation (fewer when the operation
    has fewer distinct ones); record each status code and return how many were sent."""
    before = len(answered)

    @seed(round_number)  # reproducible, and each round generates other requests
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        # Plain bodies: its WSGI transport asks for gzip but does not unzip what it gets
        # (gzip answers have their own tests in test_read_model.py).
        response = case.call(headers={"Accept-Encoding": "identity"})
        answered.append((operation.label, mode.value, response.status_code))
        case.validate_response(response, checks=CHECKS)

    run()
    return len(answered) - before


def test_fuzz_the_public_api_and_forms(fuzz_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 12  # every public GET and form, correction status included
    answered, nothing_to_break = [], []
    runs = [(operation, mode) for operation in operations
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
    round_number = 0
    # Rounds until 10,000 requests: operations with few distinct requests (GET /healthz) run
    # out early, and the next round shares what is left among those that did not.
    while runs and len(answered) < REQUESTS_PER_BACKEND:
        per_run = (REQUESTS_PER_BACKEND - len(answered)) // len(runs) + 1
        unexhausted = []
        for operation, mode in runs:
            try:
                if fuzz(operation, mode, per_run, round_number, answered) >= per_run:
                    unexhausted.append((operation, mode))
            except Unsatisfiable:  # no parameter or body that could be made invalid
                nothing_to_break.append((operation.label, mode.value))
        runs, round_number = unexhausted, round_number + 1
    assert nothing_to_break == [("GET /healthz", "negative")]
    statuses = {status for _label, _mode, status in answered}
    print(f"fuzz: {len(answered)} requests in {round_number} rounds, statuses {sorted(statuses)}")
    assert len(answered) >= REQUESTS_PER_BACKEND, len(answered)
    assert not [a for a in answered if a[2] >= 500]
    assert 200 in statuses and 400 in statuses  # both accepted and refused requests were made
