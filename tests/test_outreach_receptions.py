"""Contact points and reception days: the schedule, booking (a full slot, a past slot, a bad
phone number refused and nothing changed), anonymous booking by the hotline, cancelling with
the code and phone, recording a reception, a matter made an appeal, who may see what."""

from datetime import time, timedelta

import pytest
from django.utils import translation

from lianxin.appeals.models import Appeal
from lianxin.core.access import may
from lianxin.core.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from lianxin.core.models import AuditEvent, Role
from lianxin.outreach.models import Booking, BookingStatus, ReceptionDay, ReceptionStatus
from lianxin.outreach.services import (
    booking_cancel,
    booking_make,
    reception_day_add,
    reception_matter_add,
    reception_matter_to_appeal,
    reception_record,
)
from lianxin.outreach.services.receptions import _new_code

from . import reception_helpers
from .appeals_helpers import fast_passwords  # noqa: F401 - autouse fixture
from .conftest import make_user
from .reception_helpers import at_day, local_today, schedule, schedule_past

village = reception_helpers.village
point = reception_helpers.point
operator = reception_helpers.operator

pytestmark = pytest.mark.django_db


def book(slot, name="李大爷", phone="13812345678", matter="想反映饲料补贴的事", **kw):
    return booking_make(slot=slot, name=name, phone=phone, matter=matter, **kw)


def actions(obj) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).values_list("action", flat=True)
    )


# --- the schedule --------------------------------------------------------------------------------


def test_a_reception_day_is_published_with_its_slots_and_audited(point, people):
    reception = schedule(point, people["vet_handler"], capacity=3)
    slots = list(reception.slots.all())
    assert [(s.starts_at, s.ends_at, s.capacity) for s in slots] == [
        (time(9), time(10), 3),
        (time(10), time(11), 3),
    ]
    assert actions(reception) == ["reception_day_add"]
    assert actions(point) == ["contact_point_create"]


@pytest.mark.parametrize(
    "slots, capacity, code",
    [
        ([(time(9), time(10)), (time(9, 30), time(11))], 2, "bad_slots"),  # overlap
        ([(time(10), time(9))], 2, "bad_slots"),  # ends before it begins
        ([], 2, "bad_slots"),
        ([(time(9), time(10))], 0, "bad_slots"),
        ([(time(9), time(10))], 51, "bad_slots"),
    ],
)
def test_a_bad_schedule_is_refused(point, people, slots, capacity, code):
    with pytest.raises(InvalidInput) as refused:
        schedule(point, people["vet_handler"], slots=slots, capacity=capacity)
    assert refused.value.code == code
    assert not ReceptionDay.objects.exists()


def test_a_reception_day_in_the_past_or_twice_is_refused(point, people):
    with pytest.raises(InvalidInput) as past:
        schedule(point, people["vet_handler"], days_ahead=-1)
    assert past.value.code == "reception_past"
    schedule(point, people["vet_handler"])
    with pytest.raises(Conflict) as twice:
        schedule(point, people["vet_handler"])
    assert twice.value.code == "day_taken"
    assert ReceptionDay.objects.count() == 1


def test_only_the_leaders_unit_keeps_the_schedule(point, people):
    for outsider in ("env_handler", "street_handler", "supervisor", "dispatcher", "citizen"):
        with pytest.raises(PermissionDenied):
            schedule(point, people[outsider])
    assert not ReceptionDay.objects.exists()


# --- booking -------------------------------------------------------------------------------------


def test_a_citizen_books_a_slot_and_gets_a_code(point, people):
    slot = schedule(point, people["vet_handler"]).slots.first()
    booking = book(slot)
    assert booking.status == BookingStatus.BOOKED
    assert len(booking.code) == 8 and booking.code.isalnum()
    codes = [_new_code() for _ in range(500)]
    assert all(any(c.isdigit() for c in code) for code in codes)
    assert not set("01OI") & set("".join(codes))  # nothing to mishear
    event = AuditEvent.objects.get(action="booking_make")
    assert event.actor is None and event.actor_label == "public"
    # The audit chain is kept for ever: no name, no phone in it.
    assert "13812345678" not in str(event.data) and "李大爷" not in str(event.data)


def test_a_full_slot_refuses_with_a_clear_message_and_changes_nothing(point, people):
    slot = schedule(point, people["vet_handler"], capacity=2).slots.first()
    book(slot, phone="13800000001")
    book(slot, phone="13800000002")
    with translation.override("zh-hans"), pytest.raises(InvalidTransition) as full:
        book(slot, phone="13800000003")
    assert full.value.code == "slot_full"
    assert "约满" in str(full.value.message)
    assert Booking.objects.count() == 2
    assert AuditEvent.objects.filter(action="booking_make").count() == 2


