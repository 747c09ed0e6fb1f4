"""A city on PostgreSQL (issue #16): SCALE_APPEALS appeals (10,000,000 by default) with their
audit events, follow-ups, roll-ups and duplicate keys in one database, and the figures the city
needs from it, each beside its target. Run by `make bench-scale`; never asserts.

The database SCALE_DATABASE_URL names is built once and kept: a later run at the same size
reuses it (it only migrates it, so a new index migration is measured too). The build is
server-side SQL (INSERT ... SELECT generate_series) after `migrate`, with the secondary
indexes and constraints dropped during the load and recreated after it:

- the demo district's units and catalogue, plus STREETS streets/towns with COMMUNITIES
  communities each and DEPARTMENTS departments (a few hundred units);
- three years of appeals, newest last, their titles and texts from the real messages in
  data/teddy2020 (each moved to one of 20,000 place names); older than a fortnight 97 % closed,
  2 % withdrawn, 1 % still open (the overdue backlog); 60 % public;
- their audit events (submit, dispatch, accept, reply, close as far as each appeal got: about
  five per appeal) with sealed-chain columns of the real size (the bench's hashes are not a
  valid chain: `audit_verify` is not measured here), and four follow-ups in five closed appeals;
- the roll-ups, by the real `rollup_refresh(full=True)`;
- the duplicate finder's keys, by the real fingerprint functions, for the appeals of the last
  DUPLICATE_DAYS days (only these are within a new appeal's window; older keys would only add
  a level to the key index, whose range scans start at the window).

Then, in this process through the whole Django stack (test client: the server's time without
the network) or, for the duplicate lookup, the service the worker calls:
monthly rankings (<= 1 s), the leaders' dashboard (<= 300 ms), Open311 GET requests.json over
90-day windows (p99 <= 100 ms), the citizen's tracking-number lookup, POST /track/ with the
query code (p99 <= 20 ms), and the duplicate lookup of a new appeal (<= 20 ms).

Knobs: SCALE_APPEALS, SCALE_DATABASE_URL, SCALE_REQUESTS (per figure), SCALE_REBUILD=1."""

import csv
import json
import os
import random
import statistics
import sys
import time
from multiprocessing import Pool

import run as common  # bench/run.py: database and environment helpers
from rankings import FILL_UNITS  # the same streets, towns, communities and departments

ROWS = int(os.environ.get("SCALE_APPEALS", "10000000").replace("_", ""))
URL = os.environ.get("SCALE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lianxin_city")
REQUESTS = int(os.environ.get("SCALE_REQUESTS", "200"))
STREETS, COMMUNITIES, DEPARTMENTS = 40, 8, 40
DUPLICATE_DAYS = 90
PLACES = 20000
DATA = common.ROOT / "data" / "teddy2020"
TABLES = ("appeals_appeal", "appeals_followup", "core_auditevent", "insight_duplicatekey")

TARGETS = {  # figure: (target in ms, what is compared: "p99" or "max")
    "rankings": (1000.0, "p99"),
    "dashboard": (300.0, "p99"),
    "open311": (100.0, "p99"),
    "tracking": (20.0, "p99"),
    "duplicates": (20.0, "p99"),
}

