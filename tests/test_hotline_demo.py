"""The demo's hotline centre: the operator signs in with the demo password and finds the calls
of the shift on the console, each outcome once or more; a second load adds nothing."""

import pytest
from django.test import Client

from lianxin.demo import DEMO_PASSWORD, load_demo
from lianxin.hotline.models import Call, Outcome


@pytest.mark.django_db(transaction=True)
def test_the_demo_operator_and_the_shifts_calls(demo):
    assert ("operator", "operator", "12345热线中心") in demo
    outcomes = sorted(Call.objects.values_list("outcome", flat=True))
    assert outcomes.count(Outcome.ANSWERED) == 2
    assert Outcome.CREATED in outcomes and Outcome.ADDED in outcomes
    assert all(c.seconds and c.seconds > 0 for c in Call.objects.all())
    client = Client()
    assert client.login(username="operator", password=DEMO_PASSWORD)
    page = client.get("/hotline/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "坐席工作台" in page and "直接答复" in page
    before = Call.objects.count()
    load_demo(appeals=60)
    assert Call.objects.count() == before
