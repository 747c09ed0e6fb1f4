"""The action forms of the appeal page: a refused action shows the form that was sent again,
open, with every choice and text kept and the message beside the field it is about; nothing is
stored. (The review form's fault was found in the browser: tests/test_journey_leader.py.)"""

import re

import pytest

from lianxin.appeals import services
from lianxin.appeals.models import Extension, Status
from lianxin.core.models import AuditEvent

from .appeals_helpers import (  # noqa: F401 - fast_passwords is an autouse fixture
    appeal_in,
    fast_passwords,
    fresh,
)

pytestmark = pytest.mark.django_db

LOW = "您好！您的来信已收悉，正在处理。"  # scores below the threshold: held for review
LONG = "很" * 1001


def _held(people, district):
    appeal = appeal_in(Status.HANDLING, people, district)
    return services.appeal_reply(appeal=appeal, actor=people["vet_handler"], text=LOW)


def _extension_pending(people, district):
    appeal = appeal_in(Status.HANDLING, people, district)
    services.extension_request(
        appeal=appeal, actor=people["vet_handler"], days=5, reason="需现场勘查"
    )
    return appeal


def _form(html: str, action: str) -> str:
    match = re.search(
        rf'<details open><summary>.*?<form [^>]*id="form-{action}".*?</form>', html, re.S
    )
    assert match, f"form-{action} is not shown open"
    return match.group(0)


def _error_beside(form: str, name: str) -> str:
    """The message right after the field `name` (after its last radio button), before any
    other field of the form."""
    tail = form[form.rindex(f'name="{name}"') :]
    match = re.search(r'<div class="error" role="alert">(.*?)</div>', tail, re.S)
    assert match and 'name="' not in tail[len(f'name="{name}"') : match.start()], (
        f"no message beside {name}"
    )
    return match.group(1)


# action, state the appeal is in (or a setup), who acts, what is posted, the field in error,
# and what must still be in the form as it was typed or chosen.
CASES = {
    "dispatch-no-unit": ("dispatch", Status.SUBMITTED, "dispatcher", {"unit": ""}, "unit", []),
    "return-no-reason": (
        "return",
        Status.DISPATCHED,
        "vet_handler",
        {"reason": "   "},
        "reason",
        [],
    ),
    "transfer-no-unit": (
        "transfer",
        Status.HANDLING,
        "dispatcher",
        {"unit": "", "reason": "属环保职责"},
        "unit",
        ["属环保职责</textarea>"],
    ),
    "transfer-same-unit": (
        "transfer",
        Status.HANDLING,
        "dispatcher",
        {"unit": "vet", "reason": "重新转办"},
        "unit",
        ["重新转办</textarea>", "selected>畜牧兽医局"],
    ),
    "transfer-no-reason": (
        "transfer",
        Status.HANDLING,
        "dispatcher",
        {"unit": "env", "reason": ""},
        "reason",
        ["selected>生态环境局"],
    ),
    "co-handle-none": ("co_handle", Status.HANDLING, "vet_handler", {}, "units", []),
    "extension-too-long": (
        "extension_request",
        Status.HANDLING,
        "vet_handler",
        {"days": "45", "reason": "需现场勘查"},
        "days",
        ['value="45"', "需现场勘查</textarea>"],
    ),
    "extension-no-reason": (
        "extension_request",
        Status.HANDLING,
        "vet_handler",
        {"days": "7", "reason": ""},
        "reason",
        ['value="7"'],
    ),
    "extension-decision-long-note": (
        "extension_decide",
        _extension_pending,
        "supervisor",
        {"approve": "no", "reason": LONG},
        "reason",
        ['value="no" checked', LONG + "</textarea>"],
    ),
    "reply-empty": ("reply", Status.HANDLING, "vet_handler", {"text": ""}, "text", []),
    "review-reject-no-reason": (
        "review",
        _held,
        "vet_leader",
        {"approve": "no", "reason": ""},
        "reason",
        ['value="no" checked'],
    ),
    "followup-no-satisfaction": (
        "followup",
        Status.REPLIED,
        "dispatcher",
        {"resolved": "no", "comment": "还是不亮"},
        "satisfaction",
        ['value="no" checked', "还是不亮</textarea>"],
    ),
    "close-no-reason": ("close", Status.REPLIED, "dispatcher", {"reason": ""}, "reason", []),
    "merge-unknown": (
        "merge",
        Status.HANDLING,
        "dispatcher",
        {"master": "2025000"},
        "master",
        ['value="2025000"'],
    ),
    "withdraw-long-reason": (
        "withdraw",
        Status.HANDLING,
        "dispatcher",
        {"reason": LONG},
        "reason",
        [LONG + "</textarea>"],
    ),
    "supervise-no-note": ("supervise", Status.HANDLING, "supervisor", {"note": ""}, "note", []),
}


