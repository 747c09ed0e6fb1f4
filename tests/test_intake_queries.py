"""The database work of one public intake over the API, pinned: intake is the hot path, and a
query added to it (a lookup per request, a savepoint, a listener) costs every citizen's request
and, at full load, a share of the server (bench/intake.py measures the rest)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from lianxin.appeals.models import Appeal
from lianxin.core.models import AuditEvent

pytestmark = pytest.mark.django_db

APPEALS = "/api/v1/appeals/"
BODY = {
    "title": "楼道灯坏了",
    "content": "三单元楼道的灯坏了一周，晚上看不见台阶。",
    "contact_name": "王伟",
    "contact_phone": "13812345678",
    "address": "东湖社区3栋2单元",
}


def _statements(queries: CaptureQueriesContext) -> list[str]:
    """Each statement's verb and table: what the test pins, not the SQL's spelling."""
    kinds = []
    for query in queries.captured_queries:
        words = query["sql"].replace('"', "").split()
        verb = words[0].upper()
        if verb == "INSERT":
            kinds.append(f"INSERT {words[2]}")
        else:
            kinds.append(verb)
    return kinds


def _intake(settings, **headers: str) -> tuple[list[str], int]:
    client = APIClient()
    client.post(APPEALS, BODY, format="json")  # the first request of a process loads caches
    with CaptureQueriesContext(connection) as queries:
        response = client.post(APPEALS, {**BODY, "title": "另一盏灯"}, format="json", **headers)
    assert response.status_code == 201, response.content
    return _statements(queries), response.status_code


def test_one_api_intake_is_the_throttle_count_then_one_transaction_of_two_inserts(
    district, settings
):
    settings.PUBLIC_SUBMIT_RATE = "30/hour"  # as served: the throttle stays
    statements, _status = _intake(settings)
    # Inside the test's transaction BEGIN/COMMIT are savepoints: the throttle's own atomic
    # count (so a refused request is counted too), then the appeal and its audit event.
    writes = [s for s in statements if s.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == ["INSERT core_ratecounter", "INSERT appeals_appeal", "INSERT core_auditevent"]
    assert not [s for s in statements if s == "SELECT"], statements  # nothing looked up
    assert len(statements) == 7, statements  # 2 x (savepoint, release) + 3 writes
    assert Appeal.objects.count() == 2 and AuditEvent.objects.count() == 2


def test_an_intake_with_an_idempotency_key_adds_one_lookup_only(district, settings):
    settings.PUBLIC_SUBMIT_RATE = "off"
    statements, _status = _intake(settings, HTTP_IDEMPOTENCY_KEY="lamp-7f3a")
    assert [s for s in statements if s == "SELECT"] == ["SELECT"]
    assert len(statements) == 5, (
        statements
    )  # the key's lookup, then (savepoint, 2 inserts, release)
