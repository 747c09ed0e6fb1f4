"""The API is what its schema says: schemathesis generates requests for every operation of
/api/schema/ and checks each answer (no 5xx, a documented status and content type, a body
and headers that match the schema).

Bounded for CI: a fixed number of examples per operation, derandomized (the same requests on
every run), in-process through Django's WSGI handler, on the test database. Most requests
carry the token of `chief` (every working role), so the staff operations answer with their
data rather than a 401; the appeal paths name a real appeal half the time, so the lifecycle
actions are tried on it (mostly refused: a state, a version or a unit that does not fit)."""

import time

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from lianxin.appeals import services
from lianxin.appeals.services import query_code_for
from lianxin.supervision import services as supervision

from .appeals_helpers import appeal_in, fast_passwords, submit  # noqa: F401 - autouse fixture

pytestmark = pytest.mark.django_db

EXAMPLES = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 10}
# Not negative_data_rejection: the API is lenient with some malformed query parameters
# (DRF's pagination ignores a `limit` that is not a number, `overdue` is true only for
# 1/true), which that check reports; the negative examples still must get a documented answer.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler, called in this thread inside the test's transaction. Like
    django.test.Client, it must not close the database connection at each request's start and
    end: that would drop the test transaction and everything set up in it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def receipt(people, district, cheap_crypto):
    """An inspector with a key (else the reporting channel refuses every report with a 503),
    and the receipt of a report."""
    supervision.inspector_key_create(
        user=people["inspector"], passphrase="correct horse battery staple"
    )
    _report, receipt = supervision.report_submit(
        accused="某局某科长",
        content="收受好处费，情节详见附件。",
        occurred_on=None,
        accused_unit=None,
        files=[],
    )
    return receipt


@pytest.fixture
def appeals(people, chief, district, categories):
    """A fresh appeal (no unit, no category: the nullable fields are null) and one in
    handling, in a category of a group, with its tracking numbers and query codes."""
    fresh = submit(title="井盖松动", content="路口井盖松动，车辆经过时响声很大。")
    handling = appeal_in("handling", people, district, category=categories["epidemic"])
    services.appeal_submit(title="噪音扰民", content="夜间施工噪音。", category=categories["noise"])
    return {"fresh": fresh, "handling": handling}


def run_operation(operation, mode, *, auth, fixed_path, fixed_track, receipt, stats):
    """Schemathesis' examples for one operation in one mode, each request checked."""
    strategies = [operation.as_strategy(generation_mode=mode)]
    if "{tracking_number}" in operation.path:
        strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=fixed_path))
    if operation.path.startswith("/api/v1/reports/") and operation.path != "/api/v1/reports/":
        strategies.append(
            operation.as_strategy(generation_mode=mode, headers={"X-Receipt": receipt})
        )
    if operation.path == "/api/v1/appeals/track/" and mode is GenerationMode.POSITIVE:
        # The citizen's view of a real appeal: its 200 body is checked too.
        if operation.method.upper() == "GET":
            strategies.append(
                operation.as_strategy(
                    query={"tracking_number": fixed_track[0]},
                    headers={"X-Query-Code": fixed_track[1]},
                )
            )
        else:
            strategies.append(
                operation.as_strategy(
                    body={"tracking_number": fixed_track[0], "query_code": fixed_track[1]},
                    media_type="application/json",
                )
            )

    @settings(
        max_examples=EXAMPLES[mode],
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies), anonymous=st.sampled_from([False, False, False, True]))
    def examples(case, anonymous):
        # The token of a user with every role (reissued after DELETE /auth/token/ revoked it),
        # in place of the random one schemathesis makes up from the security scheme.
        token, _created = Token.objects.get_or_create(user=auth)
        # Wrong query codes and receipts are counted per address (not by the throttles that
        # _no_rate_limits turns off): forget them, or every later request is a 429.
        cache.clear()
        # One request in four goes without (the 401s and the public operations' answers).
        headers = {"Authorization": "" if anonymous else f"Token {token.key}"}
        response = case.call(headers=headers)
        stats["examples"] += 1
        stats["statuses"].add(response.status_code)
        case.validate_response(response, checks=CHECKS, headers=headers)

    examples()


def test_every_operation_conforms_to_the_schema(wsgi_app, appeals, receipt, chief):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    fixed_path = {"tracking_number": appeals["handling"].tracking_number}
    fresh = appeals["fresh"].tracking_number
    fixed_track = (fresh, query_code_for(fresh))
    stats = {"operations": 0, "examples": 0, "statuses": set()}
    started = time.monotonic()
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        stats["operations"] += 1
        for mode in EXAMPLES:
            try:
                run_operation(
                    operation,
                    mode,
                    auth=chief,
                    fixed_path=fixed_path,
                    fixed_track=fixed_track,
                    receipt=receipt,
                    stats=stats,
                )
            # Every operation is tried and all failures reported (schemathesis' FailureGroup is
            # a BaseExceptionGroup).
            except Unsatisfiable:
                # Negative mode on an operation with nothing to get wrong (no body, no
                # parameter but a free-text path segment): no invalid request exists.
                assert mode is GenerationMode.NEGATIVE, operation.label
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    elapsed = time.monotonic() - started
    print(
        f"{stats['operations']} operations, {stats['examples']} requests, "
        f"statuses {sorted(stats['statuses'])}, {elapsed:.1f}s"
    )
    assert not failures, "\n\n".join(failures)
    assert stats["operations"] >= 28
    # The fixed appeal and credentials make the operations answer, not only refuse.
    assert {200, 201, 400, 404, 409} <= stats["statuses"]
