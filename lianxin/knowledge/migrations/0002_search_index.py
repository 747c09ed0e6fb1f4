"""The full-text index of published articles, one per database: an FTS5 table on SQLite, a
GIN index over the tsvector column on PostgreSQL. The services (knowledge/services/index.py)
keep it in sync; no triggers, so the same code path is tested on both."""

from django.db import migrations

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS knowledge_article_fts USING fts5("
    "question, answer, basis, tokenize = 'unicode61 remove_diacritics 0')"
)
# How many articles hold each token: search asks the index only for the rarer tokens.
SQLITE_VOCAB = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS knowledge_article_fts_vocab "
    "USING fts5vocab(knowledge_article_fts, 'row')"
)
SQLITE_DROP = "DROP TABLE IF EXISTS knowledge_article_fts"
SQLITE_DROP_VOCAB = "DROP TABLE IF EXISTS knowledge_article_fts_vocab"
PG_CREATE = (
    "CREATE INDEX IF NOT EXISTS knowledge_article_search "
    "ON knowledge_article USING gin (search_vector)"
)
PG_DROP = "DROP INDEX IF EXISTS knowledge_article_search"


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
        schema_editor.execute(SQLITE_VOCAB)
    elif vendor == "postgresql":
        schema_editor.execute(PG_CREATE)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP_VOCAB)
        schema_editor.execute(SQLITE_DROP)
    elif vendor == "postgresql":
        schema_editor.execute(PG_DROP)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_articles")]

    operations = [migrations.RunPython(create, drop)]
