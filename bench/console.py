"""Operator console lookups (坐席工作台) over 1,000,000 appeals and 50,000 knowledge-base
articles in PostgreSQL: the caller's history, the router's suggestion, likely duplicates and the
knowledge-base search, each timed through its real endpoint (GET /hotline/lookup/...). Target:
p99 <= 300 ms each. Prints p50/p99; never asserts.

The data is written on the server side: the real messages of data/teddy2020/train.csv are
COPYed into a scratch table and recombined by INSERT ... SELECT generate_series into two years
of appeals (one number per ~3 appeals, every state) and into the articles (published, valid).
Duplicate fingerprints are computed (numpy, bench/duplicates.py's bulk MinHash) for the appeals
a lookup made now can match: those within DUPLICATE_WINDOW_DAYS (twice, for margin); older
appeals' keys are outside every console lookup's window. The router is trained on the same
file, as `make run` does. Requests go through the whole Django stack in this process (test
client, signed in as an operator), so the figures are the server's time without the network."""

import csv
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

import run as common  # bench/run.py: database and environment helpers

ROWS = int(os.environ.get("BENCH_CONSOLE_ROWS", "1000000"))
ARTICLES = int(os.environ.get("BENCH_CONSOLE_ARTICLES", "50000"))
REQUESTS = int(os.environ.get("BENCH_CONSOLE_REQUESTS", "200"))
PG_URL = os.environ.get(
    "BENCH_CONSOLE_PG_URL", "postgres://postgres@127.0.0.1:5432/lianxin_console_bench"
)
WINDOW_DAYS = int(os.environ.get("DUPLICATE_WINDOW_DAYS", "30"))
PHONES = max(ROWS // 3, 1)
TARGET_P99_MS = 300.0
TRAIN = common.ROOT / "data" / "teddy2020" / "train.csv"
HELD_OUT = common.ROOT / "data" / "teddy2020" / "hot-issues-messages.csv"

APPEALS = """
WITH cats AS (SELECT array_agg(id ORDER BY id) AS ids, array_agg(default_unit_id ORDER BY id)
                     AS units, count(*)::int AS n
              FROM appeals_category WHERE parent_id IS NOT NULL),
     msgs AS (SELECT count(*)::int AS n FROM bench_message)
INSERT INTO appeals_appeal (tracking_number, title, content, category_id, urgency, track,
    channel, contact_name, contact_phone, contact_email, address, is_public, status, unit_id,
    created_at, updated_at, contact_deadline, handling_deadline, reply, public_note,
    reopen_count, return_count, version, reply_review {extra_columns})
SELECT 'C' || lpad(g::text, 14, '0'), left(m.text, 30), m.text,
       cats.ids[1 + g % cats.n], 'ordinary', 'hotline', 'phone', '',
       '13' || lpad(((g::bigint * 7919) % {phones})::text, 9, '0'), '', '', false,
       (ARRAY['submitted','dispatched','handling','replied','closed','closed'])[1 + g % 6],
       CASE WHEN g % 6 = 0 THEN NULL ELSE cats.units[1 + g % cats.n] END,
       t, t, t + interval '8 hours', t + interval '7 days', '', '', 0, 0, 1, '{}'
       {extra_values}
FROM cats, msgs, generate_series(1, {rows}) AS g,
     LATERAL (SELECT now() - g * (interval '2 years' / {rows}) AS t) AS times, bench_message m
WHERE m.id = 1 + (g::bigint * 104729) % msgs.n
"""

ARTICLES_SQL = """
WITH units AS (SELECT array_agg(id ORDER BY id) AS ids, count(*)::int AS n FROM core_unit),
     msgs AS (SELECT count(*)::int AS n FROM bench_message)
INSERT INTO knowledge_article (question, answer, policy_basis, unit_id, valid_from, valid_to,
    status, version, created_at, updated_at {extra_columns})
SELECT left(m.text, 40) || '怎么办？（' || g || '）', '您好，' || m.text || ' 请按规定向有关部门申请办理。',
       '示范区政策文件第' || (1 + g % 50) || '条', units.ids[1 + g % units.n],
       current_date - 1, NULL, 'published', 1, now(), now()
       {extra_values}
FROM units, msgs, generate_series(1, {rows}) AS g, bench_message m
WHERE m.id = 1 + (g::bigint * 7727) % msgs.n
"""

ZERO = {
    "boolean": "false",
    "integer": "0",
    "smallint": "0",
    "bigint": "0",
    "double precision": "0",
    "jsonb": "'{}'",
    "text": "''",
    "character varying": "''",
    "date": "current_date",
    "timestamp with time zone": "now()",
}


def _extra(conn, table: str, columns: str) -> tuple[str, str]:
    """Columns other branches add later (NOT NULL, no database default) get a zero, so the
    bench keeps working as the models grow."""
    named = {c.strip() for c in columns.replace("{extra_columns}", "").split(",")}
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
        "AND is_nullable = 'NO' AND column_default IS NULL AND column_name <> 'id'",
        (table,),
    ).fetchall()
    extra = [(c, ZERO.get(t, "''")) for c, t in rows if c not in named]
    return (
        "".join(f", {c}" for c, _ in extra),
        "".join(f", {v}" for _, v in extra),
    )


