"""The demo contact point plays through the services: past receptions recorded with matters
filed as appeals (one answered, its reply public), coming days with places booked; a second
run changes nothing."""

import pytest

from lianxin.appeals.models import Status
from lianxin.demo import receptions as demo
from lianxin.demo.appeals import load_catalogue
from lianxin.demo.core import load_people, load_units
from lianxin.outreach.models import Booking, ContactPoint, ReceptionMatter, ReceptionStatus

pytestmark = pytest.mark.django_db


def test_the_demo_contact_point(client):
    units = load_units()
    load_people(units)
    load_catalogue(units)
    demo.load()
    point = ContactPoint.objects.get(name=demo.CONTACT_POINT)
    assert point.leader.username == "leader-vet" and point.village.code == "qiaotou-dawan"
    days = list(point.days.order_by("day"))
    assert [d.status for d in days] == [ReceptionStatus.HELD] * 2 + [ReceptionStatus.SCHEDULED] * 2
    matters = ReceptionMatter.objects.filter(reception__contact_point=point)
    assert matters.count() == 5
    filed = matters.filter(appeal__isnull=False).select_related("appeal")
    assert filed.count() == 3
    assert all(m.appeal.unit.code == "vet" for m in filed)
    answered = [m.appeal for m in filed if m.appeal.reply]
    assert len(answered) == 1 and answered[0].is_public
    assert answered[0].status in (Status.REPLIED, Status.REVIEWING)
    coming = Booking.objects.filter(slot__reception__status=ReceptionStatus.SCHEDULED)
    assert (
        coming.count() == 3
        and coming.filter(anonymous=True, booked_by__username="dispatcher").count() == 1
    )
    page = client.get(f"/outreach/contact-points/{point.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert "生猪调运检疫证明办理慢" in text and answered[0].tracking_number in text
    assert "张德旺" not in text and "13907310011" not in text
    assert demo.contact_point_demo(now=days[0].created_at) is None  # a second run: nothing
    assert ContactPoint.objects.count() == 1
