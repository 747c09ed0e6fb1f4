"""Decisions walk the statutory steps in order (each refusal cites its article); after them:
milestones, correction requests with a deadline, liability records."""

from datetime import date, timedelta

import pytest

from lianxin.core import clock
from lianxin.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from lianxin.core.models import AuditEvent
from lianxin.evaluation.measures import MEASURES
from lianxin.participation.errors import Code
from lianxin.participation.models import (
    CorrectionStatus,
    Decision,
    DecisionStatus,
    Milestone,
    Step,
)
from lianxin.participation.selectors import share_milestones_on_time
from lianxin.participation.services import aftercare, decisions, notices
from tests.participation_helpers import after, open_notice

pytestmark = pytest.mark.django_db

MON = date(2026, 3, 2)  # no holiday in the fortnight after it


@pytest.fixture
def decision(district, people):
    return decisions.decision_create(
        actor=people["vet_leader"],
        unit=district["vet"],
        title="调整畜禽养殖禁养区",
        summary="东湖水库周边划入禁养区",
        responsible=people["vet_leader"],
    )


def step(decision, actor, kind, start=MON, end=MON + timedelta(days=8), **extra):
    return decisions.decision_step(
        decision_id=decision.pk,
        actor=actor,
        kind=kind,
        started_on=start,
        ended_on=end,
        summary=f"{kind} 摘要",
        **extra,
    )


def walk_to_publication(decision, leader):
    step(decision, leader, "participation")
    step(decision, leader, "argumentation", opinions=[("李教授", "建议外延300米即可")])
    step(decision, leader, "risk")
    step(decision, leader, "legality")
    step(decision, leader, "discussion", dissent="王副局长：建议推迟一年执行。")
    return step(decision, leader, "publication", adoption="采纳补助提高的意见；外延距离未采纳。")


def test_the_steps_in_order_each_audited(decision, people):
    walk_to_publication(decision, people["vet_leader"])
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PUBLICATION
    assert list(decision.steps.values_list("kind", flat=True)) == [
        "participation",
        "argumentation",
        "risk",
        "legality",
        "discussion",
        "publication",
    ]
    assert decision.steps.get(kind="argumentation").opinions.get().expert == "李教授"
    assert AuditEvent.objects.filter(action="decision_step").count() == 6


def test_a_step_out_of_order_is_refused_with_its_article(decision, people):
    leader = people["vet_leader"]
    step(decision, leader, "participation")
    with pytest.raises(InvalidTransition) as refused:
        step(decision, leader, "discussion", dissent="无")
    assert refused.value.code == Code.STEP_OUT_OF_ORDER
    assert "第十九条" in str(refused.value.message)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PARTICIPATION and decision.steps.count() == 1
    with pytest.raises(InvalidTransition):
        step(decision, leader, "participation")


def test_a_legality_review_under_seven_working_days_is_refused(decision, people):
    leader = people["vet_leader"]
    step(decision, leader, "participation")
    step(decision, leader, "argumentation", opinions=[("李教授", "可行")])
    step(decision, leader, "risk")
    with pytest.raises(InvalidInput) as refused:
        step(decision, leader, "legality", start=MON, end=MON + timedelta(days=7))  # 6 days
    assert refused.value.code == Code.STEP_TOO_SHORT
    assert "第二十六条" in str(refused.value.message)
    assert "6" in str(refused.value.message)
    assert not Step.objects.filter(kind="legality").exists()
    assert decisions.review_workdays(MON, MON + timedelta(days=8)) == 7
    step(decision, leader, "legality", start=MON, end=MON + timedelta(days=8))