# g = 1 is the oldest appeal and id = g, so ids grow with time as they do in service. The
# text is a real message (n) moved to a place (p), as bench/duplicates.py does in Python.
# Acceptance takes 0-16 hours (the contact deadline is 8), longer at some units; replies 0-9
# days (deadline 7).
FILL_APPEALS = """
INSERT INTO appeals_appeal (id, tracking_number, title, content, category_id, urgency, track,
    channel, contact_name, contact_phone, contact_email, address, is_public, status, unit_id,
    created_at, updated_at, dispatched_at, accepted_at, replied_at, closed_at,
    contact_deadline, handling_deadline, reply, public_note, reopen_count, return_count,
    version {extra_columns})
SELECT g, 'C' || to_char(t, 'YYMMDD') || lpad(g::text, 9, '0'),
       left(CASE WHEN x.place <> '' AND position(x.place IN x.title) > 0
                 THEN replace(x.title, x.place, pl.name) ELSE pl.name || x.title END, 200),
       CASE WHEN x.place <> '' AND position(x.place IN x.title) > 0
            THEN replace(x.content, x.place, pl.name) ELSE pl.name || '：' || x.content END,
       cats.ids[1 + ((g % units.n) * 7 + (g / units.n) % 3) % cats.n], 'ordinary', 'hotline',
       (ARRAY['phone','phone','phone','web','api','open311'])[1 + g % 6],
       '市民' || (g % 997), '138' || lpad((g::bigint * 7919 % 100000000)::text, 8, '0'), '', pl.name,
       g::bigint * 2654435761 % 1000 < 600, st.status,
       CASE WHEN st.status = 'submitted' THEN NULL ELSE units.ids[1 + g % units.n] END,
       t, t,
       CASE WHEN st.status = 'submitted' THEN NULL ELSE t + interval '10 minutes' END,
       CASE WHEN st.status IN ('submitted', 'dispatched') THEN NULL
            ELSE t + (g % 13 + (g % units.n) % 5) * interval '1 hour' END,
       CASE WHEN st.status IN ('replied', 'closed') THEN t + (g % 9) * interval '1 day' END,
       CASE WHEN st.status = 'closed' THEN t + (g % 9 + 1) * interval '1 day' END,
       t + interval '8 hours', t + interval '7 days',
       CASE WHEN st.status IN ('replied', 'closed') THEN '您好，您反映的问题已转交相关部门处理。'
            ELSE '' END, '',
       CASE WHEN st.status = 'closed' AND g % 40 = 1 THEN 1 ELSE 0 END,
       CASE WHEN g % 50 = 0 THEN 1 ELSE 0 END, 1 {extra_values}
FROM (SELECT array_agg(id ORDER BY id) AS ids, count(*)::int AS n
      FROM appeals_category WHERE parent_id IS NOT NULL) AS cats,
     (SELECT array_agg(id ORDER BY id) AS ids, count(*)::int AS n FROM core_unit
      WHERE kind IN ('department', 'street', 'town', 'community', 'village')) AS units,
     generate_series({first}, {last}) AS g
     JOIN scale_text x ON x.n = (g::bigint * 7919) % {texts}
     JOIN scale_place pl ON pl.n = (g::bigint * 104729) % {places},
     LATERAL (SELECT {now}::timestamptz - ({rows} - g) * (interval '3 years' / {rows}) AS t)
       AS times,
     LATERAL (SELECT CASE
         WHEN t > {now}::timestamptz - interval '14 days' THEN
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

# The events of each appeal as far as it got, event id = 5 * (appeal - 1) + step, sealed in
# that order (seq = id) with hashes of the real length; written in time order, as in service,
# so that an appeal's events lie on different pages.
FILL_EVENTS = """
INSERT INTO core_auditevent (id, created_at, actor_id, actor_label, action, object_type,
    object_id, from_state, to_state, reason, data, content_hash, seq, prev_hash, hash)
SELECT e.id, e.at, NULL, e.actor, e.action, 'appeals.appeal', a.id::text, e.from_state,
       e.to_state, '', '{}'::jsonb, '', e.id,
       encode(sha256(('city-event-' || (e.id - 1))::bytea), 'hex'),
       encode(sha256(('city-event-' || e.id)::bytea), 'hex')
