"""Outreach services: each rule, a refusal changes nothing, every change audited, a visit sent
twice stored once, a need made an appeal in one step."""

import uuid
from datetime import timedelta

import pytest
from django.utils import translation

from lianxin.appeals.models import Appeal
from lianxin.core.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from lianxin.core.models import AuditEvent
from lianxin.outreach.models import Household, Pairing, Reason, Visit, VisitForm
from lianxin.outreach.selectors import unpaired_households
from lianxin.outreach.services import (
    household_register,
    pairing_assign,
    visit_need_to_appeal,
    visit_record,
)

from . import outreach_helpers
from .appeals_helpers import fast_passwords  # noqa: F401 - autouse fixture
from .outreach_helpers import farm, paired, register, today

# The shared fixtures (assigned, not imported: the test parameters named after them are theirs).
village = outreach_helpers.village
outreach_people = outreach_helpers.outreach_people

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        Household.objects.count(),
        Pairing.objects.count(),
        Visit.objects.count(),
        Appeal.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_unit_leader_registers_a_household_with_consent_audited(village, outreach_people):
    leader = outreach_people["leader"]
    household = register(leader, village)
    assert household.reasons == [Reason.ELDERLY_ALONE]
    assert household.consent_recorded_by == leader
    event = AuditEvent.objects.get(action="household_register")
    assert event.object_id == str(household.pk) and event.actor == leader


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"consent_on": None}, "no_consent"),
        ({"reasons": ["rich"]}, "unknown_reason"),
        ({"reasons": []}, "unknown_reason"),
        ({"head_name": "  "}, "invalid"),
        ({"phone": "not a phone"}, "invalid"),
    ],
)
def test_a_registration_refused_writes_nothing(village, outreach_people, fields, code):
    before = snapshot()
    with pytest.raises(InvalidInput) as refused:
        register(outreach_people["leader"], village, **fields)
    assert refused.value.code == code
    assert snapshot() == before


def test_only_a_leader_over_the_village_registers(village, outreach_people):
    for who in ("cadre", "vet_leader", "supervisor", "citizen"):
        with pytest.raises(PermissionDenied):
            register(outreach_people[who], village)
    assert Household.objects.count() == 0


def test_reassignment_keeps_the_history_and_one_current_cadre(village, outreach_people):
    leader, cadre, cadre2 = (outreach_people[k] for k in ("leader", "cadre", "cadre2"))
    household = register(leader, village)
    assert list(unpaired_households(leader)) == [household]
    first = paired(leader, cadre, household, starts_on=today() - timedelta(days=40))
    assert list(unpaired_households(leader)) == []
    second = pairing_assign(
        actor=leader, household=household, cadre=cadre2, starts_on=today() - timedelta(days=5)
    )
    first.refresh_from_db()
    assert first.ends_on == today() - timedelta(days=6)
    assert second.ends_on is None
    assert household.pairings.count() == 2
    assert [
        e.action for e in AuditEvent.objects.filter(object_type="outreach.pairing").order_by("pk")
    ] == ["pairing_assign", "pairing_reassign"]


def test_a_pairing_refused_changes_nothing(village, outreach_people):
    leader, cadre = outreach_people["leader"], outreach_people["cadre"]
    household = register(leader, village)
    paired(leader, cadre, household)
    before = snapshot()
    with pytest.raises(InvalidInput) as same:
        pairing_assign(actor=leader, household=household, cadre=cadre)
    assert same.value.code == "same_cadre"
    with pytest.raises(InvalidInput) as citizen:
        pairing_assign(actor=leader, household=household, cadre=outreach_people["citizen"])
    assert citizen.value.code == "not_a_cadre"
    with pytest.raises(PermissionDenied):
        pairing_assign(actor=cadre, household=household, cadre=outreach_people["cadre2"])
    assert snapshot() == before


def test_a_visit_is_recorded_by_the_paired_cadre_and_audited(village, outreach_people):
    leader, cadre = outreach_people["leader"], outreach_people["cadre"]
    pairing = paired(leader, cadre, farm(leader, village))
    visit, created = visit_record(
        actor=cadre,
        pairing=pairing,
        visited_on=today(),
        form=VisitForm.FARM,
        client_uuid=uuid.uuid4(),
        notes="猪舍消毒到位",
        immunisation_done=True,
        sick_count="2",
        dead_count=0,
        biosecurity_ok=True,
    )
    assert created
    assert (visit.sick_count, visit.dead_count, visit.immunisation_done) == (2, 0, True)
    assert AuditEvent.objects.filter(action="visit_record", object_id=str(visit.pk)).exists()


def test_a_home_visit_has_no_farm_checklist(village, outreach_people):
    leader, cadre = outreach_people["leader"], outreach_people["cadre"]
    pairing = paired(leader, cadre, register(leader, village))
    visit, _ = visit_record(
        actor=cadre,
        pairing=pairing,
        visited_on=today(),
        form=VisitForm.HOME,
        client_uuid=uuid.uuid4(),
        sick_count=3,
    )
    assert visit.sick_count is None and visit.biosecurity_ok is None


