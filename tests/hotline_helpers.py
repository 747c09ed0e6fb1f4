"""Shared by the hotline tests: an operator, a published article, a caller's open appeal."""

import pytest

from lianxin.core.models import Role
from lianxin.knowledge.models import Article, ArticleStatus
from lianxin.knowledge.services.index import index_article

from .conftest import make_user

CALLER = "13900001111"


@pytest.fixture
def operator(district):
    return make_user("operator", Role.OPERATOR, district["hotline"], first_name="坐席小王")


@pytest.fixture
def other_operator(district):
    return make_user("operator2", Role.OPERATOR, district["hotline"])


def article(
    unit,
    *,
    question="居住证怎么办理",
    answer="持身份证和居住登记凭证到社区服务中心办理，当场受理，15个工作日内制证。",
    status=ArticleStatus.PUBLISHED,
):
    found = Article.objects.create(
        question=question,
        answer=answer,
        policy_basis="《居住证暂行条例》第九条",
        unit=unit,
        status=status,
    )
    if status == ArticleStatus.PUBLISHED:
        index_article(found)  # as publishing does (knowledge.services.article_publish)
    return found


def keyword_suggester(text: str):
    """A category suggester plugged in by dotted path, as the router is: animal words are
    动物疫病 (the first-level name the router answers with is the category's name here)."""
    if "猪" in text or "鸡" in text:
        return ("动物疫病", 0.95)
    if "噪音" in text:
        return ("噪音污染", 0.6)
    return None
