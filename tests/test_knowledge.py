"""The knowledge base (知识库): versions, review and publication by the unit, expiry, search
relevance (run on SQLite and PostgreSQL alike), proposals from good replies, the Excel import,
the portal's tally, permissions, and the API."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from lianxin.appeals.models import Status
from lianxin.core.access import SYSTEM
from lianxin.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from lianxin.core.models import AuditEvent
from lianxin.knowledge.models import Article, ArticleStatus, ArticleUse, VersionStatus
from lianxin.knowledge.selectors import (
    articles_to_review,
    expiring_articles,
    replies_worth_an_article,
    search_articles,
)
from lianxin.knowledge.services import (
    article_create,
    article_edit,
    article_propose,
    article_publish,
    article_reject,
    article_submit,
    article_withdraw,
    knowledge_import,
)
from lianxin.knowledge.tokens import index_tokens, query_tokens
from tests.appeals_helpers import appeal_in, fast_passwords  # noqa: F401 - autouse fixture
from tests.knowledge_helpers import CORPUS, published

TODAY = timezone.localdate


def _draft(people, district, question="城区养狗需要办证吗？", **kw):
    return article_create(
        actor=people["vet_handler"],
        unit=district["vet"],
        question=question,
        answer=kw.pop("answer", "需要。到派出所办理养犬登记。"),
        policy_basis=kw.pop("policy_basis", "《养犬管理条例》第十条"),
        **kw,
    )


# --- tokens ---------------------------------------------------------------------------------


def test_tokens_are_cjk_bigrams_unigrams_and_whole_ascii_runs():
    assert index_tokens("禁养区53号") == ["禁养", "养区", "禁", "养", "区", "53", "号"]
    assert query_tokens("养狗需要办证吗？") == ["养狗", "办证"]
    assert query_tokens("低保怎么申请") == ["低保", "申请"]
    assert query_tokens("国办发〔2020〕53号") == ["国办", "办发", "2020", "53", "号"]
    assert query_tokens("ＡＰＰ 怎么下载") == ["app", "下载"]
    assert query_tokens("怎么办") == ["办"]
    assert query_tokens("请问吗") == ["请问", "问吗"]  # only question words: kept
    assert query_tokens("！？，。") == []


# --- versions, review, publication ---------------------------------------------------------


@pytest.mark.django_db
def test_a_draft_is_reviewed_then_published_as_version_1_and_found(people, district):
    article = _draft(people, district)
    assert search_articles("养狗办证") == []  # a draft is nobody's answer yet
    article_submit(actor=people["vet_handler"], article=article.pk)
    assert list(articles_to_review(people["vet_leader"])) == [article]
    published_ = article_publish(actor=people["vet_leader"], article=article.pk)
    assert published_.status == ArticleStatus.PUBLISHED
    assert published_.published_number == 1
    version = published_.versions.get()
    assert version.status == VersionStatus.PUBLISHED
    assert version.reviewer == people["vet_leader"]
    assert version.author == people["vet_handler"]
    assert [a.pk for a in search_articles("养狗需要办证吗")] == [article.pk]
    actions = list(
        AuditEvent.objects.filter(object_type="knowledge.article", object_id=str(article.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["article_create", "article_submit", "article_publish"]


@pytest.mark.django_db
def test_the_author_cannot_publish_their_own_version(people, district):
    article = article_create(
        actor=people["vet_leader"], unit=district["vet"], question="问题一", answer="答复"
    )
    article_submit(actor=people["vet_leader"], article=article.pk)
    with pytest.raises(PermissionDenied) as refused:
        article_publish(actor=people["vet_leader"], article=article.pk)
    assert refused.value.code == "own_edit"
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.IN_REVIEW


@pytest.mark.django_db
def test_a_handler_cannot_publish_and_another_unit_cannot_edit(people, district):
    article = _draft(people, district)
    article_submit(actor=people["vet_handler"], article=article.pk)
    with pytest.raises(PermissionDenied):
        article_publish(actor=people["vet_handler"], article=article.pk)
    with pytest.raises(PermissionDenied):
        article_edit(actor=people["env_handler"], article=article.pk, question="改", answer="改")
    with pytest.raises(PermissionDenied):
        article_create(
            actor=people["env_handler"], unit=district["vet"], question="问", answer="答"
        )


@pytest.mark.django_db
def test_an_edit_waits_for_review_while_the_published_text_stays_found(people, district):
    article = published(district["vet"], *CORPUS[0])
    article_edit(
        actor=people["vet_handler"],
        article=article.pk,
        question=CORPUS[0][0],
        answer="新的答复：犬只须先免疫再登记，登记费已取消。",
        policy_basis=CORPUS[0][2],
        note="登记费取消",
    )
    live = Article.objects.get(pk=article.pk)
    assert live.answer == CORPUS[0][1]  # unchanged until published
    assert search_articles("养狗办证")[0].answer == CORPUS[0][1]
    article_submit(actor=people["vet_handler"], article=article.pk)
    article_reject(actor=people["vet_leader"], article=article.pk, reason="请写明文件依据")
    pending = live.versions.get(status=VersionStatus.DRAFT)
    assert pending.review_note == "请写明文件依据"
    article_submit(actor=people["vet_handler"], article=article.pk)
    article_publish(actor=people["vet_leader"], article=article.pk)
    live.refresh_from_db()
    assert live.answer.startswith("新的答复") and live.published_number == 2
    history = list(live.versions.order_by("number").values_list("number", "status", "note"))
    assert history == [(1, "superseded", "初版"), (2, "published", "登记费取消")]
    assert "登记费" in search_articles("登记费")[0].answer


@pytest.mark.django_db
def test_a_stale_form_and_nothing_to_submit_are_refused(people, district):
    article = _draft(people, district)
    with pytest.raises(InvalidTransition) as nothing:
        article_publish(actor=people["vet_leader"], article=article.pk)
    assert nothing.value.code == "nothing_pending"
    article_submit(actor=people["vet_handler"], article=article.pk, version=article.version)
    from lianxin.core.errors import Conflict

    with pytest.raises(Conflict):
        article_submit(actor=people["vet_handler"], article=article.pk, version=article.version)


@pytest.mark.django_db
def test_withdrawn_articles_leave_search(people, district):
    article = published(district["vet"], *CORPUS[1])
    assert search_articles("禁养区")
    article_withdraw(actor=people["vet_leader"], article=article.pk, reason="政策废止")
    assert search_articles("禁养区") == []


@pytest.mark.django_db
def test_bad_dates_and_duplicate_questions_are_refused_in_chinese(people, district):
    with pytest.raises(InvalidInput) as bad:
        _draft(people, district, valid_from=TODAY(), valid_to=TODAY() - timedelta(days=1))
    assert bad.value.code == "bad_dates"
    _draft(people, district)
    with pytest.raises(InvalidInput) as dup:
        _draft(people, district)
    assert dup.value.code == "duplicate_question"
    assert Article.objects.count() == 1


# --- expiry ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_expiring_articles_are_listed_and_expired_ones_never_found(people, district, settings):
    settings.KNOWLEDGE_EXPIRY_WARNING_DAYS = 30
    soon = published(district["vet"], *CORPUS[0], valid_to=TODAY() + timedelta(days=10))
    published(district["vet"], *CORPUS[5], valid_to=TODAY() + timedelta(days=90))
    assert list(expiring_articles(people["vet_handler"])) == [soon]
    assert expiring_articles(people["env_handler"]).count() == 0
    assert search_articles("养狗")
    import time_machine

    with time_machine.travel(timezone.now() + timedelta(days=11)):
        assert search_articles("养狗") == []
        assert list(expiring_articles(people["vet_handler"])) == [soon]  # expired: still flagged


# --- search relevance (both databases) -------------------------------------------------------


@pytest.fixture
def corpus(district):
    return [published(district["vet"], *row) for row in CORPUS]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("养狗需要办证吗", 0),
        ("禁养区", 1),
        ("低保怎么申请", 2),
        ("物业费谁定的？？", 3),
        ("53号", 4),
        ("国办发〔2020〕53号文件", 4),
        ("灵活就业 社保", 4),
        ("狗", 0),
        ("狗死了怎么处理", 5),
    ],
)
def test_search_finds_the_right_article_first(corpus, query, first):
    found = search_articles(query)
    assert found, query
    assert found[0].pk == corpus[first].pk, [a.question for a in found]
    assert found[0].unit.name == "畜牧兽医局"  # loaded with the article
    assert found[0].snippet and found[0].matched


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["火星移民签证", "", "   ", "？！，。", "x" * 400])
def test_search_without_a_match_is_an_empty_list(corpus, query):
    assert search_articles(query) == []


@pytest.mark.django_db
def test_question_matches_rank_above_answer_matches(district):
    in_answer = published(
        district["vet"], "犬只免疫怎么做？", "每年为犬只接种狂犬病疫苗，凭证办理养犬登记。"
    )
    in_question = published(district["vet"], "养犬登记在哪里办？", "到所在地派出所办理。")
    found = search_articles("养犬登记")
    assert [a.pk for a in found] == [in_question.pk, in_answer.pk]
    assert found[0].score > found[1].score


@pytest.mark.django_db
def test_search_respects_the_limit(district):
    for n in range(8):
        published(district["vet"], f"低保申请问题{n}", "向街道提出低保申请。")
    assert len(search_articles("低保申请", limit=3)) == 3


# --- proposals from good replies -----------------------------------------------------------


@pytest.mark.django_db
def test_a_well_rated_reply_with_a_basis_becomes_a_draft_without_personal_data(people, district):
    appeal = appeal_in(
        Status.CLOSED,
        people,
        district,
        contact_name="张小明",
        contact_phone="13812345678",
        address="东湖小区3栋2单元501室",
    )
    appeal.reply_review = {**appeal.reply_review, "basis": 1.0}
    appeal.reply = appeal.reply + "如有疑问请联系张小明本人13812345678，或到东湖小区3栋2单元501室。"
    appeal.save(update_fields=["reply_review", "reply"])
    assert replies_worth_an_article(people["vet_handler"]) == [appeal]
    assert replies_worth_an_article(people["env_handler"]) == []
    with pytest.raises(PermissionDenied):
        article_propose(actor=people["env_handler"], appeal=appeal)
    article = article_propose(actor=people["vet_handler"], appeal=appeal)
    assert article.status == ArticleStatus.DRAFT and article.unit == district["vet"]
    for personal in ("张小明", "13812345678", "东湖小区3栋2单元501室", "501室"):
        assert personal not in article.answer and personal not in article.question
    assert "《物业管理条例》第三十五条" in article.policy_basis
    assert article.source_appeal == appeal.tracking_number
    assert replies_worth_an_article(people["vet_handler"]) == []  # proposed once
    with pytest.raises(InvalidInput) as again:
        article_propose(actor=people["vet_handler"], appeal=appeal)
    assert again.value.code == "not_proposable"


@pytest.mark.django_db
def test_an_open_appeal_is_not_proposable(people, district):
    appeal = appeal_in(Status.HANDLING, people, district)
    with pytest.raises(InvalidInput):
        article_propose(actor=people["vet_handler"], appeal=appeal)


# --- import -------------------------------------------------------------------------------


def _xlsx(rows, header=("问题", "答复", "政策依据", "责任单位", "生效日期", "失效日期")):
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD_ROWS = [
    (
        "城区养狗需要办证吗？",
        "需要，到派出所办理养犬登记。",
        "《养犬管理条例》第十条",
        "畜牧兽医局",
        "2026-01-01",
        "",
    ),
    ("禁养区在哪里？", "居民区、水源保护区等。", "", "vet", "2026/3/1", "2030年12月31日"),
]


@pytest.mark.django_db
def test_import_creates_then_a_rerun_updates_without_duplicates(people, district):
    bad = [
        ("", "没有问题的答复", "", "vet", "", ""),
        ("单位不存在", "答复", "", "农业农村局", "", ""),
        ("日期不对", "答复", "", "vet", "明年", ""),
        ("别的单位", "答复", "", "env", "", ""),
    ]
    result = knowledge_import(
        actor=people["vet_handler"], data=_xlsx(GOOD_ROWS + bad), file_name="kb.xlsx"
    )
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    reasons = {r.line: r.reason for r in result.skipped}
    assert sorted(reasons) == [4, 5, 6, 7]
    assert "问题" in reasons[4] and "农业农村局" in reasons[5]
    assert "明年" in reasons[6] and "生态环境局" in reasons[7] or "env" in reasons[7]
    assert Article.objects.filter(status=ArticleStatus.IN_REVIEW).count() == 2
    again = knowledge_import(
        actor=people["vet_handler"], data=_xlsx(GOOD_ROWS), file_name="kb.xlsx"
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = [(GOOD_ROWS[0][0], "新的答复", *GOOD_ROWS[0][2:])]
    third = knowledge_import(actor=people["vet_handler"], data=_xlsx(changed), file_name="kb.xlsx")
    assert third.updated == 1
    assert Article.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"id,question\n1,x", "kb.csv", "not_xlsx"),
        (b"PK\x03\x04garbage", "kb.xlsx", "not_xlsx"),
        ("header", "kb.xlsx", "no_header"),
        ("empty", "kb.xlsx", "no_rows"),
    ],
)
def test_unreadable_files_are_refused_and_nothing_written(people, district, data, name, code):
    if data == "header":
        data = _xlsx([("a", "b")], header=("标题x", "内容y"))
    elif data == "empty":
        data = _xlsx([])
    with pytest.raises(InvalidInput) as refused:
        knowledge_import(actor=people["vet_handler"], data=data, file_name=name)
    assert refused.value.code == code
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_the_command_imports_and_publishes(district, tmp_path, capsys):
    path = tmp_path / "kb.xlsx"
    path.write_bytes(_xlsx(GOOD_ROWS))
    call_command("knowledge_import", str(path), "--publish")
    assert "2 created" in capsys.readouterr().out
    assert Article.objects.filter(status=ArticleStatus.PUBLISHED).count() == 2
    assert search_articles("禁养区")
    call_command("knowledge_import", str(path), "--publish")
    assert "2 unchanged" in capsys.readouterr().out


# --- pages and the portal -----------------------------------------------------------------


@pytest.mark.django_db
def test_portal_suggestions_and_the_answered_tally(client, corpus):
    page = client.get(reverse("knowledge:suggest"), {"q": "养狗需要办证吗"})
    assert page.status_code == 200
    assert "城区养狗需要办理养犬登记证吗" in page.content.decode()
    none = client.get(reverse("knowledge:suggest"), {"q": "火星移民签证"})
    assert "没有与您输入内容相符的政策解答" in none.content.decode()
    answered = client.post(reverse("knowledge:answered", args=[corpus[0].pk]))
    assert answered.status_code == 200 and "没有提交诉求" in answered.content.decode()
    client.post(reverse("knowledge:answered", args=[corpus[0].pk]))  # once per session
    client.post(reverse("knowledge:continued", args=[corpus[0].pk]))
    use = ArticleUse.objects.get(article=corpus[0])
    assert (use.answered, use.continued) == (1, 1)
    assert client.post(reverse("knowledge:answered", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_staff_see_counts_and_other_units_cannot_open_drafts(client, people, district, corpus):
    from lianxin.knowledge.services import article_use_record

    article_use_record(article_id=corpus[2].pk, answered=True)
    client.force_login(people["vet_handler"])
    index = client.get(reverse("knowledge:index"))
    assert index.status_code == 200 and corpus[2].question in index.content.decode()
    draft = _draft(people, district, question="草稿问题")
    assert client.get(reverse("knowledge:manage", args=[draft.pk])).status_code == 200
    client.force_login(people["env_handler"])
    assert client.get(reverse("knowledge:manage", args=[draft.pk])).status_code == 404
    assert client.get(reverse("knowledge:article", args=[draft.pk])).status_code == 404
    client.force_login(people["citizen"])
    assert client.get(reverse("knowledge:index")).status_code == 403


@pytest.mark.django_db
def test_a_page_refusal_is_4xx_in_chinese(client, people, district):
    client.force_login(people["vet_handler"])
    response = client.post(
        reverse("knowledge:new"),
        {"question": "问", "answer": "答", "valid_from": "2026-13-45", "unit": district["vet"].pk},
    )
    assert response.status_code == 400
    assert "不是日期" in response.content.decode()
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_public_article_page_and_api(client, corpus):
    page = client.get(reverse("knowledge:article", args=[corpus[1].pk]))
    assert page.status_code == 200 and "畜禽禁养区" in page.content.decode()
    api = client.get("/api/v1/knowledge/articles/", {"q": "禁养区"})
    assert api.status_code == 200
    assert api.json()[0]["id"] == corpus[1].pk and api.json()[0]["unit"] == "畜牧兽医局"
    assert client.get("/api/v1/knowledge/articles/", {"q": "火星移民"}).json() == []
    missing = client.get("/api/v1/knowledge/articles/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert missing.status_code == 400 and missing.json()["code"] == "invalid"
    bad = client.get("/api/v1/knowledge/articles/", {"q": "低保", "limit": "x"})
    assert bad.status_code == 400


@pytest.mark.django_db
def test_import_page_shows_each_row(client, people, district):
    client.force_login(people["vet_handler"])
    template = client.get(reverse("knowledge:import-template"))
    assert template.status_code == 200 and template.content.startswith(b"PK")
    upload = io.BytesIO(_xlsx(GOOD_ROWS + [("", "无问题", "", "vet", "", "")]))
    upload.name = "kb.xlsx"
    response = client.post(reverse("knowledge:import"), {"file": upload, "unit": ""})
    assert response.status_code == 200
    text = response.content.decode()
    assert "新建 2 条" in text and "跳过 1 条" in text
    assert "问题" in text
    fake = io.BytesIO(b"not a workbook")
    fake.name = "kb.xlsx"
    refused = client.post(reverse("knowledge:import"), {"file": fake})
    assert refused.status_code == 400


@pytest.mark.django_db
def test_system_actor_publishes_imports_only_on_the_command_line(people, district):
    with pytest.raises(InvalidInput):
        knowledge_import(
            actor=people["vet_leader"], data=_xlsx(GOOD_ROWS), file_name="kb.xlsx", publish=True
        )
    knowledge_import(actor=SYSTEM, data=_xlsx(GOOD_ROWS), file_name="kb.xlsx", publish=True)
    assert Article.objects.filter(status=ArticleStatus.PUBLISHED).count() == 2


@pytest.mark.django_db
def test_common_words_alone_still_find_an_article(corpus, monkeypatch):
    from lianxin.knowledge.services import index

    monkeypatch.setattr(index, "COMMON_DOCS", 0)  # every token as common as 申请 in 50,000
    assert search_articles("低保申请")[0].pk == corpus[2].pk


@pytest.mark.django_db
def test_the_demo_knowledge_base(settings):
    from lianxin.demo import knowledge as knowledge_demo
    from lianxin.demo.core import load_people, load_units

    load_people(load_units())
    assert knowledge_demo.load() == len(knowledge_demo.ARTICLES)
    assert knowledge_demo.load() == 0  # idempotent
    assert Article.objects.filter(status=ArticleStatus.IN_REVIEW).count() == 1
    from django.contrib.auth import get_user_model

    vet = get_user_model().objects.get(username="handler-vet")
    assert [a.question for a in expiring_articles(vet)] == [knowledge_demo.EXPIRING[0]]
    assert search_articles("养狗需要办证吗")[0].unit.code == "vet"
    assert search_articles("低保怎么申请")[0].unit.code == "civil"
    assert search_articles("禁养区")[0].unit.code == "vet"