@pytest.mark.parametrize("phone", ["", "12345", "23812345678", "1381234567x", "+8613812345678"])
def test_a_bad_phone_number_is_refused(point, people, phone):
    slot = schedule(point, people["vet_handler"]).slots.first()
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as bad:
        book(slot, phone=phone)
    assert bad.value.code == "bad_phone"
    assert "手机号码" in str(bad.value.message)
    assert not Booking.objects.exists()


def test_name_and_matter_are_required(point, people):
    slot = schedule(point, people["vet_handler"]).slots.first()
    with pytest.raises(InvalidInput):
        book(slot, name="  ")
    with pytest.raises(InvalidInput):
        book(slot, matter="")
    assert not Booking.objects.exists()


def test_a_past_slot_cannot_be_booked(point, people):
    reception = schedule_past(point, people["vet_handler"])
    with pytest.raises(InvalidTransition) as past:
        book(reception.slots.first())
    assert past.value.code == "reception_past"
    assert not Booking.objects.exists()


def test_a_slot_of_today_that_has_begun_cannot_be_booked(point, people):
    reception = schedule(point, people["vet_handler"])
    with at_day(reception, hour=9), pytest.raises(InvalidTransition):
        book(reception.slots.get(starts_at=time(9)))
    with at_day(reception, hour=9):
        assert book(reception.slots.get(starts_at=time(10))).pk


def test_one_phone_one_booking_a_day(point, people):
    reception = schedule(point, people["vet_handler"])
    first, second = reception.slots.all()
    book(first)
    with pytest.raises(InvalidTransition) as twice:
        book(second)
    assert twice.value.code == "already_booked"


def test_a_hotline_operator_books_for_an_anonymous_caller(point, people, operator):
    slot = schedule(point, people["vet_handler"]).slots.first()
    booking = book(slot, name="不愿透露", phone="", anonymous=True, actor=operator)
    assert (booking.name, booking.phone, booking.anonymous) == ("", "", True)
    assert booking.booked_by == operator
    with_phone = book(slot, name="", phone="13900002222", anonymous=True, actor=operator)
    assert with_phone.phone == "13900002222"


def test_a_signed_in_citizen_books_for_themselves(point, people):
    slot = schedule(point, people["vet_handler"]).slots.first()
    booking = book(slot, actor=people["citizen"])
    assert booking.booked_by is None and not booking.anonymous
    assert AuditEvent.objects.get(action="booking_make").actor == people["citizen"]


def test_a_citizen_cannot_book_anonymously(point, people):
    slot = schedule(point, people["vet_handler"]).slots.first()
    with pytest.raises(PermissionDenied):
        book(slot, name="", phone="", anonymous=True)
    with pytest.raises(PermissionDenied):
        book(slot, name="", phone="", anonymous=True, actor=people["citizen"])
    assert not Booking.objects.exists()


def test_an_unpublished_contact_point_takes_no_booking(point, people):
    slot = schedule(point, people["vet_handler"]).slots.first()
    point.is_public = False
    point.save()
    with pytest.raises(NotFound):
        book(slot)
    assert not Booking.objects.exists()


# --- cancelling ----------------------------------------------------------------------------------


def test_cancel_with_code_and_phone_frees_the_place(point, people):
    slot = schedule(point, people["vet_handler"], capacity=1).slots.first()
    booking = book(slot)
    with pytest.raises(NotFound):
        booking_cancel(code=booking.code, phone="13800000000")
    with pytest.raises(NotFound):
        booking_cancel(code="ZZZZZZZZ", phone="13812345678")
    booking_cancel(code=booking.code.lower(), phone="138 1234 5678")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert actions(booking) == ["booking_make", "booking_cancel"]
    assert book(slot, phone="13900000000").status == BookingStatus.BOOKED  # the place is free
    with pytest.raises(InvalidTransition):
        booking_cancel(code=booking.code, phone="13812345678")


def test_an_anonymous_booking_without_phone_is_cancelled_by_staff_only(point, people, operator):
    slot = schedule(point, people["vet_handler"]).slots.first()
    booking = book(slot, name="", phone="", anonymous=True, actor=operator)
    with pytest.raises(NotFound):
        booking_cancel(code=booking.code, phone="")
    booking_cancel(code=booking.code, actor=people["vet_handler"])
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


# --- the reception, afterwards --------------------------------------------------------------------


@pytest.fixture
def held(point, people):
    """A reception a week ago with two bookings (made before it), not yet recorded."""
    reception = schedule_past(point, people["vet_handler"])
    slot = reception.slots.first()
    with at_day(reception, hour=7):
        came = book(slot, name="张养殖", phone="13900001111", matter="生猪调运检疫证明办理太慢")
        stayed_away = book(slot, name="王五", phone="13900003333", matter="禁养区补助")
    return {"reception": reception, "came": came, "away": stayed_away}


