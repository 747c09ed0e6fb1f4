"""The evaluation pages in a real browser, where their faults showed: a 民主评议 vote is
recorded (the ballot page's privacy header must not break CSRF), and nothing on the ballot
page tells another site where the visitor came from."""

from datetime import timedelta

import pytest
from django.utils import timezone

from lianxin.core.models import Role
from lianxin.evaluation import services
from lianxin.evaluation.appraisal import token_display
from lianxin.evaluation.models import (
    AppraisalCampaign,
    AppraisalInvitation,
    AppraisalQuestion,
    AppraisalTally,
    AppraisalTarget,
)
from tests.browser import PHONE, assert_clean, open_page
from tests.conftest import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def open_campaign(district):
    orgdept = make_user("orgdept", Role.ORGDEPT, district["root"])
    now = timezone.now()
    c = AppraisalCampaign.objects.create(
        name="部门民主评议",
        year=now.year,
        kind="units",
        created_by=orgdept,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
    )
    AppraisalTarget.objects.create(campaign=c, unit=district["vet"], order=0)
    AppraisalQuestion.objects.create(campaign=c, order=1, kind="rating", text="工作作风")
    services.appraisal_campaign_open(campaign=c, actor=orgdept)
    tokens = services.appraisal_tokens_issue(campaign=c, count=2, actor=orgdept)
    return c, tokens


def test_a_vote_is_recorded_and_the_ballot_page_leaks_no_referrer(
    chromium, live_server, open_campaign
):
    campaign, (token, _other) = open_campaign
    page = open_page(chromium, live_server, viewport=PHONE)
    page.goto(f"{live_server.url}/evaluation/appraisal/vote/")
    page.fill("#token", token_display(token))
    page.click("#token-form button[type=submit]")
    page.wait_for_selector("#ballot")
    # Another site linked from this page learns nothing about it, not even our address.
    seen = {}

    def elsewhere(route, request):
        seen["referer"] = request.headers.get("referer")
        route.fulfill(status=200, body="ok")

    other = open_page(chromium, live_server, viewport=PHONE)
    other.context.route("http://elsewhere.test/**", elsewhere)
    other.goto(f"{live_server.url}/evaluation/appraisal/vote/")
    other.evaluate("""() => { const a = document.createElement('a');
        a.href = 'http://elsewhere.test/x'; a.id = 'out'; a.textContent = 'out';
        document.body.append(a); }""")
    other.click("#out")
    other.wait_for_url("http://elsewhere.test/x")
    assert seen == {"referer": None}

    page.locator("#ballot .stars label").first.click()  # 5 stars
    page.click("#cast")
    page.wait_for_selector("#vote-done")
    assert AppraisalTally.objects.get(campaign=campaign).c5 == 1
    assert AppraisalInvitation.objects.filter(campaign=campaign, used=True).count() == 1
    assert_clean(page)


def test_a_code_in_the_links_fragment_fills_the_field_and_leaves_the_address(
    chromium, live_server, open_campaign
):
    """A message link carries the code after '#', which is never sent to the server: the page
    puts it in the field and drops it from the address bar."""
    _campaign, (token, _other) = open_campaign
    page = open_page(chromium, live_server, viewport=PHONE)
    page.goto(f"{live_server.url}/evaluation/appraisal/vote/#t={token}")
    page.wait_for_function("document.getElementById('token').value !== ''")
    assert page.input_value("#token") == token
    assert "#" not in page.url
    assert_clean(page)
