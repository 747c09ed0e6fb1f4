"""The participation pages and the public API, through the test client: anonymous reading,
commenting, the unit's desk, the organiser's draw, refusals shown with nothing changed."""

import json
from datetime import timedelta

import pytest
from django.utils import translation

from lianxin.core import clock
from lianxin.participation.models import Comment, Draw, HearingStatus, Notice, NoticeStatus
from lianxin.participation.services import aftercare, hearings, notices
from tests.participation_helpers import open_notice
from tests.test_participation_decisions import walk_to_publication
from tests.test_participation_hearings import announce

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def notice(district, people):
    return open_notice(district["vet"], people["vet_handler"])


@pytest.fixture
def decision(district, people):
    from lianxin.participation.services import decisions

    d = decisions.decision_create(
        actor=people["vet_leader"],
        unit=district["vet"],
        title="禁养区调整",
        summary="摘要",
        responsible=people["vet_leader"],
    )
    walk_to_publication(d, people["vet_leader"])
    return d


def zh_client(client):
    client.cookies["django_language"] = "zh-hans"
    return client


def test_anonymous_reads_and_comments_on_a_paragraph(client, notice):
    zh_client(client)
    assert client.get("/participation/").status_code == 200
    page = client.get(f"/participation/notices/{notice.pk}/")
    assert page.status_code == 200 and "第二条" in page.content.decode()
    paragraph = notice.paragraphs.get(number=3)
    response = client.post(
        f"/participation/notices/{notice.pk}/", {"text": "500米太远了", "paragraph": paragraph.pk}
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.paragraph == paragraph and comment.author is None
    assert client.get(f"/participation/notices/{notice.pk}/manage/").status_code == 302  # login


def test_a_comment_after_the_period_is_refused_on_the_page(client, notice):
    zh_client(client)
    with clock.at(notice.closes_at + timedelta(days=1)):
        response = client.post(f"/participation/notices/{notice.pk}/", {"text": "晚了"})
    assert response.status_code == 409
    assert "征求意见期已结束" in response.content.decode()
    assert not Comment.objects.exists()


def test_the_unit_answers_and_closing_with_unanswered_comments_is_refused(client, notice, people):
    zh_client(client)
    comment = notices.notice_comment(notice_id=notice.pk, actor=None, text="补助太低")
    client.force_login(people["vet_handler"])
    url = f"/participation/notices/{notice.pk}/manage/"
    assert client.get(url).status_code == 200
    with clock.at(notice.closes_at + timedelta(days=1)):
        refused = client.post(url, {"action": "close", "summary": "见答复"})
    assert refused.status_code == 409
    assert "尚未答复" in refused.content.decode()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.OPEN
    client.post(
        url,
        {
            "action": "answer",
            "comment": comment.pk,
            "outcome": "partly",
            "reason": "补助提高到400元",
        },
    )
    with clock.at(notice.closes_at + timedelta(days=1)):
        assert client.post(url, {"action": "close", "summary": "见答复"}).status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.CLOSED


def test_other_units_cannot_use_the_desk(client, notice, people):
    client.force_login(people["env_handler"])
    assert client.get(f"/participation/notices/{notice.pk}/manage/").status_code == 403


def test_the_organiser_draws_and_an_impossible_draw_shows_why(client, district, people):
    zh_client(client)
    hearing = announce(district["vet"], people["vet_leader"], {"farmer": 2})
    hearings.hearing_apply(hearing_id=hearing.pk, actor=None, name="张三", stake="farmer")
    url = f"/participation/hearings/{hearing.pk}/"
    client.force_login(people["vet_leader"])
    refused = client.post(url, {"action": "draw", "seed": "42"})
    assert refused.status_code == 409 and "无法" in refused.content.decode()
    assert not Draw.objects.exists()
    client.logout()
    assert (
        client.post(url, {"action": "apply", "name": "李四", "stake": "farmer"}).status_code == 302
    )
    client.force_login(people["vet_handler"])
    assert client.post(url, {"action": "draw", "seed": "42"}).status_code == 403
    client.force_login(people["vet_leader"])
    assert client.post(url, {"action": "draw", "seed": "42"}).status_code == 302
    hearing.refresh_from_db()
    assert hearing.status == HearingStatus.DRAWN
    assert f"/api/v1/participation/hearings/{hearing.pk}/draw/" in client.get(url).content.decode()


def test_decision_page_with_a_step_out_of_order_and_a_bad_date(client, district, people):
    from lianxin.participation.services import decisions

    zh_client(client)
    d = decisions.decision_create(
        actor=people["vet_leader"],
        unit=district["vet"],
        title="决策",
        summary="摘要",
        responsible=people["vet_leader"],
    )
    client.force_login(people["vet_leader"])
    url = f"/participation/decisions/{d.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "action": "step",
            "kind": "legality",
            "started_on": "2026-03-02",
            "ended_on": "2026-03-12",
            "summary": "审查",
        },
    )
    assert response.status_code == 409 and "第十四条" in response.content.decode()
    bad = client.post(
        url,
        {
            "action": "step",
            "kind": "participation",
            "started_on": "2026-02-30",
            "ended_on": "x",
            "summary": "s",
        },
    )
    assert bad.status_code == 400
    assert d.steps.count() == 0


