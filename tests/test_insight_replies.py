"""答复质量: the reply scorer on hand-written replies, and the gate in the appeal lifecycle
that holds a low-scoring reply for the unit leader's review before the citizen sees it."""

from datetime import datetime, timedelta

import pytest
from rest_framework.test import APIClient

from lianxin.appeals import services
from lianxin.appeals.models import Appeal, Status
from lianxin.core.calendar import LOCAL, Calendar
from lianxin.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from lianxin.core.models import Notification
from lianxin.insight import replies

from .appeals_helpers import (  # noqa: F401 - fast_passwords is an autouse fixture
    CONTACT,
    GOOD_REPLY,
    appeal_in,
    events_of,
    fast_passwords,
    fresh,
)

pytestmark = pytest.mark.django_db

APPEALS = "/api/v1/appeals/"

TITLE = "咨询小区停车收费和物业退出的问题"
CONTENT = (
    "我们小区的物业公司要退出，业委会制定了停车收费方案要业主投票。"
    "1、小区停车收费标准是否合理，业委会有没有权力决定收费？"
    "2、物业公司退出后，新的物业公司由谁来选聘？希望有关部门给予答复。"
)
GOOD = (
    "您好！您的留言已收悉。现将有关情况回复如下：一、关于小区停车收费标准的问题。根据《物业管理条例》"
    "第十一条，制定和修改停车收费方案由业主大会决定，业委会无权单独决定收费，须经专有部分面积过半数"
    "且人数过半数的业主同意。经街道核实，本次停车收费方案已提交业主大会表决，收费标准不高于周边小区。"
    "二、关于选聘新物业公司的问题。按照《物业管理条例》第十二条，选聘和解聘物业服务企业由业主共同决定，"
    "街道和区住建局将指导业委会依法召开业主大会选聘新的物业公司，在新物业进场前原物业继续服务。"
    "感谢您对我们工作的支持。"
)
UNRELATED = (
    "您好！经调查，该路段的路灯已于本周更换为节能灯，夜间照明已恢复正常，交警部门也在路口增设了"
    "减速带和信号灯，方便行人过街。"
)
HALF = (
    "您好！关于停车收费标准的问题，根据《物业管理条例》第十一条，停车收费方案由业主大会决定，"
    "业委会无权单独决定收费，本次方案已提交业主大会表决。"
)
MONDAY = datetime(2025, 3, 3, 10, 0, tzinfo=LOCAL)


def score(reply, **kw):
    values = {
        "title": TITLE,
        "content": CONTENT,
        "reply": reply,
        "submitted_at": MONDAY,
        "replied_at": MONDAY + timedelta(days=2),
        **kw,
    }
    return replies.score_reply(**values, calendar=Calendar())


# --- the scorer ---------------------------------------------------------------------------


def test_a_good_reply_citing_a_regulation_and_answering_both_questions_passes(settings):
    result = score(GOOD)
    assert result.overall >= replies.DEFAULT_THRESHOLD and not result.needs_review
    assert result.basis == 1.0
    assert any("物业管理条例" in c for c in result.citations)
    assert result.relevance > 0.8 and result.completeness > 0.8
    assert not [r for r in result.reasons if r.code == "point_not_addressed"]
    assert all(
        0 <= v <= 1
        for v in (
            result.relevance,
            result.completeness,
            result.basis,
            result.timeliness,
            result.overall,
        )
    )


def test_an_acknowledgement_alone_scores_below_the_threshold():
    for text in (
        "您的来信已收悉",
        "您好！您的来信已收悉，正在处理。",
        "网友：您好，留言收悉，感谢您的监督！",
    ):
        result = score(text)
        assert result.needs_review, text
        assert result.completeness <= 0.05
        assert {"boilerplate", "no_basis"} <= {r.code for r in result.reasons}


def test_quoting_the_appeal_back_is_not_an_answer():
    result = score(f"您反映的“{TITLE}”问题，我们正在调查处理，将尽快答复。")
    assert result.needs_review
    assert result.completeness <= 0.3


def test_an_unrelated_reply_scores_low_relevance():
    result = score(UNRELATED)
    assert result.relevance < 0.3
    assert "off_topic" in {r.code for r in result.reasons}
    assert score(GOOD).relevance - result.relevance > 0.5


def test_a_reply_that_answers_one_of_two_numbered_questions_names_the_other():
    result = score(HALF)
    missing = [r.detail for r in result.reasons if r.code == "point_not_addressed"]
    assert any("选聘" in m for m in missing)
    assert not any("停车收费" in m for m in missing)
    assert result.completeness < score(GOOD).completeness