def fill(url: str) -> None:
    import psycopg

    sys.path.insert(0, str(common.ROOT))
    t0 = time.perf_counter()
    with TRAIN.open(encoding="utf-8") as f:
        texts = [" ".join(r["text"].split()) for r in csv.DictReader(f) if r["text"].strip()]
    conninfo = url.replace("postgres://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_message (id int PRIMARY KEY, text text NOT NULL)")
        with conn.cursor() as cur, cur.copy("COPY bench_message (id, text) FROM STDIN") as copy:
            for n, text in enumerate(texts):
                copy.write_row((n + 1, text))
        appeal_columns = APPEALS.split("INSERT INTO appeals_appeal (")[1].split(")")[0]
        cols, vals = _extra(conn, "appeals_appeal", appeal_columns)
        conn.execute(
            APPEALS.replace("{rows}", str(ROWS))
            .replace("{phones}", str(PHONES))
            .replace("{extra_columns}", cols)
            .replace("{extra_values}", vals)
        )
        t_appeals = time.perf_counter() - t0
        article_columns = ARTICLES_SQL.split("INSERT INTO knowledge_article (")[1].split(")")[0]
        cols, vals = _extra(conn, "knowledge_article", article_columns)
        conn.execute(
            ARTICLES_SQL.replace("{rows}", str(ARTICLES))
            .replace("{extra_columns}", cols)
            .replace("{extra_values}", vals)
        )
        t_articles = time.perf_counter() - t0 - t_appeals
        keys = fingerprints(conn)
        t_keys = time.perf_counter() - t0 - t_appeals - t_articles
        conn.execute("DROP TABLE bench_message")
        conn.execute("VACUUM ANALYZE")
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    print(
        f"  {ROWS:,} appeals in {t_appeals:.0f}s, {ARTICLES:,} articles in {t_articles:.0f}s, "
        f"{keys:,} duplicate keys in {t_keys:.0f}s; database {size / 2**30:.1f} GB "
        f"({time.perf_counter() - t0:.0f}s in all)"
    )


def fingerprints(conn) -> int:
    """insight's fingerprint keys of the appeals within twice the duplicate window."""
    from multiprocessing import Pool

    import duplicates as dupbench  # bench/duplicates.py: bulk MinHash with numpy

    rows = conn.execute(
        "SELECT id, title, content, created_at FROM appeals_appeal "
        "WHERE created_at >= now() - %s * interval '1 day' ORDER BY id",
        (2 * WINDOW_DAYS,),
    ).fetchall()
    texts = [(r[1], r[2]) for r in rows]
    with Pool(os.cpu_count() or 2) as pool:
        parts = pool.map(
            dupbench._fingerprint_chunk, [texts[s : s + 5000] for s in range(0, len(texts), 5000)]
        )
    bands = [b for part, _ in parts for b in part]
    places = [p for _, chunk in parts for p in chunk]
    keys = 0
    with conn.cursor() as cur:
        with cur.copy(
            "COPY insight_duplicatekey (band_key, created_at, appeal_id) FROM STDIN"
        ) as copy:
            buf = io.StringIO()
            for n, (pk, _t, _c, at) in enumerate(rows):
                for key in dict.fromkeys([*bands[n].tolist(), *places[n]]):
                    buf.write(f"{key}\t{at.isoformat()}\t{pk}\n")
                    keys += 1
            copy.write(buf.getvalue())
    return keys


def timed(client, path: str, params: list[dict]) -> dict:
    timings, found = [], []
    for n, p in enumerate(params):
        t0 = time.perf_counter()
        response = client.get(path, p)
        elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code != 200:
            raise common.BenchError(
                f"{path} answered {response.status_code}: {response.content[:300]!r}"
            )
        if n >= 10:  # the first ones warm the caches
            timings.append(elapsed)
            results = response.json()["results"]
            found.append(len(results) if isinstance(results, list) else int(results is not None))
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p99_ms": round(timings[max(int(len(timings) * 0.99) - 1, 0)], 1),
        "requests": len(timings),
        "mean_results": round(statistics.mean(found), 2),
    }