FROM appeals_appeal a, LATERAL (VALUES
    (5 * a.id - 4, a.created_at, 'submit', '', 'submitted', 'citizen'),
    (5 * a.id - 3, a.dispatched_at, 'dispatch', 'submitted', 'dispatched', 'operator'),
    (5 * a.id - 2, a.accepted_at, 'accept', 'dispatched', 'handling', 'handler'),
    (5 * a.id - 1, a.replied_at, 'reply', 'handling', 'replied', 'handler'),
    (5 * a.id, a.closed_at, 'close', 'replied', 'closed', 'operator')
) AS e(id, at, action, from_state, to_state, actor)
WHERE e.at IS NOT NULL AND a.id BETWEEN {first} AND {last}
ORDER BY e.at
"""


# The daily roll-ups of every appeal in one statement: what appeals.rollups._day_rows computes
# (its GROUP BY, then the last follow-up of each appeal), which holds every row in Python and
# takes hours at city size. tests/test_scale_rollups.py proves both give the same rows.
ROLLUP_DAILY = """
INSERT INTO appeals_dailyappealstat (day, unit_id, category_id, received, dispatched,
    responded_in_time, replied, replied_in_time, open, closed, rated, resolved, satisfied,
    basically_satisfied, dissatisfied, reopened, returned)
SELECT (a.created_at AT TIME ZONE %(zone)s)::date, a.unit_id, a.category_id, count(*),
       count(*) FILTER (WHERE a.dispatched_at IS NOT NULL),
       count(*) FILTER (WHERE a.accepted_at <= a.contact_deadline),
       count(*) FILTER (WHERE a.replied_at IS NOT NULL),
       count(*) FILTER (WHERE a.replied_at <= a.handling_deadline),
       count(*) FILTER (WHERE a.status = ANY(%(open)s)),
       count(*) FILTER (WHERE a.status = 'closed'),
       count(f.appeal_id), count(*) FILTER (WHERE f.resolved),
       count(*) FILTER (WHERE f.satisfaction = 'satisfied'),
       count(*) FILTER (WHERE f.satisfaction = 'basic'),
       count(*) FILTER (WHERE f.satisfaction = 'dissatisfied'),
       count(*) FILTER (WHERE a.reopen_count > 0),
       count(*) FILTER (WHERE a.return_count > 0)
FROM appeals_appeal a
LEFT JOIN (SELECT DISTINCT ON (appeal_id) appeal_id, resolved, satisfaction
           FROM appeals_followup ORDER BY appeal_id, created_at DESC, id DESC) f
       ON f.appeal_id = a.id