def test_the_appeal_is_split_into_its_numbered_points_and_questions():
    points = replies.appeal_points(TITLE, CONTENT)
    texts = [p.text for p in points]
    assert any(t.startswith("1、") for t in texts) and any(t.startswith("2、") for t in texts)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("根据《中华人民共和国城乡规划法》第六十四条，责令停止建设。", 1.0),
        ("符合郴价费〔2012〕2号文件的规定。", 1.0),
        ("依据省政府令第215号第十一条办理。", 1.0),
        ("按照国务院关于行政区划管理的规定办理。", 0.8),
        ("根据有关规定，学校可以给予补贴。", 0.5),
        ("您在《问政西地省》栏目的留言已收悉，已转交相关部门。", 0.0),
        ("经调查，已更换灯泡。", 0.0),
    ],
)
def test_basis_recognises_named_laws_articles_and_document_numbers(text, expected):
    assert replies.basis_score(text)[0] == expected


def test_timeliness_is_full_on_time_and_falls_with_working_days_late():
    deadline = MONDAY + timedelta(days=4)
    on_time = replies.timeliness_score(
        MONDAY, MONDAY + timedelta(days=3), deadline, calendar=Calendar()
    )
    assert on_time == (1.0, 3, 0)
    late, workdays, days_late = replies.timeliness_score(
        MONDAY, MONDAY + timedelta(days=11), deadline, calendar=Calendar()
    )
    assert days_late == 5 and workdays == 9  # Friday 7 → Friday 14: 5 working days late
    assert 0 < late < 1
    assert (
        replies.timeliness_score(
            MONDAY, MONDAY + timedelta(days=90), deadline, calendar=Calendar()
        )[0]
        == 0.0
    )


def test_threshold_and_weights_come_from_settings(settings):
    assert 0.5 <= score(HALF).overall < 0.99 and not score(HALF).needs_review
    settings.REPLY_REVIEW_THRESHOLD = 0.99
    assert score(HALF).needs_review and score(HALF).threshold == 0.99
    settings.REPLY_REVIEW_THRESHOLD = 0.5
    settings.REPLY_SCORE_WEIGHTS = {"relevance": 0, "completeness": 0, "basis": 0, "timeliness": 1}
    assert score("您的来信已收悉").overall == 1.0


def test_the_score_is_plain_data_for_the_appeal_record():
    data = score(GOOD).as_dict()
    assert set(data) >= {
        "relevance",
        "completeness",
        "basis",
        "timeliness",
        "overall",
        "threshold",
        "needs_review",
        "reasons",
        "points",
    }
    import json

    json.dumps(data)  # stored in Appeal.reply_review (a JSONField)


# --- the gate in the lifecycle ------------------------------------------------------------

LOW = "您好！您的来信已收悉，正在处理。"


def _inbox(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, channel="inapp"))


def _citizen_messages() -> list[Notification]:
    return list(
        Notification.objects.filter(
            address__in=[CONTACT["contact_phone"], CONTACT["contact_email"]]
        )
    )


def held(people, district) -> Appeal:
    appeal = appeal_in(Status.HANDLING, people, district, **CONTACT)
    return services.appeal_reply(appeal=appeal, actor=people["vet_handler"], text=LOW)


def test_a_low_scoring_reply_is_held_for_the_leader_and_the_citizen_is_not_told(district, people):
    appeal = held(people, district)
    appeal = fresh(appeal)
    assert appeal.status == Status.REVIEWING
    assert appeal.reply == "" and appeal.replied_at is None  # nothing for the citizen to see
    assert appeal.reply_review["draft"] == LOW
    assert appeal.reply_score is not None and appeal.reply_score < 0.5
    assert appeal.reply_review["needs_review"] is True
    assert _citizen_messages() == []
    leader_note = _inbox(people["vet_leader"])
    assert len(leader_note) == 1 and appeal.tracking_number in leader_note[0].subject
    event = events_of(appeal)[-1]
    assert (event.action, event.from_state, event.to_state) == (
        "reply_held",
        Status.HANDLING,
        Status.REVIEWING,
    )
    assert event.data["score"] == appeal.reply_score


def test_a_good_reply_goes_straight_to_the_citizen_with_its_score(district, people):
    appeal = appeal_in(Status.HANDLING, people, district, **CONTACT)
    appeal = fresh(
        services.appeal_reply(appeal=appeal, actor=people["vet_handler"], text=GOOD_REPLY)
    )
    assert appeal.status == Status.REPLIED and appeal.reply == GOOD_REPLY
    assert appeal.reply_score >= 0.5 and appeal.reply_review["basis"] == 1.0
    assert len(_citizen_messages()) == 2  # sms and email
    assert _inbox(people["vet_leader"]) == []


