"""Monthly rankings with 10,000,000 appeals in PostgreSQL (target: the ranking of every unit of
a level answers in <= 1 s). Prints the time of a full roll-up rebuild and p50/p99 of
GET /api/v1/evaluation/rankings/ for every month of two years at both levels; never asserts.

The unit tree is the demo district plus BENCH_RANKINGS_STREETS streets and towns with
BENCH_RANKINGS_COMMUNITIES communities each and BENCH_RANKINGS_DEPARTMENTS departments, so a
street's figures are sums over a real subtree. The appeals are written by INSERT ... SELECT
generate_series (like bench/dashboard.py): two years, spread over every unit below the district
(three categories per unit), the older ones almost all closed and most of those followed up,
responses and replies late for some units more than others, a few returned and reopened; the
last fortnight still being handled. Requests go through the whole Django stack in this process
(test client): the server's time without the network.

Knobs: BENCH_RANKINGS_ROWS (10,000,000), BENCH_RANKINGS_REQUESTS (100 per level),
BENCH_RANKINGS_PG_URL, BENCH_KEEP (keep the database)."""

import json
import os
import statistics
import sys
import time

import run as common  # bench/run.py: database and environment helpers

ROWS = int(os.environ.get("BENCH_RANKINGS_ROWS", "10000000"))
REQUESTS = int(os.environ.get("BENCH_RANKINGS_REQUESTS", "100"))
STREETS = int(os.environ.get("BENCH_RANKINGS_STREETS", "40"))
COMMUNITIES = int(os.environ.get("BENCH_RANKINGS_COMMUNITIES", "8"))
DEPARTMENTS = int(os.environ.get("BENCH_RANKINGS_DEPARTMENTS", "40"))
PG_URL = os.environ.get(
    "BENCH_RANKINGS_PG_URL", "postgres://postgres@127.0.0.1:5432/lianxin_bench_rankings"
)
TARGET_MS = 1000.0

# Extra units below the demo district: streets/towns with communities, and departments. The
# materialised path is set by a second statement, as Unit.save() would.
FILL_UNITS = """
WITH root AS (SELECT id FROM core_unit WHERE parent_id IS NULL ORDER BY id LIMIT 1)
INSERT INTO core_unit (name, code, kind, parent_id, path, is_active)
SELECT '基准街镇' || s, 'bench-street-' || s, CASE WHEN s % 4 = 0 THEN 'town' ELSE 'street' END,
       root.id, '', true FROM root, generate_series(1, {streets}) AS s
UNION ALL
SELECT '基准部门' || s, 'bench-dept-' || s, 'department', root.id, '', true
FROM root, generate_series(1, {departments}) AS s;
UPDATE core_unit u SET path = p.path || u.id || '.' FROM core_unit p
WHERE u.parent_id = p.id AND u.code LIKE 'bench-%';
INSERT INTO core_unit (name, code, kind, parent_id, path, is_active)
SELECT u.name || '社区' || c, u.code || '-c' || c, 'community', u.id, '', true
FROM core_unit u, generate_series(1, {communities}) AS c WHERE u.code LIKE 'bench-street-%';
UPDATE core_unit u SET path = p.path || u.id || '.' FROM core_unit p
WHERE u.parent_id = p.id AND u.code LIKE 'bench-street-%-c%';
"""