def test_the_same_visit_sent_twice_is_stored_once(village, outreach_people):
    leader, cadre = outreach_people["leader"], outreach_people["cadre"]
    pairing = paired(leader, cadre, register(leader, village))
    key = uuid.uuid4()
    first, created = visit_record(
        actor=cadre,
        pairing=pairing,
        visited_on=today(),
        form=VisitForm.HOME,
        client_uuid=key,
        notes="身体还好",
    )
    events = AuditEvent.objects.count()
    again, created_again = visit_record(
        actor=cadre,
        pairing=pairing,
        visited_on=today(),
        form=VisitForm.HOME,
        client_uuid=key,
        notes="身体还好",
    )
    assert created and not created_again and again.pk == first.pk
    assert Visit.objects.count() == 1 and AuditEvent.objects.count() == events
    other = paired(leader, cadre, register(leader, village, head_name="刘奶奶"))
    with pytest.raises(Conflict) as reused:
        visit_record(
            actor=cadre, pairing=other, visited_on=today(), form=VisitForm.HOME, client_uuid=key
        )
    assert reused.value.code == "uuid_reused"


def test_a_visit_refused_writes_nothing(village, outreach_people):
    leader, cadre = outreach_people["leader"], outreach_people["cadre"]
    pairing = paired(leader, cadre, register(leader, village))
    before = snapshot()
    with pytest.raises(InvalidInput) as future:
        visit_record(
            actor=cadre,
            pairing=pairing,
            visited_on=today() + timedelta(days=1),
            form=VisitForm.HOME,
            client_uuid=uuid.uuid4(),
        )
    assert future.value.code == "future_date"
    with pytest.raises(InvalidInput) as early:
        visit_record(
            actor=cadre,
            pairing=pairing,
            visited_on=today() - timedelta(days=90),
            form=VisitForm.HOME,
            client_uuid=uuid.uuid4(),
        )
    assert early.value.code == "before_pairing"
    with pytest.raises(PermissionDenied):
        visit_record(
            actor=outreach_people["cadre2"],
            pairing=pairing,
            visited_on=today(),
            form=VisitForm.HOME,
            client_uuid=uuid.uuid4(),
        )
    with pytest.raises(InvalidInput):
        visit_record(
            actor=cadre,
            pairing=pairing,
            visited_on=today(),
            form=VisitForm.FARM,
            client_uuid=uuid.uuid4(),
            sick_count=-1,
        )
    assert snapshot() == before


def test_a_cadre_moved_on_no_longer_records_visits(village, outreach_people):
    leader, cadre = outreach_people["leader"], outreach_people["cadre"]
    household = register(leader, village)
    old = paired(leader, cadre, household, starts_on=today() - timedelta(days=30))
    pairing_assign(actor=leader, household=household, cadre=outreach_people["cadre2"])
    with pytest.raises(InvalidTransition) as ended:
        visit_record(
            actor=cadre,
            pairing=old,
            visited_on=today(),
            form=VisitForm.HOME,
            client_uuid=uuid.uuid4(),
        )
    assert ended.value.code == "pairing_ended"


def test_a_need_becomes_an_appeal_in_one_step(village, outreach_people, categories):
    leader, cadre = outreach_people["leader"], outreach_people["cadre"]
    household = register(leader, village)
    pairing = paired(leader, cadre, household)
    visit, _ = visit_record(
        actor=cadre,
        pairing=pairing,
        visited_on=today(),
        form=VisitForm.HOME,
        client_uuid=uuid.uuid4(),
        needs="屋顶漏雨，需要维修",
    )
    appeal = visit_need_to_appeal(actor=cadre, visit=visit, title="王大爷家屋顶漏雨")
    visit.refresh_from_db()
    assert visit.appeal == appeal
    assert appeal.content == "屋顶漏雨，需要维修" and appeal.contact_name == "王大爷"
    assert AuditEvent.objects.filter(action="visit_appeal", object_id=str(visit.pk)).exists()
    before = snapshot()
    with pytest.raises(InvalidTransition) as twice:
        visit_need_to_appeal(actor=cadre, visit=visit, title="again")
    assert twice.value.code == "already_appealed"
    assert snapshot() == before


def test_a_visit_without_needs_makes_no_appeal(village, outreach_people):
    leader, cadre = outreach_people["leader"], outreach_people["cadre"]
    pairing = paired(leader, cadre, register(leader, village))
    visit, _ = visit_record(
        actor=cadre,
        pairing=pairing,
        visited_on=today(),
        form=VisitForm.PHONE,
        client_uuid=uuid.uuid4(),
    )
    before = snapshot()
    with pytest.raises(InvalidInput) as empty:
        visit_need_to_appeal(actor=cadre, visit=visit, title="无")
    assert empty.value.code == "no_needs"
    with pytest.raises(PermissionDenied):
        visit_need_to_appeal(actor=outreach_people["cadre2"], visit=visit, title="无")
    assert snapshot() == before


def test_the_household_registers_directly_too(village, outreach_people):
    # household_register is the services' public name; callers use it without the helper.
    household = household_register(
        actor=outreach_people["leader"],
        unit=village,
        head_name="赵家",
        members=3,
        reasons=[Reason.LOW_INCOME, Reason.LEFT_BEHIND_CHILDREN],
        consent_on=today(),
    )
    with translation.override("en"):
        assert household.reason_labels() == ["Low income", "Left-behind children"]