def test_recording_who_came(held, people):
    reception = reception_record(
        actor=people["vet_leader"],
        reception=held["reception"],
        attended=[held["came"].pk],
        walk_ins=2,
        summary="接待养殖户四人次，现场答复两件。",
    )
    assert reception.status == ReceptionStatus.HELD
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses == {
        held["came"].pk: BookingStatus.ATTENDED,
        held["away"].pk: BookingStatus.ABSENT,
    }
    assert actions(reception)[-1] == "reception_record"
    with pytest.raises(InvalidTransition):  # recorded once
        reception_record(actor=people["vet_leader"], reception=reception, attended=[])


def test_a_stale_record_form_is_refused(held, people):
    stale = held["reception"].version
    reception_matter_add(  # changes nothing on the day itself
        actor=people["vet_leader"], reception=held["reception"], title="t", content="c"
    )
    reception_record(
        actor=people["vet_leader"], reception=held["reception"], attended=[], version=stale
    )
    with translation.override("zh-hans"), pytest.raises(Conflict) as refused:
        reception_record(
            actor=people["vet_handler"], reception=held["reception"], attended=[], version=stale
        )
    assert "接访" in str(refused.value.message)


def test_a_reception_is_not_recorded_before_its_day(point, people):
    reception = schedule(point, people["vet_handler"])
    with pytest.raises(InvalidTransition) as early:
        reception_record(actor=people["vet_leader"], reception=reception, attended=[])
    assert early.value.code == "not_yet_held"
    with pytest.raises(InvalidTransition):
        reception_matter_add(
            actor=people["vet_leader"], reception=reception, title="t", content="c"
        )


def test_a_matter_raised_becomes_an_appeal_in_one_step(held, people):
    matter = reception_matter_add(
        actor=people["vet_handler"],
        reception=held["reception"],
        booking=held["came"],
        title="生猪调运检疫证明办理慢",
        content="养殖户反映调运检疫证明要跑三趟才能办好。",
    )
    assert (matter.name, matter.phone) == ("张养殖", "13900001111")  # from the booking
    appeal = reception_matter_to_appeal(actor=people["vet_handler"], matter=matter)
    assert isinstance(appeal, Appeal)
    assert (appeal.title, appeal.contact_phone) == ("生猪调运检疫证明办理慢", "13900001111")
    assert appeal.submitted_by == people["vet_handler"]
    matter.refresh_from_db()
    assert matter.appeal == appeal
    assert actions(matter) == ["reception_matter_add", "reception_matter_appeal"]
    with pytest.raises(InvalidTransition) as again:
        reception_matter_to_appeal(actor=people["vet_handler"], matter=matter)
    assert again.value.code == "already_appealed"
    assert Appeal.objects.count() == 1


def test_a_walk_in_matter_and_a_booking_of_another_day(held, point, people):
    walk_in = reception_matter_add(
        actor=people["vet_handler"],
        reception=held["reception"],
        title="村道养殖污水",
        content="路边有养殖污水外溢。",
        name="",
        phone="",
    )
    assert walk_in.booking is None
    other = schedule(point, people["vet_handler"]).slots.first()
    elsewhere = book(other, phone="13700000000")
    with pytest.raises(NotFound):
        reception_matter_add(
            actor=people["vet_handler"],
            reception=held["reception"],
            booking=elsewhere,
            title="t",
            content="c",
        )


def test_outsiders_cannot_record_or_file(held, people):
    for outsider in ("env_handler", "supervisor", "dispatcher"):
        with pytest.raises(PermissionDenied):
            reception_record(actor=people[outsider], reception=held["reception"], attended=[])
        with pytest.raises(PermissionDenied):
            reception_matter_add(
                actor=people[outsider], reception=held["reception"], title="t", content="c"
            )
    assert held["reception"].matters.count() == 0


# --- permissions, one per rule -------------------------------------------------------------------


def test_who_may_what(point, people, operator, district):
    leader_elsewhere = make_user("street_leader", Role.LEADER, district["street"])
    assert may(people["vet_leader"], "outreach.set_up_contact_point", district["vet"])
    assert not may(people["vet_handler"], "outreach.set_up_contact_point", district["vet"])
    assert not may(leader_elsewhere, "outreach.set_up_contact_point", district["vet"])
    staff = {"vet_leader", "vet_handler", "admin"}
    for name, person in people.items():
        assert may(person, "outreach.manage_receptions", point) == (name in staff), name
        assert may(person, "outreach.see_booking_personal_data", point) == (name in staff), name
        assert may(person, "outreach.view_bookings", point) == (name in staff | {"supervisor"}), (
            name
        )
    assert may(operator, "outreach.book_for_caller", point)
    assert may(people["vet_handler"], "outreach.book_for_caller", point)
    assert not may(people["citizen"], "outreach.book_for_caller", point)
    assert not may(operator, "outreach.view_bookings", point)


def test_reception_day_add_checks_the_date_for_every_actor(point, people):
    with pytest.raises(InvalidInput):
        reception_day_add(
            actor=people["vet_leader"],
            contact_point=point,
            day=local_today() - timedelta(days=3),
            slots=[(time(9), time(10))],
            capacity=1,
        )