# g = 1 is the newest appeal; unit i = g % n (every unit below the district but the hotline),
# three categories per unit. Older than ~14 days: 97 % closed, 2 % withdrawn, 1 % still open
# (the overdue backlog); newer: spread over every open state. Acceptance takes 0-16 hours
# (the contact deadline is 8), longer at some units; replies 0-9 days (deadline 7).
FILL_APPEALS = """
WITH cats AS (SELECT array_agg(id ORDER BY id) AS ids, count(*)::int AS n
              FROM appeals_category WHERE parent_id IS NOT NULL),
     units AS (SELECT array_agg(id ORDER BY id) AS ids, count(*)::int AS n FROM core_unit
               WHERE kind IN ('department', 'street', 'town', 'community', 'village'))
INSERT INTO appeals_appeal (tracking_number, title, content, category_id, urgency, track,
    channel, contact_name, contact_phone, contact_email, address, is_public, status, unit_id,
    created_at, updated_at, dispatched_at, accepted_at, replied_at, closed_at,
    contact_deadline, handling_deadline, reply, public_note, reopen_count, return_count,
    version, reply_review)
SELECT 'R' || lpad(g::text, 14, '0'), '诉求 ' || g, '基准测试诉求内容 ' || g,
       cats.ids[1 + ((g % units.n) * 7 + (g / units.n) % 3) % cats.n], 'ordinary', 'hotline',
       'phone', '', '', '', '示范区', false, st.status,
       CASE WHEN st.status = 'submitted' THEN NULL ELSE units.ids[1 + g % units.n] END,
       t, t,
       CASE WHEN st.status = 'submitted' THEN NULL ELSE t + interval '10 minutes' END,
       CASE WHEN st.status IN ('submitted', 'dispatched') THEN NULL
            ELSE t + (g % 13 + (g % units.n) % 5) * interval '1 hour' END,
       CASE WHEN st.status IN ('replied', 'closed') THEN t + (g % 9) * interval '1 day' END,
       CASE WHEN st.status = 'closed' THEN t + (g % 9 + 1) * interval '1 day' END,
       t + interval '8 hours', t + interval '7 days', '', '',
       CASE WHEN st.status = 'closed' AND g % 40 = 1 THEN 1 ELSE 0 END,
       CASE WHEN g % 50 = 0 THEN 1 ELSE 0 END, 1, '{}'
FROM cats, units, generate_series(1, {rows}) AS g,
     LATERAL (SELECT now() - g * (interval '2 years' / {rows}) AS t) AS times,
     LATERAL (SELECT CASE
         WHEN t > now() - interval '14 days' THEN
              (ARRAY['submitted','dispatched','handling','handling','replied','closed'])[1 + g % 6]
         WHEN g % 100 < 97 THEN 'closed'
         WHEN g % 100 < 99 THEN 'withdrawn'
         ELSE 'handling' END AS status) AS st
"""

# Four in five closed appeals are followed up; satisfaction varies with the unit.
FILL_FOLLOWUPS = """
INSERT INTO appeals_followup (appeal_id, created_at, resolved, satisfaction, comment, by, unit_id)
SELECT id, closed_at, (id % 20) <> 0,
       CASE WHEN id % 20 = 0 OR (id + unit_id) % 31 = 0 THEN 'dissatisfied'
            WHEN id % 10 = 1 OR (id + unit_id) % 7 = 0 THEN 'basic' ELSE 'satisfied' END,
       '', 'operator', unit_id
FROM appeals_appeal WHERE status = 'closed' AND id % 5 <> 0
"""


def fill(url: str) -> tuple[float, int]:
    import psycopg

    t0 = time.perf_counter()
    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(
            FILL_UNITS.replace("{streets}", str(STREETS))
            .replace("{departments}", str(DEPARTMENTS))
            .replace("{communities}", str(COMMUNITIES))
        )
        conn.execute(FILL_APPEALS.replace("{rows}", str(int(ROWS))))
        conn.execute(FILL_FOLLOWUPS)
        # What autovacuum does to a table after a bulk load: statistics, and the visibility map
        # that lets the open-appeals index answer the overdue count without the table.
        conn.execute("VACUUM ANALYZE")
        units = conn.execute("SELECT count(*) FROM core_unit").fetchone()[0]
    return time.perf_counter() - t0, units


def percentiles(timings: list[float]) -> dict:
    timings = sorted(timings)
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p99_ms": round(timings[max(0, int(len(timings) * 0.99) - 1)], 1),
        "max_ms": round(timings[-1], 1),
        "requests": len(timings),
    }