def index_articles() -> None:
    """The knowledge base's search index, written by its own service as publishing does (the
    SQL above made the rows only)."""
    from django.db import connection

    from lianxin.knowledge.models import Article
    from lianxin.knowledge.services.index import index_many

    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 2000):
        index_many(list(Article.objects.filter(pk__in=ids[start : start + 2000])), new=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE knowledge_article")


def phone_lookup_keys() -> None:
    """Each appeal's `contact_phone_key`, as intake sets it: the keyed hash needs the project's
    key, so it is computed here (Django set up) rather than in the SQL that made the rows."""
    from django.db import connection

    from lianxin.core.phones import phone_key

    connection.ensure_connection()
    with connection.connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bench_phone (phone text PRIMARY KEY, key text NOT NULL)")
        with cur.copy("COPY bench_phone (phone, key) FROM STDIN") as copy:
            for n in range(PHONES):
                number = f"13{n:09d}"
                copy.write_row((number, phone_key(number)))
        cur.execute(
            "UPDATE appeals_appeal a SET contact_phone_key = p.key FROM bench_phone p "
            "WHERE a.contact_phone = p.phone"
        )
        cur.execute("DROP TABLE bench_phone")
        cur.execute("ANALYZE appeals_appeal")
    connection.connection.commit()


def measure() -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from lianxin.appeals.models import Appeal
    from lianxin.core.models import Role, RoleAssignment, Unit
    from lianxin.insight.models import RouterModel

    t0 = time.perf_counter()
    index_articles()
    print(f"  {ARTICLES:,} articles put in the search index in {time.perf_counter() - t0:.0f}s")
    t0 = time.perf_counter()
    phone_lookup_keys()
    print(f"  phone lookup keys of {PHONES:,} numbers set in {time.perf_counter() - t0:.0f}s")
    t0 = time.perf_counter()
    call_command("router_train", "--data", str(TRAIN), "--folds", "2", stdout=io.StringIO())
    assert RouterModel.objects.active().exists()
    print(f"  router trained in {time.perf_counter() - t0:.0f}s")
    from django.contrib.auth import get_user_model

    operator = get_user_model().objects.create_user("bench-operator")
    RoleAssignment.objects.create(
        user=operator, role=Role.OPERATOR, unit=Unit.objects.get(code="hotline")
    )
    client = Client()
    client.force_login(operator)
    rng = random.Random(17)
    with HELD_OUT.open(encoding="utf-8") as f:
        held_out = [" ".join(r["留言详情"].split()) for r in csv.DictReader(f)]
        held_out = [t for t in held_out if len(t) > 40]
    recent = list(
        Appeal.objects.filter(
            created_at__gte=datetime.now(UTC) - timedelta(days=WINDOW_DAYS)
        ).values_list("content", flat=True)[:2000]
    )
    n = REQUESTS + 10
    phones = [{"phone": f"13{rng.randrange(PHONES):09d}"} for _ in range(n)]
    texts = [{"text": rng.choice(held_out)[: rng.randrange(20, 120)]} for _ in range(n)]
    similar = [{"text": rng.choice(recent) if i % 2 else rng.choice(held_out)} for i in range(n)]

    def query() -> str:
        text = rng.choice(held_out)
        start = rng.randrange(0, max(len(text) - 8, 1))
        return text[start : start + rng.choice((2, 3, 4, 6))]

    queries = [{"q": query()} for _ in range(n)]
    return {
        "caller_history": timed(client, "/hotline/lookup/history/", phones),
        "suggestion": timed(client, "/hotline/lookup/suggest/", texts),
        "duplicates": timed(client, "/hotline/lookup/similar/", similar),
        "knowledge_base": timed(client, "/hotline/lookup/articles/", queries),
    }


def main() -> int:
    print(
        f"Operator console lookups, {ROWS:,} appeals and {ARTICLES:,} articles in PostgreSQL "
        f"(target p99 <= {TARGET_P99_MS:.0f} ms each)"
    )
    figures = common.pg_scratch(PG_URL, "lianxin-console-", fill, measure)
    if figures is None:
        return 0
    for name, f in figures.items():
        ok = f["p99_ms"] <= TARGET_P99_MS
        print(
            f"  {name:15} p50 {f['p50_ms']:7.1f} ms  p99 {f['p99_ms']:7.1f} ms over "
            f"{f['requests']} requests ({f['mean_results']} results on average): "
            f"{'PASS' if ok else 'MISS'}"
        )
    common.RESULTS.mkdir(exist_ok=True)
    (common.RESULTS / "console-postgresql.json").write_text(
        json.dumps(
            {
                "lookups": figures,
                "appeals": ROWS,
                "articles": ARTICLES,
                "target_p99_ms": TARGET_P99_MS,
                "target_met": all(f["p99_ms"] <= TARGET_P99_MS for f in figures.values()),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