@pytest.mark.parametrize("case", CASES)
def test_a_refused_action_shows_its_form_again_with_the_message_beside_the_field(
    client, people, district, case
):
    action, state, who, data, field, kept = CASES[case]
    appeal = state(people, district) if callable(state) else appeal_in(state, people, district)
    appeal = fresh(appeal)
    events = AuditEvent.objects.count()
    units = {"vet": district["vet"].pk, "env": district["env"].pk}
    data = {k: units.get(v, v) if k == "unit" else v for k, v in data.items()}
    client.force_login(people[who])

    response = client.post(
        f"/appeals/{appeal.tracking_number}/act/{action}/", {**data, "version": appeal.version}
    )

    assert response.status_code == 400
    form = _form(response.content.decode(), action)
    assert _error_beside(form, field).strip()
    for text in kept:
        assert text in form
    assert fresh(appeal).version == appeal.version and fresh(appeal).status == appeal.status
    assert AuditEvent.objects.count() == events
    # Only the form that was sent is open.
    assert response.content.decode().count("<details open>") == 1


def test_a_stale_form_says_so_inside_the_form_that_was_sent(client, people, district):
    appeal = appeal_in(Status.DISPATCHED, people, district)
    stale = appeal.version
    services.appeal_co_handle(appeal=appeal, units=[district["env"]], actor=people["dispatcher"])
    client.force_login(people["vet_handler"])

    response = client.post(f"/appeals/{appeal.tracking_number}/act/accept/", {"version": stale})

    assert response.status_code == 409
    assert '<div class="error" role="alert">' in _form(response.content.decode(), "accept")
    assert fresh(appeal).status == Status.DISPATCHED


def test_an_action_no_longer_possible_goes_back_to_the_page_with_a_message(
    client, people, district
):
    appeal = appeal_in(Status.HANDLING, people, district)
    services.extension_request(appeal=appeal, actor=people["vet_handler"], days=5, reason="勘查")
    client.force_login(people["vet_handler"])

    response = client.post(
        f"/appeals/{appeal.tracking_number}/act/extension_request/",
        {"days": "5", "reason": "再次申请", "version": fresh(appeal).version},
        follow=True,
    )

    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert Extension.objects.filter(appeal=appeal).count() == 1


def test_the_pages_own_forms_submit_to_the_server_for_its_messages(client, people, district):
    """The browser's own bubbles vanish and are in English on some systems: the server checks."""
    appeal = appeal_in(Status.DISPATCHED, people, district)
    client.force_login(people["vet_handler"])
    html = client.get(f"/appeals/{appeal.tracking_number}/").content.decode()
    forms = re.findall(r'<form method="post" action="/appeals/[^"]+/act/[^"]+"[^>]*>', html)
    assert forms and all("novalidate" in f for f in forms)


def test_a_successful_action_still_goes_back_to_the_page(client, people, district):
    appeal = appeal_in(Status.DISPATCHED, people, district)
    client.force_login(people["vet_handler"])
    response = client.post(
        f"/appeals/{appeal.tracking_number}/act/accept/", {"version": appeal.version}
    )
    assert response.status_code == 302
    assert fresh(appeal).status == Status.HANDLING
