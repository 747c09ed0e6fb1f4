"""我的诉求 with 1,000,000 appeals in PostgreSQL: how long a citizen's page takes to find their
appeals by their number's lookup key (the indexed `contact_phone_key`). Prints p50/p99 of the
lookup query and of the whole page (/my/, test client: the server's time without the
network) and the query plan; never asserts.

The appeals are written by INSERT ... SELECT generate_series, about two per number (keys made
by md5, the shape of the real ones); the citizen's own five are filed through the service."""

import json
import os
import statistics
import sys
import time

import run as common  # bench/run.py: database and environment helpers

ROWS = int(os.environ.get("BENCH_CITIZEN_ROWS", "1000000"))
REQUESTS = int(os.environ.get("BENCH_CITIZEN_REQUESTS", "200"))
PG_URL = os.environ.get(
    "BENCH_CITIZEN_PG_URL", "postgres://postgres@127.0.0.1:5432/lianxin_bench_citizen"
)
TARGET_MS = 300.0
NUMBER = "13812345678"

FILL = """
INSERT INTO appeals_appeal (tracking_number, title, content, urgency, track, channel,
    contact_name, contact_phone, contact_phone_key, contact_email, address, is_public, status,
    created_at, updated_at, contact_deadline, handling_deadline, reply, public_note,
    reopen_count, return_count, version, reply_review)
SELECT 'C' || lpad(g::text, 14, '0'), '诉求 ' || g, '基准测试诉求内容 ' || g, 'ordinary',
       'hotline', 'phone', '', '1' || lpad((g / 2)::text, 10, '0'),
       substr(md5('n' || (g / 2)::text), 1, 32), '', '示范区', false,
       CASE WHEN g % 10 = 0 THEN 'handling' ELSE 'closed' END,
       t, t, t + interval '8 hours', t + interval '7 days', '', '', 0, 0, 1, '{}'
FROM generate_series(1, {rows}) AS g,
     LATERAL (SELECT now() - g * (interval '2 years' / {rows}) AS t) AS times
"""


def fill(url: str) -> float:
    import psycopg

    t0 = time.perf_counter()
    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(FILL.replace("{rows}", str(int(ROWS))))
        conn.execute("ANALYZE appeals_appeal")
    return time.perf_counter() - t0


def percentiles(timings: list[float]) -> dict:
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 2),
        "p99_ms": round(timings[max(0, int(len(timings) * 0.99) - 1)], 2),
    }


def measure() -> dict:
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client

    from lianxin.appeals.selectors import citizen_appeals
    from lianxin.appeals.services import appeal_submit
    from lianxin.core import clock
    from lianxin.core.citizen_views import SESSION_KEYS
    from lianxin.core.citizens import _account_signin
    from lianxin.core.phones import phone_keys

    for n in range(5):
        appeal_submit(
            title=f"我的诉求 {n}", content="基准测试", channel="phone", contact_phone=NUMBER
        )
    with transaction.atomic():
        user = _account_signin(NUMBER, clock.now())
    keys = phone_keys(NUMBER)
    query = citizen_appeals(user, keys)
    timings = []
    for n in range(REQUESTS + 5):
        t0 = time.perf_counter()
        found = list(query.all()[:20])
        if n >= 5:
            timings.append((time.perf_counter() - t0) * 1000)
    assert len(found) == 5, len(found)  # noqa: S101 - the bench measures the right thing
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN ANALYZE {sql} LIMIT 20", params)
        plan = [row[0] for row in cur.fetchall()]
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_KEYS] = keys
    session.save()
    pages = []
    for n in range(REQUESTS + 5):
        t0 = time.perf_counter()
        response = client.get("/my/")
        if response.status_code != 200:
            raise common.BenchError(f"/my/ answered {response.status_code}")
        if n >= 5:
            pages.append((time.perf_counter() - t0) * 1000)
    return {"lookup": percentiles(timings), "page": percentiles(pages), "plan": plan}


def main() -> int:
    print(f"我的诉求 with {ROWS:,} appeals in PostgreSQL")
    figures = common.pg_scratch(
        PG_URL,
        "lianxin-citizen-",
        lambda url: print(f"  {ROWS:,} appeals written in {fill(url):.0f}s"),
        measure,
    )
    if figures is None:
        return 0
    for key in ("lookup", "page"):
        f = figures[key]
        print(f"  {key:7} p50 {f['p50_ms']:7.2f} ms  p99 {f['p99_ms']:7.2f} ms")
    print("  plan: " + "\n        ".join(figures["plan"]))
    ok = figures["page"]["p99_ms"] <= TARGET_MS
    print(f"  target p99 <= {TARGET_MS:.0f} ms: {'PASS' if ok else 'MISS'}")
    common.RESULTS.mkdir(exist_ok=True)
    (common.RESULTS / "citizen-lookup-postgresql.json").write_text(
        json.dumps({**figures, "rows": ROWS, "target_ms": TARGET_MS, "target_met": ok}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