def test_a_held_reply_cannot_be_rated_or_closed(district, people):
    appeal = held(people, district)
    api = APIClient()
    response = api.post(
        f"{APPEALS}track/follow-up/",
        {
            "tracking_number": appeal.tracking_number,
            "resolved": True,
            "satisfaction": "satisfied",
            "query_code": services.query_code_for(appeal.tracking_number),
        },
        format="json",
    )
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"
    with pytest.raises(InvalidTransition):
        services.appeal_close(appeal=appeal, actor=people["dispatcher"], reason="联系不上")
    with pytest.raises(InvalidTransition):
        services.appeal_follow_up(
            appeal=appeal, actor=people["dispatcher"], resolved=True, satisfaction="satisfied"
        )
    assert fresh(appeal).status == Status.REVIEWING


def test_the_leader_approves_and_the_citizen_gets_the_reply(district, people):
    appeal = held(people, district)
    appeal = fresh(
        services.appeal_review_reply(appeal=appeal, actor=people["vet_leader"], approve=True)
    )
    assert appeal.status == Status.REPLIED
    assert appeal.reply == LOW and appeal.replied_at is not None
    assert "draft" not in appeal.reply_review
    assert {n.channel for n in _citizen_messages()} == {"sms", "email"}
    event = events_of(appeal)[-1]
    assert (event.action, event.from_state, event.to_state, event.actor) == (
        "reply_approve",
        Status.REVIEWING,
        Status.REPLIED,
        people["vet_leader"],
    )
    # Now it can be rated and closed as usual.
    services.appeal_follow_up(
        appeal=appeal, actor=people["dispatcher"], resolved=True, satisfaction="satisfied"
    )
    assert fresh(appeal).status == Status.CLOSED


def test_the_leader_rejects_with_a_reason_and_the_handler_answers_again(district, people):
    appeal = held(people, district)
    with pytest.raises(InvalidInput):
        services.appeal_review_reply(appeal=appeal, actor=people["vet_leader"], approve=False)
    appeal = fresh(
        services.appeal_review_reply(
            appeal=appeal, actor=people["vet_leader"], approve=False, reason="没有说明处理结果"
        )
    )
    assert appeal.status == Status.HANDLING
    assert appeal.reply_review["rejected_draft"] == LOW
    assert _citizen_messages() == []
    assert any(
        "rejected" in n.subject.lower() or "答复" in n.subject
        for n in _inbox(people["vet_handler"])
    )
    event = events_of(appeal)[-1]
    assert (event.action, event.from_state, event.to_state, event.reason) == (
        "reply_reject",
        Status.REVIEWING,
        Status.HANDLING,
        "没有说明处理结果",
    )
    appeal = services.appeal_reply(appeal=appeal, actor=people["vet_handler"], text=GOOD_REPLY)
    assert fresh(appeal).status == Status.REPLIED
    actions = [(e.action, e.from_state, e.to_state) for e in events_of(appeal)[-3:]]
    assert actions == [
        ("reply_held", "handling", "reviewing"),
        ("reply_reject", "reviewing", "handling"),
        ("reply", "handling", "replied"),
    ]


@pytest.mark.parametrize("who", ["vet_handler", "env_handler", "supervisor", "dispatcher"])
def test_only_the_units_leader_or_an_admin_reviews(district, people, who):
    appeal = held(people, district)
    with pytest.raises(PermissionDenied):
        services.appeal_review_reply(appeal=appeal, actor=people[who], approve=True)
    assert fresh(appeal).status == Status.REVIEWING
    services.appeal_review_reply(appeal=appeal, actor=people["admin"], approve=True)
    assert fresh(appeal).status == Status.REPLIED


def test_review_is_offered_only_in_reviewing(district, people):
    from lianxin.appeals.selectors import appeal_actions

    appeal = appeal_in(Status.HANDLING, people, district)
    assert "review" not in appeal_actions(people["vet_leader"], appeal)
    with pytest.raises(InvalidTransition):
        services.appeal_review_reply(appeal=appeal, actor=people["vet_leader"], approve=True)
    appeal = fresh(held(people, district))
    assert "review" in appeal_actions(people["vet_leader"], appeal)
    assert "review" not in appeal_actions(people["vet_handler"], appeal)
    assert "followup" not in appeal_actions(people["dispatcher"], appeal)
    assert "close" not in appeal_actions(people["dispatcher"], appeal)


