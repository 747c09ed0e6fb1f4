"""Citizens racing for the last place of a reception slot cannot both get it: real threads,
real connections, on SQLite (IMMEDIATE transactions) and on PostgreSQL (the slot's row lock).
A cancellation racing a booking for the freed place leaves the slot within its capacity."""

import pytest
from django.contrib.auth import get_user_model

from lianxin.core.errors import InvalidTransition
from lianxin.outreach.models import HOLDING, Booking, BookingStatus
from lianxin.outreach.services import booking_cancel, booking_make

from . import reception_helpers
from .appeals_helpers import fast_passwords  # noqa: F401 - autouse fixture
from .reception_helpers import schedule
from .test_concurrency import audit_intact, race

village = reception_helpers.village
point = reception_helpers.point

pytestmark = pytest.mark.django_db(transaction=True)


def book(slot_pk: int, phone: str):
    return lambda: booking_make(slot=slot_pk, name="群众", phone=phone, matter="反映养殖补贴")


def test_two_citizens_racing_for_the_last_place_one_gets_it(point, people):
    slot = schedule(point, people["vet_handler"], capacity=2).slots.first()
    booking_make(slot=slot, name="先到", phone="13800000000", matter="补贴")
    results = race(book(slot.pk, "13800000001"), book(slot.pk, "13800000002"))
    winners = [r for r in results if isinstance(r, Booking)]
    refused = [r for r in results if isinstance(r, InvalidTransition)]
    assert (len(winners), len(refused)) == (1, 1), results
    assert refused[0].code == "slot_full"
    assert Booking.objects.filter(slot=slot, status__in=HOLDING).count() == 2
    assert audit_intact()


def test_many_citizens_racing_never_overbook(point, people):
    slot = schedule(point, people["vet_handler"], capacity=3).slots.first()
    results = race(*(book(slot.pk, f"1380000001{n}") for n in range(6)))
    assert sum(isinstance(r, Booking) for r in results) == 3, results
    assert all(isinstance(r, Booking | InvalidTransition) for r in results), results
    assert Booking.objects.filter(slot=slot, status__in=HOLDING).count() == 3
    assert audit_intact()


def test_a_cancellation_and_two_bookings_for_the_freed_place(point, people):
    slot = schedule(point, people["vet_handler"], capacity=1).slots.first()
    held = booking_make(slot=slot, name="先到", phone="13800000000", matter="补贴")
    staff = get_user_model().objects.get(username="vet_handler")
    race(
        lambda: booking_cancel(code=held.code, actor=staff),
        book(slot.pk, "13800000001"),
        book(slot.pk, "13800000002"),
    )
    held.refresh_from_db()
    assert held.status == BookingStatus.CANCELLED
    # Whatever the order, the slot never holds more than its one place.
    assert Booking.objects.filter(slot=slot, status__in=HOLDING).count() <= 1
    assert audit_intact()
