"""Every write of the knowledge base: articles and their review (articles.py), the search
index (index.py), proposals from good replies (proposals.py), the portal's tally (uses.py)
and imports (imports.py)."""

from .articles import (
    article_create,
    article_edit,
    article_publish,
    article_reject,
    article_submit,
    article_withdraw,
)
from .imports import ImportResult, RowResult, knowledge_import
from .index import index_article, index_many, unindex_article
from .proposals import article_propose, worth_an_article
from .uses import article_use_record

__all__ = [
    "ImportResult",
    "RowResult",
    "article_create",
    "article_edit",
    "article_propose",
    "article_publish",
    "article_reject",
    "article_submit",
    "article_use_record",
    "article_withdraw",
    "index_article",
    "index_many",
    "knowledge_import",
    "unindex_article",
    "worth_an_article",
]