def test_steps_without_what_the_rule_requires_are_refused(decision, people):
    leader = people["vet_leader"]
    step(decision, leader, "participation")
    with pytest.raises(InvalidInput) as no_experts:
        step(decision, leader, "argumentation")
    assert no_experts.value.code == Code.STEP_INCOMPLETE
    step(decision, leader, "argumentation", opinions=[("李教授", "可行")])
    step(decision, leader, "risk")
    step(decision, leader, "legality")
    with pytest.raises(InvalidInput) as no_dissent:
        step(decision, leader, "discussion")
    assert "第三十条" in str(no_dissent.value.message)
    step(decision, leader, "discussion", dissent="无不同意见")
    with pytest.raises(InvalidInput) as no_adoption:
        step(decision, leader, "publication")
    assert "第三十二条" in str(no_adoption.value.message)


def test_participation_waits_for_the_notice_to_close(decision, district, people):
    notice = open_notice(district["vet"], people["vet_handler"], decision=decision)
    with pytest.raises(InvalidInput) as refused:
        step(decision, people["vet_leader"], "participation")
    assert "第十五条" in str(refused.value.message)
    with after(notice):
        notices.notice_close(notice_id=notice.pk, actor=people["vet_handler"], summary="无意见")
    step(decision, people["vet_leader"], "participation")


def test_only_the_units_leader_records_steps(decision, people):
    with pytest.raises(PermissionDenied):
        step(decision, people["vet_handler"], "participation")
    with pytest.raises(PermissionDenied):
        step(decision, people["env_handler"], "participation")
    assert not Step.objects.exists()


def test_milestones_corrections_and_liability_after_publication(decision, people):
    leader = people["vet_leader"]
    with pytest.raises(InvalidTransition) as early:
        aftercare.milestone_add(
            decision_id=decision.pk, actor=leader, title="x", due_on=date(2027, 1, 1)
        )
    assert early.value.code == Code.NOT_PUBLISHED
    with pytest.raises(InvalidTransition):
        aftercare.correction_request(decision_id=decision.pk, actor=None, text="x")
    walk_to_publication(decision, leader)
    today = clock.now().date()
    done = aftercare.milestone_add(
        decision_id=decision.pk, actor=leader, title="划定边界", due_on=today
    )
    aftercare.milestone_add(
        decision_id=decision.pk,
        actor=leader,
        title="养殖场搬迁",
        due_on=today + timedelta(days=300),
    )
    with pytest.raises(InvalidInput):
        aftercare.milestone_progress(milestone_id=done.pk, actor=leader, progress=120, evidence="x")
    aftercare.milestone_progress(
        milestone_id=done.pk, actor=leader, progress=100, evidence="界桩照片"
    )
    done.refresh_from_db()
    assert done.completed_on == today and done.on_time
    assert share_milestones_on_time(Milestone.objects.all()) == 1.0
    # The indicator system reads the same share for the decision's unit, in the year due.
    on_time = MEASURES["milestones_on_time"].values([decision.unit], today.year)
    assert on_time == {decision.unit.pk: 100.0}

    request = aftercare.correction_request(
        decision_id=decision.pk, actor=people["citizen"], text="我家猪场在界外却被要求搬迁"
    )
    assert request.deadline > clock.now() + timedelta(days=15)
    with pytest.raises(PermissionDenied):
        aftercare.correction_answer(request_id=request.pk, actor=people["env_handler"], answer="x")
    answered = aftercare.correction_answer(
        request_id=request.pk,
        actor=people["vet_handler"],
        answer="经复核，您的猪场在界外，不需搬迁。",
    )
    assert answered.status == CorrectionStatus.ANSWERED
    with pytest.raises(InvalidTransition) as again:
        aftercare.correction_answer(request_id=request.pk, actor=people["vet_handler"], answer="y")
    assert again.value.code == Code.CORRECTION_ANSWERED

    with pytest.raises(PermissionDenied):
        aftercare.liability_record(decision_id=decision.pk, actor=leader, finding="x", measure="y")
    record = aftercare.liability_record(
        decision_id=decision.pk,
        actor=people["inspector"],
        finding="边界划定未经实地核查",
        measure="诫勉谈话",
    )
    assert record.cadre == people["vet_leader"]
    assert AuditEvent.objects.filter(action="liability_record").exists()
    assert Decision.objects.get().liabilities.count() == 1