def measure() -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.db.models import Count
    from django.test import Client

    from lianxin.appeals.models import DailyAppealStat, MonthlyAppealStat
    from lianxin.appeals.rollups import rollup_refresh
    from lianxin.core.models import Unit
    from lianxin.evaluation.rankings import months_back
    from lianxin.evaluation.rates import LIVE_OVERDUE_KEY, current_month
    from lianxin.evaluation.tasks import refresh_live_overdue

    settings.EVALUATION_PUBLIC_RATE = "off"  # the bench is one address asking many times
    figures: dict = {}
    t0 = time.perf_counter()
    rollup_refresh(full=True)
    figures["full_rebuild_s"] = round(time.perf_counter() - t0, 1)
    figures["daily_rows"] = DailyAppealStat.objects.count()
    figures["monthly_rows"] = MonthlyAppealStat.objects.count()
    figures["units"] = dict(Unit.objects.values_list("kind").annotate(n=Count("pk")).order_by())

    client = Client()
    months = [f"{m:%Y-%m}" for m in months_back(current_month(), 25)]
    # The whole months before this one in turn (the oldest of the 25 is barely filled: the
    # fill's '2 years' is 720 days); then the current month on its own (its figures add the
    # live overdue count, read from the open appeals).
    past_months, this_month = months[1:-1], months[-1]

    def ask(period: str, level: str) -> tuple[float, int, int]:
        t0 = time.perf_counter()
        response = client.get("/api/v1/evaluation/rankings/", {"period": period, "level": level})
        elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code not in (200, 404):
            raise common.BenchError(
                f"rankings answered {response.status_code}: {response.content[:300]!r}"
            )
        size = len(response.json()["results"]) if response.status_code == 200 else 0
        return elapsed, response.status_code, size

    for level in ("street", "department"):
        for period in past_months[:5]:
            ask(period, level)  # warm the caches
        past, sizes, missing = [], [], 0
        for n in range(REQUESTS):
            elapsed, status, size = ask(past_months[n % len(past_months)], level)
            past.append(elapsed)
            sizes.append(size)
            missing += status == 404
        figures[f"api_{level}"] = {
            **percentiles(past),
            "units_ranked": max(sizes),
            "no_data_answers": missing,
        }
        # The live overdue count behind the current month is recounted in the background
        # every minute (Celery beat): time that task, then the requests, which read its result.
        cache.delete(LIVE_OVERDUE_KEY)
        t0 = time.perf_counter()
        refresh_live_overdue()
        background = (time.perf_counter() - t0) * 1000
        figures[f"api_{level}_current_month"] = {
            **percentiles([ask(this_month, level)[0] for _ in range(20)]),
            "background_ms": round(background, 1),
        }
    # The public page (rates table) for one past month, for scale.
    timings = []
    for _ in range(20):
        t0 = time.perf_counter()
        client.get("/evaluation/", {"period": past_months[-1], "level": "street"})
        timings.append((time.perf_counter() - t0) * 1000)
    figures["public_page_street"] = percentiles(timings)
    return figures


def main() -> int:
    print(f"Monthly rankings with {ROWS:,} appeals in PostgreSQL")
    filled = {}

    def fill_and_say(url):
        filled["seconds"], units = fill(url)
        print(
            f"  {ROWS:,} appeals and their follow-ups over {units} units written in "
            f"{filled['seconds']:.0f}s"
        )

    figures = common.pg_scratch(PG_URL, "lianxin-rankings-", fill_and_say, measure)
    if figures is None:
        return 0
    figures["fill_s"] = round(filled["seconds"])
    print(
        f"  roll-ups: full rebuild {figures['full_rebuild_s']} s ({figures['daily_rows']:,} "
        f"daily rows, {figures['monthly_rows']:,} monthly rows); units {figures['units']}"
    )
    worst = 0.0
    for key in (
        "api_street",
        "api_street_current_month",
        "api_department",
        "api_department_current_month",
        "public_page_street",
    ):
        f = figures[key]
        if key.startswith("api"):
            worst = max(worst, f["p99_ms"])
        extra = f" ({f['units_ranked']} units ranked)" if "units_ranked" in f else ""
        if "background_ms" in f:
            extra = (
                f"; the overdue backlog recounted in the background (every minute, "
                f"no request waits for it) in {f['background_ms']:.1f} ms"
            )
        print(
            f"  {key:30} p50 {f['p50_ms']:7.1f} ms  p99 {f['p99_ms']:7.1f} ms  over "
            f"{f['requests']} requests{extra}"
        )
    ok = worst <= TARGET_MS
    print(f"  target p99 <= {TARGET_MS:.0f} ms: {'PASS' if ok else 'MISS'}")
    common.RESULTS.mkdir(exist_ok=True)
    (common.RESULTS / "rankings-postgresql.json").write_text(
        json.dumps(
            {**figures, "rows": ROWS, "target_ms": TARGET_MS, "target_met": ok},
            indent=2,
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