def test_the_review_action_in_the_token_api(district, people):
    appeal = fresh(held(people, district))
    client = APIClient()

    def as_(username):
        token = client.post(
            "/api/v1/auth/token/", {"username": username, "password": f"pw-{username}"}
        ).json()["token"]
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    url = f"{APPEALS}{appeal.tracking_number}/review/"
    response = as_("vet_handler").post(url, {"approve": True}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    leader = as_("vet_leader")
    detail = leader.get(f"{APPEALS}{appeal.tracking_number}/").json()
    assert detail["status"] == "reviewing" and "review" in detail["actions"]
    response = leader.post(url, {"approve": False}, format="json")
    assert response.status_code == 400
    response = leader.post(url, {"approve": True, "version": appeal.version}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "replied" and response.json()["reply"] == LOW
    again = leader.post(url, {"approve": True}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_the_review_form_on_the_detail_page(client, district, people):
    appeal = fresh(held(people, district))
    client.force_login(people["vet_leader"])
    page = client.get(f"/appeals/{appeal.tracking_number}/").content.decode()
    assert 'id="form-review"' in page and LOW in page
    client.post(
        f"/appeals/{appeal.tracking_number}/act/review/",
        {"approve": "no", "reason": "请写明处理结果", "version": appeal.version},
    )
    assert fresh(appeal).status == Status.HANDLING


def test_the_citizen_tracking_page_does_not_show_a_held_reply(client, district, people):
    appeal = fresh(held(people, district))
    page = client.post(
        "/track/",
        {
            "tracking_number": appeal.tracking_number,
            "query_code": services.query_code_for(appeal.tracking_number),
        },
    ).content.decode()
    assert appeal.tracking_number in page
    assert LOW not in page


def test_a_held_reply_still_counts_as_open_for_the_overdue_scan(district, people):
    appeal = fresh(held(people, district))
    assert appeal.is_open
    later = appeal.handling_deadline + timedelta(hours=1)
    assert Appeal.objects.overdue(now=later).filter(pk=appeal.pk).exists()


def broken_scorer(appeal):
    raise RuntimeError("scorer down")


def test_a_failing_scorer_never_blocks_a_reply(district, people, settings, caplog):
    settings.REPLY_SCORER = "tests.test_insight_replies.broken_scorer"
    appeal = appeal_in(Status.HANDLING, people, district, **CONTACT)
    appeal = fresh(services.appeal_reply(appeal=appeal, actor=people["vet_handler"], text=LOW))
    assert appeal.status == Status.REPLIED and appeal.reply == LOW
    assert appeal.reply_score is None and appeal.reply_review == {}
    assert "scorer down" in caplog.text


def test_an_empty_scorer_setting_turns_scoring_off(district, people, settings):
    settings.REPLY_SCORER = ""
    appeal = appeal_in(Status.HANDLING, people, district, **CONTACT)
    appeal = fresh(services.appeal_reply(appeal=appeal, actor=people["vet_handler"], text=LOW))
    assert appeal.status == Status.REPLIED and appeal.reply_score is None


DUMPING_TITLE = "废品回收站夜间倾倒垃圾，异味噪音扰民"
DUMPING = (
    "石桥村村口的废品回收站最近每天半夜都有货车进出，把收来的垃圾倾倒在旁边的空地上，天热后散发出"
    "很重的异味，机器和卸货的噪音一直持续到凌晨，周边住户根本无法休息。请有关部门尽快处理。"
)
# Every complaint answered, in other words: 倾倒 → 清运, 异味 → 除臭, 噪音 → 停止夜间作业.
DUMPING_ANSWER = (
    "您好！经区生态环境局和桥头镇政府现场调查，该回收点未办理相关手续，存在违规堆放的情况。"
    "镇里已组织人员和车辆，将空地上堆积的物品全部清运完毕，并对场地进行了消杀除臭；"
    "同时责令经营者停止夜间作业，每天晚上八点后不得进出车辆和装卸，村委会安排专人每晚巡查。"
    "下一步将督促其办理手续、规范经营，如再有违规将依法取缔。感谢您对我们工作的支持。"
)


def test_a_full_reply_in_other_words_is_on_the_point():
    result = score(DUMPING_ANSWER, title=DUMPING_TITLE, content=DUMPING)
    codes = {r.code for r in result.reasons}
    assert "off_topic" not in codes and "point_not_addressed" not in codes, result.reasons
    assert result.relevance >= 0.4 and result.completeness >= 0.9
    assert not result.needs_review
    # ... while the same words about another matter still are not.
    other = score(UNRELATED, title=DUMPING_TITLE, content=DUMPING)
    assert other.relevance < 0.3 and other.needs_review


def test_a_closing_request_stands_for_the_whole_problem():
    """ "请有关部门尽快处理" asks about everything told before it, not about 部门 or 尽快."""
    points = replies.appeal_points(DUMPING_TITLE, DUMPING)
    assert len(points) == 1
    assert {"~waste", "~odour", "~noise"} <= set(points[0].terms)
    assert not {"门尽", "快处"} & set(points[0].terms)