WHERE a.id <= %(last)s
GROUP BY 1, 2, 3
ORDER BY 1
"""


def rollups_sql() -> None:
    """The state `rollup_refresh(full=True)` leaves, the daily rows by ROLLUP_DAILY and the
    monthly ones by the real code (Django must be set up)."""
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from lianxin.appeals import rollups
    from lianxin.appeals.models import OPEN_STATES, Appeal, DailyAppealStat, RollupState
    from lianxin.core.calendar import LOCAL

    with transaction.atomic():
        state, _ = RollupState.objects.get_or_create(name=rollups.STATE_NAME)
        state = RollupState.objects.select_for_update().get(pk=state.pk)
        started = timezone.now()
        last_id = Appeal.objects.aggregate(m=Max("pk"))["m"] or 0
        DailyAppealStat.objects.all().delete()
        with connection.cursor() as cur:
            cur.execute(
                ROLLUP_DAILY,
                {"zone": str(LOCAL), "open": [str(s) for s in OPEN_STATES], "last": last_id},
            )
        rollups._rebuild_months(None)
        rollups._rebuild_totals(None)
        state.watermark = started
        state.last_appeal_id = last_id
        state.refreshed_at = timezone.now()
        state.save()


def texts() -> list[tuple[str, str, str]]:
    """(title, content, first named place) of the real messages with a title."""
    sys.path.insert(0, str(common.ROOT))
    from lianxin.insight import duplicates as dup

    out = []
    for name in ("hot-issues-messages.csv", "replied-messages.csv"):
        with (DATA / name).open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                title = " ".join(row["留言主题"].split())[:150]
                content = " ".join(row["留言详情"].split())[:600]
                if title and content:
                    places = dup.places(title, content)
                    out.append((title, content, places[0] if places else ""))
    return out


def place_names(n: int) -> list[str]:
    sys.path.insert(0, str(common.BENCH))
    from duplicates import place_names as names

    return names(n, random.Random(12345))


def _keys_chunk(rows: list[tuple[int, str, str, str]]) -> str:
    """COPY lines (band_key, created_at, appeal_id) of these appeals, from the same
    fingerprint functions the service uses."""
    from lianxin.insight import duplicates as dup

    lines = []
    for pk, created_at, title, content in rows:
        for key in dup.fingerprint(title, content).keys:
            lines.append(f"{key}\t{created_at}\t{pk}\n")
    return "".join(lines)


def drop_secondary(conn, table: str) -> list[str]:
    """Drop the table's constraints (but its primary key) and indexes (but the primary key's);
    return the statements that recreate them."""
    restore = []
    for name, definition in conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype <> 'p'",
        (table,),
    ).fetchall():
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for name, definition in conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        (table, table),
    ).fetchall():
        conn.execute(f'DROP INDEX "{name}"')
        restore.insert(0, definition)
    return restore


def extra_columns(conn) -> tuple[str, str]:
    """Columns other migrations add to appeals (NOT NULL, no database default): a zero."""
    listed = set(FILL_APPEALS.split("SELECT g,")[0].replace("(", " ").replace(",", " ").split())
    zero = {"boolean": "false", "jsonb": "'{}'", "text": "''", "character varying": "''"}
    extra = [
        (c, zero.get(t, "0"))
        for c, t in conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = "
            "'appeals_appeal' AND is_nullable = 'NO' AND column_default IS NULL"
        ).fetchall()
        if c not in listed
    ]
    return "".join(f", {c}" for c, _ in extra), "".join(f", {v}" for _, v in extra)


def step(what: str, t0: float, steps: dict) -> float:
    now = time.perf_counter()
    steps[what] = round(now - t0, 1)
    print(f"    {what}: {now - t0:.0f} s", flush=True)
    return now


def build(url: str, env: dict) -> dict:
    """Fill the migrated database; returns the seconds of each step."""
    import psycopg

    steps: dict = {}
    t0 = time.perf_counter()
    conninfo = url.replace("postgres://", "postgresql://")
    messages = texts()
    places = place_names(PLACES)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET work_mem = '256MB'")
        now = conn.execute("SELECT quote_literal(now()::text)").fetchone()[0]
        conn.execute(
            FILL_UNITS.replace("{streets}", str(STREETS))
            .replace("{departments}", str(DEPARTMENTS))
            .replace("{communities}", str(COMMUNITIES))
        )
        conn.execute(
            "CREATE UNLOGGED TABLE scale_text (n int PRIMARY KEY, title text, "
            "content text, place text)"
        )
        conn.execute("CREATE UNLOGGED TABLE scale_place (n int PRIMARY KEY, name text)")
        with conn.cursor() as cur:
            with cur.copy("COPY scale_text FROM STDIN") as copy:
                for n, row in enumerate(messages):
                    copy.write_row((n, *row))
            with cur.copy("COPY scale_place FROM STDIN") as copy:
                for n, name in enumerate(places):
                    copy.write_row((n, name))
        restore = [s for table in TABLES for s in drop_secondary(conn, table)]
        t = step("units, texts, indexes dropped", t0, steps)
        columns, values = extra_columns(conn)
        batch = 1_000_000  # one statement per million: progress, and no huge transaction
        for first in range(1, ROWS + 1, batch):
            last = min(ROWS, first + batch - 1)
            conn.execute(
                FILL_APPEALS.replace("{extra_columns}", columns)
                .replace("{extra_values}", values)
                .replace("{first}", str(first))
                .replace("{last}", str(last))
                .replace("{rows}", str(ROWS))
                .replace("{texts}", str(len(messages)))
                .replace("{places}", str(PLACES))
                .replace("{now}", now)
            )
            print(f"      appeals {last:,}", flush=True)
        conn.execute("SELECT setval(pg_get_serial_sequence('appeals_appeal', 'id'), %s)", (ROWS,))
        t = step("appeals", t, steps)
        conn.execute(FILL_FOLLOWUPS)
        t = step("follow-ups", t, steps)
        for first in range(1, ROWS + 1, batch):
            last = min(ROWS, first + batch - 1)
            conn.execute(FILL_EVENTS.replace("{first}", str(first)).replace("{last}", str(last)))
            print(f"      events of appeals up to {last:,}", flush=True)
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('core_auditevent', 'id'), "
            "(SELECT max(id) FROM core_auditevent))"
        )
        t = step("audit events", t, steps)
        recent = conn.execute(
            "SELECT id, created_at::text, title, left(content, %s) FROM appeals_appeal "
            "WHERE created_at > %s::timestamptz - %s * interval '1 day' ORDER BY id",
            (_content_chars(), now.strip("'"), DUPLICATE_DAYS),
        ).fetchall()
        chunks = [recent[s : s + 5000] for s in range(0, len(recent), 5000)]
        with Pool(os.cpu_count() or 2, initializer=_django) as pool, conn.cursor() as cur:
            with cur.copy(
                "COPY insight_duplicatekey (band_key, created_at, appeal_id) FROM STDIN"
            ) as copy:
                for lines in pool.imap(_keys_chunk, chunks):
                    copy.write(lines)
        t = step(
            f"duplicate keys of the last {DUPLICATE_DAYS} days ({len(recent):,} appeals)", t, steps
        )
        conn.execute("DROP TABLE scale_text, scale_place")
        for statement in restore:
            conn.execute(statement)
        t = step("indexes and constraints recreated", t, steps)
        conn.execute("VACUUM ANALYZE")
        t = step("VACUUM ANALYZE", t, steps)
    _django()
    import django

    django.setup()
    rollups_sql()
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE appeals_dailyappealstat")
        cur.execute("ANALYZE appeals_monthlyappealstat")
    t = step("roll-ups (ROLLUP_DAILY, then the monthly rows by the real code)", t, steps)
    steps["total"] = round(time.perf_counter() - t0, 1)
    return steps


def _content_chars() -> int:
    sys.path.insert(0, str(common.ROOT))
    from lianxin.insight import duplicates as dup

    return dup.CONTENT_CHARS


def _django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "lianxin.settings"
    sys.path.insert(0, str(common.ROOT))


def built_size(admin, name: str, url: str) -> dict | None:
    """What an earlier run recorded in the database, if it exists."""
    import psycopg

    if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
        return None
    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        if not conn.execute("SELECT to_regclass('scale_built')").fetchone()[0]:
            return None
        row = conn.execute("SELECT appeals, steps FROM scale_built").fetchone()
    return {"appeals": row[0], "steps": json.loads(row[1])} if row else None


def record(url: str, steps: dict) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute("CREATE TABLE scale_built (appeals bigint, steps text, built_at timestamptz)")
        conn.execute("INSERT INTO scale_built VALUES (%s, %s, now())", (ROWS, json.dumps(steps)))


# --- measuring ------------------------------------------------------------------------------


def percentiles(timings: list[float]) -> dict:
    timings = sorted(timings)
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p99_ms": round(timings[max(0, int(len(timings) * 0.99) - 1)], 1),
        "max_ms": round(timings[-1], 1),
        "n": len(timings),
    }


def timed(fn, n: int, warm: int = 5) -> list[float]:
    out = []
    for i in range(n + warm):
        t0 = time.perf_counter()
        fn(i)
        if i >= warm:
            out.append((time.perf_counter() - t0) * 1000)
    return out


def check(response, what: str, ok=(200,)):
    if response.status_code not in ok:
        raise common.BenchError(
            f"{what} answered {response.status_code}: {response.content[:300]!r}"
        )
    return response


def measure() -> dict:
    import django

    django.setup()
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from lianxin.appeals.models import Appeal
    from lianxin.appeals.services import query_code_for
    from lianxin.core.models import Role, RoleAssignment, Unit
    from lianxin.evaluation.rankings import months_back
    from lianxin.evaluation.rates import current_month
    from lianxin.evaluation.tasks import refresh_live_overdue
    from lianxin.insight import duplicates as dup
    from lianxin.insight import services as insight

    settings.EVALUATION_PUBLIC_RATE = "off"  # the bench is one address asking many times
    rng = random.Random(16)
    figures: dict = {}
    client = Client()

    # Monthly rankings: every past month of two years at both levels, then the current month.
    refresh_live_overdue()
    months = [f"{m:%Y-%m}" for m in months_back(current_month(), 25)]
    periods = [(p, lvl) for p in months for lvl in ("street", "department")]
    sizes = []

    def rankings(i):
        period, level = periods[i % len(periods)]
        r = check(
            client.get("/api/v1/evaluation/rankings/", {"period": period, "level": level}),
            "rankings",
            (200, 404),
        )
        if r.status_code == 200:
            sizes.append(len(r.json()["results"]))

    figures["rankings"] = percentiles(timed(rankings, min(REQUESTS, 100)))
    figures["rankings"]["units_ranked"] = max(sizes, default=0)

    # The leaders' dashboard (page and JSON) for 30 and 365 days, as the district's leader.
    leader, _ = get_user_model().objects.get_or_create(username="scale-leader")
    root = Unit.objects.filter(parent__isnull=True).order_by("id").first()
    RoleAssignment.objects.get_or_create(user=leader, role=Role.LEADER, unit=root)
    staff = Client()
    staff.force_login(leader)
    views = [(p, d) for p in ("/insight/", "/insight/dashboard.json") for d in (30, 365)]
    figures["dashboard"] = percentiles(
        timed(
            lambda i: check(staff.get(views[i % 4][0], {"days": views[i % 4][1]}), "dashboard"),
            min(REQUESTS, 100),
        )
    )

    # Open311: 90-day windows anywhere in the three years, a quarter of them open ones only.
    now = timezone.now()

    def open311(i):
        end = now - timedelta(days=rng.uniform(0, 1000))
        params = {"start_date": (end - timedelta(days=90)).isoformat(), "end_date": end.isoformat()}
        if i % 4 == 1:
            params["status"] = "open"
        check(client.get("/open311/v2/requests.json", params), "requests.json")

    figures["open311"] = percentiles(timed(open311, REQUESTS))

    # The citizen's lookup: tracking number and query code, any appeal of the three years.
    with connection.cursor() as cur:
        cur.execute("SELECT max(id) FROM appeals_appeal")
        top = cur.fetchone()[0]
    picks = []
    while len(picks) < REQUESTS + 5:
        tn = (
            Appeal.objects.filter(pk=rng.randrange(1, top + 1))
            .values_list("tracking_number", flat=True)
            .first()
        )
        if tn:
            picks.append((tn, query_code_for(tn)))

    def track(i):
        tn, code = picks[i]
        r = check(client.post("/track/", {"tracking_number": tn, "query_code": code}), "track")
        if tn.encode() not in r.content:
            raise common.BenchError(f"/track/ did not show {tn}")

    figures["tracking"] = percentiles(timed(track, REQUESTS))

    # The duplicate lookup of a new appeal: half repeat an appeal of the last weeks, half are
    # a real message at a new place (bench/duplicates.py's mix).
    recent = list(
        Appeal.objects.filter(created_at__gte=now - timedelta(days=20))
        .order_by("?")
        .values_list("title", "content")[: REQUESTS // 2 + 5]
    )
    others = texts()
    found = []

    def duplicates(i):
        if i % 2 and recent:
            title, content = recent[(i // 2) % len(recent)]
        else:
            title, content, place = others[rng.randrange(len(others))]
            new = f"新{rng.randrange(10**6)}小区"
            title = title.replace(place, new) if place and place in title else new + title
        fp = dup.fingerprint(title, content)
        found.append(len(insight.duplicate_lookup(fingerprint=fp, created_at=now)))

    figures["duplicates"] = percentiles(timed(duplicates, REQUESTS))
    figures["duplicates"]["mean_verified"] = round(statistics.mean(found), 1)

    with connection.cursor() as cur:
        cur.execute("SELECT pg_database_size(current_database())")
        figures["database_bytes"] = cur.fetchone()[0]
        cur.execute(
            "SELECT relname, pg_total_relation_size(oid), reltuples::bigint FROM pg_class "
            "WHERE relname = ANY(%s)",
            (list(TABLES) + ["appeals_dailyappealstat", "appeals_monthlyappealstat"],),
        )
        figures["tables"] = {
            name: {"bytes": size, "rows": rows} for name, size, rows in cur.fetchall()
        }
    return figures


def main() -> int:
    print(f"A city on PostgreSQL: {ROWS:,} appeals in {common.pg_name(URL)}")
    admin = common.pg_admin(URL)
    if admin is None:
        return 1
    name = common.pg_name(URL)
    env = common.base_env(URL, common.ROOT / "var" / "bench-scale")
    built = None if os.environ.get("SCALE_REBUILD") else built_size(admin, name, URL)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "lianxin.settings"
    sys.path.insert(0, str(common.ROOT))
    if built and built["appeals"] == ROWS:
        steps = built["steps"]
        print(f"  reusing the database built earlier ({steps['total']:.0f} s to build:")
        for what, seconds in steps.items():
            if what != "total":
                print(f"    {what}: {seconds:.0f} s")
        print("  )")
        t0 = time.perf_counter()
        common.run([str(common.PYTHON), "manage.py", "migrate", "--noinput", "-v0"], env, "migrate")
        print(f"  migrated in {time.perf_counter() - t0:.0f} s")
    else:
        print("  building it (once; later runs at this size reuse it)")
        common.pg_recreate(admin, name)
        t0 = time.perf_counter()
        common.prepare_database(env)
        steps = build(URL, env)
        steps["total"] = round(time.perf_counter() - t0, 1)
        record(URL, steps)
        print(f"  built in {steps['total']:.0f} s ({ROWS / steps['total']:,.0f} appeals/s)")
    figures = measure()
    # The machine is shared: the figures are the server's times at this load, not on idle cores.
    figures["load_average"] = [round(x, 1) for x in os.getloadavg()]
    print(f"  load average after measuring {figures['load_average']} on {os.cpu_count()} cores")
    print(f"  database size {figures['database_bytes'] / 2**30:.1f} GB:")
    for table, t in sorted(figures["tables"].items()):
        print(f"    {table:28} {t['rows']:>12,} rows  {t['bytes'] / 2**30:6.2f} GB")
    print(f"  {'figure':12} {'p50':>9} {'p99':>9} {'max':>9}   target")
    for key, (target, what) in TARGETS.items():
        f = figures[key]
        ok = f[f"{what}_ms"] <= target
        print(
            f"  {key:12} {f['p50_ms']:7.1f}ms {f['p99_ms']:7.1f}ms {f['max_ms']:7.1f}ms   "
            f"{what} <= {target:.0f} ms  {'PASS' if ok else 'MISS'}  ({f['n']} requests)"
        )
    common.RESULTS.mkdir(exist_ok=True)
    (common.RESULTS / "scale-postgresql.json").write_text(
        json.dumps({"appeals": ROWS, "build_s": steps, **figures}, indent=2, ensure_ascii=False)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