def test_correction_requested_and_answered_on_the_page(client, decision, people):
    zh_client(client)
    url = f"/participation/decisions/{decision.pk}/"
    assert client.post(url, {"action": "correction", "text": "界线划错了"}).status_code == 302
    request = decision.corrections.get()
    assert (
        client.post(url, {"action": "answer", "request": request.pk, "answer": "x"}).status_code
        == 403
    )
    client.force_login(people["vet_handler"])
    assert (
        client.post(
            url, {"action": "answer", "request": request.pk, "answer": "已复核"}
        ).status_code
        == 302
    )
    request.refresh_from_db()
    assert request.answer == "已复核"


def test_public_api_anonymous(client, notice, decision, district, people):
    comment = notices.notice_comment(
        notice_id=notice.pk,
        actor=people["citizen"],
        text="意见",
        paragraph_id=notice.paragraphs.get(number=2).pk,
    )
    notices.comment_answer(
        comment_id=comment.pk, actor=people["vet_handler"], outcome="adopted", reason="采纳"
    )
    aftercare.milestone_add(
        decision_id=decision.pk, actor=people["vet_leader"], title="划界", due_on=clock.now().date()
    )
    listing = client.get("/api/v1/participation/notices/").json()
    assert listing["count"] == 1 and listing["results"][0]["counts"]["adopted"] == 1
    detail = client.get(f"/api/v1/participation/notices/{notice.pk}/").json()
    assert detail["comments"][0]["paragraph"] == 2
    assert detail["comments"][0]["answer"]["outcome"] == "adopted"
    assert detail["comments"][0]["author_label"] == "c******"
    assert "email" not in json.dumps(detail)
    decisions_list = client.get("/api/v1/participation/decisions/").json()
    assert decisions_list["results"][0]["status"] == "publication"
    one = client.get(f"/api/v1/participation/decisions/{decision.pk}/").json()
    assert [s["kind"] for s in one["steps"]][-1] == "publication"
    assert one["milestones"][0]["title"] == "划界"
    hearing = announce(district["vet"], people["vet_leader"], {"farmer": 1})
    for name in ("张三", "李四"):
        hearings.hearing_apply(hearing_id=hearing.pk, actor=None, name=name, stake="farmer")
    hearings.hearing_draw(hearing_id=hearing.pk, actor=people["vet_leader"], seed="s1")
    draw = client.get(f"/api/v1/participation/hearings/{hearing.pk}/draw/").json()
    assert draw["seed"] == "s1" and draw["method"] == "stratified-uniform"
    assert sorted(a["public_label"] for a in draw["applicants"]) == ["张*", "李*"]
    assert [a["probability"] for a in draw["applicants"]] == [0.5, 0.5]
    assert sum(a["selected"] for a in draw["applicants"]) == 1
    assert "name" not in draw["applicants"][0]
    assert client.get("/api/v1/participation/notices/999999/").status_code == 404


def test_the_schema_lists_the_participation_api(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/participation/notices/",
        "/api/v1/participation/notices/{id}/",
        "/api/v1/participation/decisions/",
        "/api/v1/participation/decisions/{id}/",
        "/api/v1/participation/hearings/{id}/draw/",
    ):
        assert "get" in schema["paths"][path]


