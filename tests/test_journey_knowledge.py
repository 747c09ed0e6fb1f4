"""Journeys through the knowledge base in Chromium. A citizen on a phone types a question on
the filing page, is offered the published answer, and marks it as having answered the
question (counted; nothing filed); a search with no match says so. The vet bureau's handler
imports an Excel knowledge base on a phone, and the bureau's leader reviews and publishes an
article, which the public then finds."""

import io

import pytest
from openpyxl import Workbook

from lianxin.appeals.models import Appeal
from lianxin.knowledge.models import Article, ArticleStatus, ArticleUse
from lianxin.knowledge.selectors import search_articles
from tests.appeals_helpers import fast_passwords  # noqa: F401 - autouse fixture
from tests.browser import PHONE, assert_clean, fits_width, login, open_page
from tests.knowledge_helpers import CORPUS, published

pytestmark = pytest.mark.browser


def test_a_citizen_finds_an_answer_before_filing(chromium, live_server, district, categories):
    dogs = published(district["vet"], *CORPUS[0])
    published(district["vet"], *CORPUS[1])
    page = open_page(chromium, live_server, viewport=PHONE)
    page.goto(f"{live_server.url}/submit/")
    page.fill("#id_title", "火星移民签证")
    page.wait_for_selector("#kb-none")
    assert "没有与您输入内容相符的政策解答" in page.inner_text("#kb-none")
    page.fill("#id_title", "我家养狗需要办证吗")
    page.wait_for_selector(".kb-suggestion")
    assert "城区养狗需要办理养犬登记证吗" in page.inner_text("#kb-suggestions")
    assert fits_width(page)
    with page.expect_navigation():
        page.click(f".kb-suggestion[data-article='{dogs.pk}'] .kb-answered")
    assert "很高兴帮到您" in page.inner_text("#answered")
    assert ArticleUse.objects.get(article=dogs).answered == 1
    assert not Appeal.objects.exists()
    assert_clean(page)


def test_a_citizen_goes_on_filing_when_not_answered(chromium, live_server, district, categories):
    zone = published(district["vet"], *CORPUS[1])
    page = open_page(chromium, live_server, viewport=PHONE)
    page.goto(f"{live_server.url}/submit/")
    page.fill("#id_title", "禁养区可以养猪吗")
    page.wait_for_selector(".kb-suggestion")
    with page.expect_response(lambda r: r.url.endswith("/continued/")):
        page.click(".kb-continue")
    assert page.locator(".kb-suggestion").count() == 0
    assert ArticleUse.objects.get(article=zone).continued == 1
    assert_clean(page)


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["问题", "答复", "政策依据", "责任单位", "生效日期", "失效日期"])
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_staff_import_a_knowledge_base_and_the_leader_publishes(
    chromium, live_server, people, district, tmp_path
):
    path = tmp_path / "知识库.xlsx"
    path.write_bytes(
        _xlsx(
            [
                (
                    "犬只死亡后如何处理？",
                    "应当进行无害化处理，不得随意丢弃。",
                    "《动物防疫法》第五十七条",
                    "畜牧兽医局",
                    "2026-01-01",
                    "",
                ),
                ("", "缺少问题的一行", "", "畜牧兽医局", "", ""),
            ]
        )
    )
    page = login(chromium, live_server, "vet_handler", viewport=PHONE)
    page.goto(f"{live_server.url}/knowledge/")
    assert fits_width(page)
    page.click("a:has-text('从 Excel 导入')")
    page.wait_for_url("**/knowledge/import/")
    page.set_input_files("#file", str(path))
    with page.expect_navigation():
        page.click("#upload")
    result = page.inner_text("#import-result")
    assert "新建 1 条" in result and "跳过 1 条" in result
    assert "问题" in page.inner_text("#import-result .row-skipped")
    assert fits_width(page)
    article = Article.objects.get()
    assert article.status == ArticleStatus.IN_REVIEW
    assert search_articles("犬只死亡") == []  # waits for the review
    assert_clean(page)

    leader = login(chromium, live_server, "vet_leader", viewport=PHONE)
    leader.goto(f"{live_server.url}/knowledge/")
    with leader.expect_navigation():
        leader.click(f"#to-review a[href='/knowledge/manage/{article.pk}/']")
    with leader.expect_navigation():
        leader.click("#publish")
    assert "已发布" in leader.inner_text("#article-status")
    assert "1" in leader.inner_text("#history")
    assert fits_width(leader)
    assert_clean(leader)
    assert [a.pk for a in search_articles("狗死了怎么处理")] == [article.pk]

    public = open_page(chromium, live_server, viewport=PHONE)
    public.goto(f"{live_server.url}/knowledge/{article.pk}/")
    assert "无害化处理" in public.inner_text("#article")
    assert_clean(public)
