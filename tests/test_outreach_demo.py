"""The outreach demo: loads twice without duplicates, leaves `cadre` pages with something
real, some pairs overdue, and the farm visit that saw sick pigs in the village's alarm."""

import pytest
from django.urls import reverse

from lianxin.core.models import AuditEvent
from lianxin.demo import DEMO_PASSWORD, load_demo
from lianxin.demo import outreach as outreach_demo
from lianxin.insight.models import Alarm, FieldReport
from lianxin.insight.tasks import analyse_new_appeals
from lianxin.outreach.models import Household, Pairing, Visit
from lianxin.outreach.selectors import overdue_pairings


def counts():
    return (
        Household.objects.count(),
        Pairing.objects.count(),
        Visit.objects.count(),
        FieldReport.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_demo_loads_twice_without_duplicates(demo):
    first = counts()
    assert first[:4] == (
        len(outreach_demo.HOUSEHOLDS) + len(outreach_demo.FARMS),
        len(outreach_demo.HOUSEHOLDS) + len(outreach_demo.FARMS),
        len(outreach_demo.VISITS) + len(outreach_demo.FARM_VISITS),
        1,
    )
    logins = load_demo(appeals=60)
    assert counts() == first
    assert ("cadre", "handler", "桥头镇") in logins


@pytest.fixture
def district_demo(demo):
    while analyse_new_appeals():  # what `make run`'s schedule does within seconds
        pass
    return demo


def test_cadre_pages_have_content(client, district_demo):
    assert client.login(username="cadre", password=DEMO_PASSWORD)
    mine = client.get(reverse("outreach:mine"))
    assert mine.status_code == 200
    page = mine.content.decode()
    for head in ("李桂兰", "陈小军", "孙志强", "刘建华"):
        assert head in page
    assert "张建国" not in page  # the farms are the vet's
    household = Household.objects.get(head_name="孙志强")
    detail = client.get(reverse("outreach:household", args=[household.pk])).content.decode()
    assert "危房改造" in detail


def test_some_pairs_are_overdue_and_the_sick_pigs_joined_the_alarm(client, district_demo):
    from django.contrib.auth import get_user_model

    leader = get_user_model().objects.get(username="leader-qiaotou")
    overdue = {p.household.head_name for p in overdue_pairings(leader)}
    assert {"陈小军", "刘建华", "吴春燕", "赵秀珍"} <= overdue
    assert not {"李桂兰", "王德福", "张建国"} & overdue
    alarm = Alarm.objects.get(kind=Alarm.Kind.CLUSTER, area__name="大湾村")
    [seen] = [r.report for r in alarm.field_reports.select_related("report")]
    assert seen.source_label == "走访：大湾村生猪养殖场（存栏320）" and seen.sick_count == 5
    assert alarm.count == alarm.members.count() + 1 == 4
    assert client.login(username="leader-vet", password=DEMO_PASSWORD)
    page = client.get(reverse("insight:alarms")).content.decode()
    assert seen.source_label in page and "13907160011" not in page