def test_the_unit_publishes_a_notice_on_the_page(client, people):
    zh_client(client)
    client.force_login(people["vet_handler"])
    assert "发布公示" in client.get("/participation/").content.decode()
    form = {
        "unit": people["vet_handler"].roles.get().unit_id,
        "title": "禁养区调整",
        "text": "第一条 甲。\n第二条 乙。",
        "opens_at": "2026-12-01",
        "closes_at": "2026-12-11",
        "is_major": "1",
    }
    refused = client.post("/participation/notices/new/", form)
    assert refused.status_code == 400 and "第十五条" in refused.content.decode()
    assert "第二条 乙。" in refused.content.decode()  # what was typed is kept
    done = client.post(
        "/participation/notices/new/", form | {"short_period_reason": "汛期前须完成划定"}
    )
    assert done.status_code == 302
    notice = Notice.objects.get()
    assert notice.paragraphs.count() == 2 and notice.period_days == 10
    client.force_login(people["citizen"])
    assert client.get("/participation/notices/new/").status_code == 403


@pytest.mark.ratelimit
def test_an_address_may_send_only_so_many_comments(client, notice, settings):
    settings.PUBLIC_SUBMIT_RATE = "2/hour"
    url = f"/participation/notices/{notice.pk}/"
    assert [client.post(url, {"text": f"意见{n}"}).status_code for n in range(3)] == [302, 302, 429]
    assert Comment.objects.count() == 2


def test_the_organiser_announces_a_hearing_and_opens_a_decision(client, district, people):
    from lianxin.participation.models import Decision, Hearing

    zh_client(client)
    client.force_login(people["vet_handler"])
    assert client.get("/participation/hearings/new/").status_code == 403
    client.force_login(people["vet_leader"])
    opened = client.post(
        "/participation/decisions/new/",
        {"unit": district["vet"].pk, "title": "禁养区调整", "summary": "调整范围"},
    )
    assert opened.status_code == 302
    decision = Decision.objects.get()
    assert decision.responsible == people["vet_leader"]
    form = {
        "unit": district["vet"].pk,
        "decision": decision.pk,
        "title": "听证会",
        "place": "会议室",
        "held_at": "2027-03-20",
        "materials_at": "2027-03-15",
        "selection_method": "分层随机抽取",
        "quota_farmer": "2",
        "quota_resident": "1",
    }
    refused = client.post("/participation/hearings/new/", form)
    assert refused.status_code == 400 and "第十六条" in refused.content.decode()
    assert not Hearing.objects.exists()
    done = client.post("/participation/hearings/new/", form | {"materials_at": "2027-03-10"})
    assert done.status_code == 302
    hearing = Hearing.objects.get()
    assert hearing.seats == 3 and hearing.decision == decision
    assert dict(hearing.quotas.values_list("stake", "seats")) == {"farmer": 2, "resident": 1}


def test_the_decision_answers_a_position_heard_and_the_index_shows_the_shares(
    client, decision, district, people
):
    zh_client(client)
    held = clock.now() + timedelta(days=20)
    hearing = hearings.hearing_announce(
        actor=people["vet_leader"],
        unit=district["vet"],
        title="听证会",
        place="会议室",
        held_at=held,
        materials_at=held - timedelta(days=8),
        selection_method="随机",
        quotas={"farmer": 1},
        decision=decision,
    )
    hearings.hearing_apply(hearing_id=hearing.pk, actor=None, name="张三", stake="farmer")
    hearings.hearing_draw(hearing_id=hearing.pk, actor=people["vet_leader"], seed="1")
    hearings.hearing_minutes(
        hearing_id=hearing.pk,
        actor=people["vet_leader"],
        minutes="纪要",
        positions=[("张*", "against", "补助太低")],
    )
    position = hearing.positions.get()
    url = f"/participation/decisions/{decision.pk}/"
    assert (
        client.post(
            url, {"action": "respond", "position": position.pk, "response": "x"}
        ).status_code
        == 403
    )
    client.force_login(people["vet_leader"])
    assert "补助太低" in client.get(url).content.decode()
    assert (
        client.post(
            url, {"action": "respond", "position": position.pk, "response": "补助已提高"}
        ).status_code
        == 302
    )
    position.refresh_from_db()
    assert position.response == "补助已提高"
    notice = open_notice(district["vet"], people["vet_handler"])
    comment = notices.notice_comment(notice_id=notice.pk, actor=None, text="意见")
    notices.notice_comment(notice_id=notice.pk, actor=None, text="另一条")
    notices.comment_answer(
        comment_id=comment.pk, actor=people["vet_handler"], outcome="adopted", reason="好"
    )
    assert "50%" in client.get("/participation/").content.decode()
