"""Shared fixtures of the contact-point tests: a village, a contact point of the 畜牧兽医局's
leader there, and helpers to publish reception days (in the future, or in the past by
replaying the clock)."""

from datetime import date, datetime, time, timedelta

import pytest

from lianxin.core import clock
from lianxin.core.calendar import LOCAL
from lianxin.core.models import Role, Unit
from lianxin.outreach.models import ContactPointKind
from lianxin.outreach.services import contact_point_create, reception_day_add

from .conftest import make_user


def local_today() -> date:
    return clock.now().astimezone(LOCAL).date()


@pytest.fixture
def village(district):
    return Unit.objects.create(
        name="大湾村", code="dawan", kind="village", parent=district["street"]
    )


@pytest.fixture
def point(district, people, village):
    """The vet bureau's leader's contact point at a pig farm in the village."""
    return contact_point_create(
        actor=people["vet_leader"],
        unit=district["vet"],
        leader=people["vet_leader"],
        leader_title="畜牧兽医局局长",
        name="大湾村生猪养殖场联系点",
        kind=ContactPointKind.FARM,
        village=village,
        address="桥头镇大湾村3组",
        description="每月第二个周二接待养殖户。",
    )


@pytest.fixture
def operator(district):
    """A 12345 hotline operator (a dispatcher at the hotline centre)."""
    return make_user("operator", Role.DISPATCHER, district["hotline"])


def schedule(point, actor, *, days_ahead=3, capacity=2, slots=None):
    return reception_day_add(
        actor=actor,
        contact_point=point,
        day=local_today() + timedelta(days=days_ahead),
        slots=[(time(9, 0), time(10, 0)), (time(10, 0), time(11, 0))] if slots is None else slots,
        capacity=capacity,
    )


def schedule_past(point, actor, *, days_ago=7, capacity=2):
    """A reception day published before it happened: the clock replayed to before its day."""
    day = local_today() - timedelta(days=days_ago)
    before = datetime.combine(day - timedelta(days=10), time(9), tzinfo=LOCAL)
    with clock.at(before):
        return reception_day_add(
            actor=actor,
            contact_point=point,
            day=day,
            slots=[(time(9, 0), time(10, 0))],
            capacity=capacity,
        )


def at_day(reception, hour=8):
    """The clock on the reception's day, before its first slot."""
    return clock.at(datetime.combine(reception.day, time(hour), tzinfo=LOCAL))
