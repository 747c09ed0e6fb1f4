"""Keeping the full-text index in step with the published articles, and querying it. The
index holds published articles only; search (selectors.py) filters validity dates on top.

SQLite: the FTS5 table knowledge_article_fts (rowid = article id), bm25 with the question
weighted above the policy basis above the answer. PostgreSQL: `Article.search_vector`, a
'simple' tsvector of the same tokens with weights A (question), B (basis), D (answer), under a
GIN index, ranked with ts_rank. Both are written only here, in the publishing transaction."""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Value

from ..models import Article
from ..tokens import as_index_text, index_tokens

# Relative weight of a match in each column: question 8, basis 2, answer 1 (bm25's column
# weights on SQLite below; ts_rank's A, B, D weights on PostgreSQL in `candidates`).


# The same filter as `Article.objects.valid_on` (published, in force on the day), in the join,
# so the limit counts only articles search may return.
SQLITE_SEARCH = """
SELECT knowledge_article_fts.rowid FROM knowledge_article_fts
JOIN knowledge_article AS a ON a.id = knowledge_article_fts.rowid
WHERE knowledge_article_fts MATCH %s
  AND a.status = 'published' AND a.valid_from <= %s AND (a.valid_to IS NULL OR a.valid_to >= %s)
ORDER BY bm25(knowledge_article_fts, 8.0, 1.0, 2.0), knowledge_article_fts.rowid
LIMIT %s
"""


# What `index_article` writes on PostgreSQL, as one statement for many rows.
PG_UPDATE = """
UPDATE knowledge_article SET search_vector =
    setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')
    || setweight(to_tsvector('simple', %s), 'D')
WHERE id = %s
"""


def _texts(article: Article) -> tuple[str, str, str]:
    """The question, answer and basis as index text. Unigrams (for one-character queries such
    as 狗) only in the question and the basis: in the answers they would double the index and
    every query's work, for matches a one-character query hardly means."""
    return (
        as_index_text(index_tokens(article.question)),
        as_index_text(index_tokens(article.answer, unigrams=False)),
        as_index_text(index_tokens(article.policy_basis)),
    )


def index_article(article: Article) -> None:
    """Put (or replace) the article's published text in the index."""
    question, answer, basis = _texts(article)
    if connection.vendor == "postgresql":
        Article.objects.filter(pk=article.pk).update(
            search_vector=SearchVector(Value(question), weight="A", config="simple")
            + SearchVector(Value(basis), weight="B", config="simple")
            + SearchVector(Value(answer), weight="D", config="simple")
        )
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM knowledge_article_fts WHERE rowid = %s", [article.pk])
        cursor.execute(
            "INSERT INTO knowledge_article_fts (rowid, question, answer, basis) "
            "VALUES (%s, %s, %s, %s)",
            [article.pk, question, answer, basis],
        )


def unindex_article(article: Article) -> None:
    """Take the article out of the index (withdrawn)."""
    if connection.vendor == "postgresql":
        Article.objects.filter(pk=article.pk).update(search_vector=None)
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM knowledge_article_fts WHERE rowid = %s", [article.pk])


def index_many(articles: list[Article], *, new: bool = False) -> None:
    """Index many published articles at once (the demo, the benchmark); `new`: none of them is
    in the index yet, so nothing is deleted first."""
    rows = [(a.pk, *_texts(a)) for a in articles]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.executemany(PG_UPDATE, [(q, b, a, pk) for pk, q, a, b in rows])
        return
    with connection.cursor() as cursor:
        if not new:
            cursor.executemany(
                "DELETE FROM knowledge_article_fts WHERE rowid = %s", [(r[0],) for r in rows]
            )
        cursor.executemany(
            "INSERT INTO knowledge_article_fts (rowid, question, answer, basis) "
            "VALUES (%s, %s, %s, %s)",
            [(r[0], r[1], r[2], r[3]) for r in rows],
        )


def candidates(tokens: list[str], *, day, limit: int) -> list[int]:
    """Ids of published articles valid on `day` matching any of `tokens`, best first (at most
    `limit`). The caller decides which are good enough (selectors.search_articles)."""
    if not tokens:
        return []
    if connection.vendor == "postgresql":
        expression = _pg_tsquery(tokens)
        if not expression:
            return []
        query = SearchQuery(expression, search_type="raw", config="simple")
        rows = (
            Article.objects.valid_on(day)
            .filter(search_vector=query)
            .annotate(
                # weights in the order D (answer), C (unused), B (basis), A (question)
                rank=SearchRank(F("search_vector"), query, weights=[0.125, 0.125, 0.25, 1.0])
            )
            .order_by("-rank", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        return list(rows)
    match = _sqlite_match(tokens)
    if not match:
        return []
    with connection.cursor() as cursor:
        cursor.execute(SQLITE_SEARCH, [match, day.isoformat(), day.isoformat(), limit])
        return [row[0] for row in cursor.fetchall()]


# A token held by more articles than this does not pull candidates on its own: ranking every
# article that says 申请 or 办理 is what made a query slow (bench/knowledge.py), and an article
# that shares only such words with the query is not the answer. Such tokens still count in the
# coverage and score (selectors.search_articles).
COMMON_DOCS = 800


def _quoted(tokens: list[str]) -> list[str]:
    return ['"' + t.replace('"', "") + '"' for t in tokens]


# How many articles hold each token, counted up to COMMON_DOCS + 1 through the GIN index.
PG_DOCS = """
SELECT t, (SELECT count(*) FROM (
    SELECT 1 FROM knowledge_article WHERE search_vector @@ to_tsquery('simple', quote_literal(t))
    LIMIT %s) AS hits)
FROM unnest(%s::text[]) AS t
"""


def _pg_tsquery(tokens: list[str]) -> str:
    """The same choice as `_sqlite_match`, as a tsquery."""
    with connection.cursor() as cursor:
        cursor.execute(PG_DOCS, [COMMON_DOCS + 1, tokens])
        docs = dict(cursor.fetchall())
    held = [t for t in tokens if docs.get(t)]
    rare = [t for t in held if docs[t] <= COMMON_DOCS]
    quoted = ["'" + t.replace("'", "") + "'" for t in (rare or held)]
    return (" | " if rare else " & ").join(quoted)


def _sqlite_match(tokens: list[str]) -> str:
    """The FTS5 query: any of the query's rarer tokens; when every token is common, all of
    them together; tokens no article holds are left out."""
    marks = ", ".join(["%s"] * len(tokens))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT term, doc FROM knowledge_article_fts_vocab WHERE term IN ({marks})",  # noqa: S608 - placeholders only
            tokens,
        )
        docs = {term: count for term, count in cursor.fetchall()}
    held = [t for t in tokens if docs.get(t)]
    if not held:
        return ""
    rare = [t for t in held if docs[t] <= COMMON_DOCS]
    if rare:
        return " OR ".join(_quoted(rare))
    return " AND ".join(_quoted(held))
