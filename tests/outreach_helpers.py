"""Shared fixtures of the outreach tests: a village under the east street, its leader, two
township cadres and a vet, households paired with them."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from lianxin.core import clock
from lianxin.core.models import Role, Unit
from lianxin.outreach.models import Difficulty, Reason
from lianxin.outreach.services import household_register, pairing_assign

from .conftest import make_user


@pytest.fixture
def village(district):
    return Unit.objects.create(
        name="李家村", code="lijia", kind="village", parent=district["street"]
    )


@pytest.fixture
def outreach_people(district, people):
    street = district["street"]
    return {
        **people,
        "leader": make_user("street_leader", Role.LEADER, street),
        "cadre": make_user("cadre", Role.HANDLER, street),
        "cadre2": make_user("cadre2", Role.HANDLER, street),
    }


def today() -> date:
    return timezone.localdate(clock.now())


def register(actor, unit, **fields):
    values = {
        "head_name": "王大爷",
        "members": 1,
        "reasons": [Reason.ELDERLY_ALONE],
        "consent_on": today() - timedelta(days=30),
        "phone": "13812345678",
        "address": "李家村3组",
    }
    values.update(fields)
    return household_register(actor=actor, unit=unit, **values)


def farm(actor, unit, **fields):
    return register(
        actor,
        unit,
        head_name="张养殖",
        members=4,
        reasons=[Reason.LIVESTOCK_FARM],
        species="生猪",
        herd_size=320,
        phone="13900001111",
        **fields,
    )


def paired(leader, cadre, household, starts_on=None):
    return pairing_assign(
        actor=leader,
        household=household,
        cadre=cadre,
        starts_on=starts_on or today() - timedelta(days=20),
    )


__all__ = ["Difficulty", "farm", "outreach_people", "paired", "register", "today", "village"]
