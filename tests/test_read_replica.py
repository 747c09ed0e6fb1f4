"""The read replica (DATABASE_REPLICA_URL, core.dbrouter): the dashboard, rankings and exports
read from it; intake and every other write go to the primary; without it nothing moves.

The `replica` alias is the primary's test database opened on a second connection (as Django's
TEST MIRROR does), so the tests commit (transaction=True) for the second connection to see the
rows, and count which connection each query ran on."""

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianxin.appeals.models import Appeal
from lianxin.core.dbrouter import REPLICA, reading_replica
from lianxin.evaluation.exports import assessment_data
from lianxin.evaluation.rankings import compute_ranking
from lianxin.insight.dashboard import Period, dashboard_figures
from tests.appeals_helpers import fast_passwords, submit  # noqa: F401
from tests.test_evaluation_rankings import MAR, NOW, scene, travel  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def replica(transactional_db):
    primary = connections["default"].settings_dict
    replica_settings = {**primary, "OPTIONS": dict(primary.get("OPTIONS", {}))}
    if primary["ENGINE"] == "django.db.backends.postgresql":
        # As settings.py opens a PostgreSQL replica: a write there would fail, not pass.
        replica_settings["OPTIONS"]["options"] = "-c default_transaction_read_only=on"
    connections.settings[REPLICA] = replica_settings
    # Opened here: the test case's guard refuses to open connections it was not told of
    # before the test began, and this alias exists only for these tests.
    connections[REPLICA].connect()
    try:
        yield connections[REPLICA]
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


def sql_of(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries]


def reads_and_writes(ctx: CaptureQueriesContext) -> tuple[int, int]:
    sql = sql_of(ctx)
    writes = sum(1 for s in sql if s.lstrip().upper().startswith(WRITES))
    return len(sql) - writes, writes


def test_the_dashboard_reads_its_figures_from_the_replica(scene, replica):  # noqa: F811
    with (
        travel(NOW),
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        figures = dashboard_figures(Period(MAR.date().replace(day=1), NOW.date()))
    assert figures["totals"]["received"] == Appeal.objects.filter(created_at__gte=MAR).count()
    assert reads_and_writes(on_replica)[0] >= 3 and reads_and_writes(on_replica)[1] == 0
    assert not any("appeals_dailyappealstat" in s for s in sql_of(on_primary))


def test_rankings_page_and_export_read_from_the_replica(scene, replica, client):  # noqa: F811
    with travel(NOW), CaptureQueriesContext(replica) as on_replica:
        rows = compute_ranking("department", MAR.date())
        export = assessment_data(period="2025-03", level="department")
    assert {r["name"] for r in rows} == {"畜牧兽医局", "生态环境局"}
    assert [r["name"] for r in export.ranking] == [r["name"] for r in rows]
    assert any("appeals_monthlyappealstat" in s for s in sql_of(on_replica))
    # The public page, through the whole stack.
    with (
        travel(NOW),
        CaptureQueriesContext(replica) as page_replica,
        CaptureQueriesContext(connections["default"]) as page_primary,
    ):
        response = client.get(
            reverse("evaluation:rankings"), {"period": "2025-03", "level": "department"}
        )
    assert response.status_code == 200
    assert "畜牧兽医局" in response.content.decode()
    assert any("appeals_monthlyappealstat" in s for s in sql_of(page_replica))
    assert not any("appeals_monthlyappealstat" in s for s in sql_of(page_primary))
    assert reads_and_writes(page_replica)[1] == 0


def test_intake_writes_to_the_primary_even_inside_a_replica_read(replica):
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        appeal = submit(title="路灯不亮")
        with reading_replica():
            second = submit(title="井盖缺失")
    assert reads_and_writes(on_replica) == (0, 0)
    inserts = [s for s in sql_of(on_primary) if s.lstrip().upper().startswith("INSERT")]
    assert any("appeals_appeal" in s for s in inserts) and len(inserts) >= 4
    assert Appeal.objects.filter(pk__in=[appeal.pk, second.pk]).count() == 2


def test_a_read_inside_a_transaction_on_the_primary_stays_there(replica):
    with (
        transaction.atomic(),
        CaptureQueriesContext(replica) as on_replica,
    ):
        appeal = submit(title="占道经营")
        with reading_replica():
            # The replica has not got this uncommitted row; the primary has.
            assert Appeal.objects.filter(pk=appeal.pk).exists()
    assert reads_and_writes(on_replica) == (0, 0)


def test_outside_a_replica_read_everything_stays_on_the_primary(replica):
    submit()
    with CaptureQueriesContext(replica) as on_replica:
        assert Appeal.objects.count() == 1
    assert on_replica.captured_queries == []
    with reading_replica(), CaptureQueriesContext(replica) as on_replica:
        assert Appeal.objects.count() == 1
    assert len(on_replica.captured_queries) == 1


def test_without_a_replica_the_marked_reads_use_the_primary(scene):  # noqa: F811
    assert REPLICA not in connections.settings
    with travel(NOW), CaptureQueriesContext(connections["default"]) as on_primary:
        rows = compute_ranking("department", MAR.date())
    assert rows and any("appeals_monthlyappealstat" in s for s in sql_of(on_primary))
