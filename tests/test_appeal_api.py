"""The REST API of appeals (/api/v1/): public intake and tracking, the officials' lifecycle
actions, lists and details that respect permissions, and the API's error shape."""

import json
from datetime import datetime

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from lianxin.appeals import services
from lianxin.appeals.models import Appeal, Category, Extension, FollowUp, Status
from lianxin.core.calendar import LOCAL
from lianxin.core.models import AuditEvent

from .appeals_helpers import (  # noqa: F401 - fast_passwords is an autouse fixture
    CONTACT,
    GOOD_REPLY,
    MONDAY_10,
    appeal_in,
    events_of,
    fast_passwords,
    fresh,
    submit,
    walk,
)

pytestmark = pytest.mark.django_db

APPEALS = "/api/v1/appeals/"
TRACK = "/api/v1/appeals/track/"
VALID = {"title": "楼道灯坏了", "content": "三单元楼道的灯坏了一周。"}


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def login(people):
    """An APIClient authenticated with a token obtained from /api/v1/auth/token/."""
    clients: dict[str, APIClient] = {}

    def as_(username: str) -> APIClient:
        if username not in clients:
            client = APIClient()
            response = client.post(
                "/api/v1/auth/token/",
                {"username": username, "password": f"pw-{username}"},
                format="json",
            )
            assert response.status_code == 200, response.content
            client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
            clients[username] = client
        return clients[username]

    return as_


def counts() -> tuple[int, int]:
    return Appeal.objects.count(), AuditEvent.objects.count()


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body.get("code"), str) and body["code"]
    assert isinstance(body.get("detail"), str) and body["detail"]
    if code is not None:
        assert body["code"] == code, body
    return body


# --- Token --------------------------------------------------------------------------------


def test_a_token_is_issued_for_the_right_password_only(api, people):
    good = api.post(
        "/api/v1/auth/token/",
        {"username": "dispatcher", "password": "pw-dispatcher"},
        format="json",
    )
    assert good.status_code == 200
    assert len(good.json()["token"]) == 40
    bad = api.post(
        "/api/v1/auth/token/", {"username": "dispatcher", "password": "wrong"}, format="json"
    )
    assert bad.status_code == 400
    assert "token" not in bad.json()


def test_the_officials_endpoints_need_authentication(api, people, district):
    appeal = appeal_in(Status.DISPATCHED, people, district)
    assert api.get(APPEALS).status_code in (401, 403)
    assert api.get(f"{APPEALS}{appeal.tracking_number}/").status_code in (401, 403)
    response = api.post(f"{APPEALS}{appeal.tracking_number}/accept/", {}, format="json")
    assert response.status_code in (401, 403)
    assert fresh(appeal).status == Status.DISPATCHED


# --- Public intake ------------------------------------------------------------------------


def test_submit_answers_201_with_tracking_number_query_code_status_and_deadlines(api, district):
    with time_machine.travel(MONDAY_10, tick=False):
        response = api.post(APPEALS, {**VALID, **CONTACT}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert body["query_code"] == services.query_code_for(body["tracking_number"])
    assert datetime.fromisoformat(body["deadlines"]["contact"]) == datetime(
        2025, 3, 4, 10, tzinfo=LOCAL
    )
    assert datetime.fromisoformat(body["deadlines"]["handling"]) == datetime(
        2025, 3, 12, 17, tzinfo=LOCAL
    )
    appeal = Appeal.objects.get(tracking_number=body["tracking_number"])
    assert appeal.channel == "api"
    assert appeal.contact_phone == CONTACT["contact_phone"]
    # The answer to the citizen does not echo personal data back.
    assert CONTACT["contact_phone"] not in response.content.decode()


def test_an_idempotency_key_retry_returns_the_same_appeal_and_creates_no_second_row(api, district):
    first = api.post(APPEALS, VALID, format="json", HTTP_IDEMPOTENCY_KEY="retry-7f3a")
    assert first.status_code == 201
    before = counts()
    again = api.post(APPEALS, VALID, format="json", HTTP_IDEMPOTENCY_KEY="retry-7f3a")
    assert again.status_code == 200
    assert again.json()["tracking_number"] == first.json()["tracking_number"]
    assert again.json()["query_code"] == first.json()["query_code"]
    assert counts() == before == (1, 1)
    other = api.post(APPEALS, VALID, format="json", HTTP_IDEMPOTENCY_KEY="another-key")
    assert other.status_code == 201
    assert counts() == (2, 2)


def test_an_idempotency_key_reused_for_other_content_reveals_nothing(api, district):
    first = api.post(APPEALS, VALID, format="json", HTTP_IDEMPOTENCY_KEY="shared-key")
    assert first.status_code == 201
    before = counts()
    guess = api.post(
        APPEALS, {**VALID, "content": "别的内容"}, format="json", HTTP_IDEMPOTENCY_KEY="shared-key"
    )
    assert guess.status_code == 409
    assert guess.json()["code"] == "idempotency_mismatch"
    assert first.json()["query_code"] not in guess.content.decode()
    assert first.json()["tracking_number"] not in guess.content.decode()
    assert counts() == before


@pytest.mark.parametrize(
    "payload",
    [
        {**VALID, "title": ""},
        {**VALID, "title": "标" * 201},
        {**VALID, "content": "字" * 5001},
        {**VALID, "contact_phone": "12345"},
        {**VALID, "category": "no-such-category"},
        {**VALID, "title": ["楼道灯坏了"]},
        {**VALID, "title": {"zh": "楼道灯坏了"}},
        {**VALID, "content": ["a", "b"]},
        {**VALID, "urgency": "whenever"},
        {"content": "没有标题"},
    ],
    ids=[
        "empty-title",
        "201-char-title",
        "5001-char-content",
        "bad-phone",
        "unknown-category",
        "title-list",
        "title-dict",
        "content-list",
        "bad-urgency",
        "missing-title",
    ],
)
def test_bad_input_is_a_4xx_json_error_and_writes_nothing(api, district, categories, payload):
    before = counts()
    body = assert_error(api.post(APPEALS, payload, format="json"), 400, "invalid")
    assert counts() == before
    assert "fields" in body


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b'{"title": "x", "content": ', "application/json"),
        (b"\xff\xfe\x00garbage\x81", "application/json"),
        (b"title=x&content=y\x00\xff", "application/json"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "text/plain"),
        (b"<xml>not json</xml>", "application/xml"),
        (b'["a list", "not an object"]', "application/json"),
        (b'"just a string"', "application/json"),
        (b"null", "application/json"),
    ],
    ids=[
        "truncated-json",
        "binary-as-json",
        "form-as-json",
        "binary-text-plain",
        "xml",
        "json-list",
        "json-string",
        "json-null",
    ],
)
def test_a_malformed_or_non_json_body_is_a_4xx_json_error_and_writes_nothing(
    api, district, raw, content_type
):
    before = counts()
    response = api.generic("POST", APPEALS, raw, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)
    assert counts() == before


MARKUP = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_markup_submitted_through_the_api_is_stored_as_text(api, district):
    response = api.post(APPEALS, {"title": MARKUP, "content": f"正文{MARKUP}"}, format="json")
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get(tracking_number=response.json()["tracking_number"])
    assert appeal.title == MARKUP
    assert appeal.content == f"正文{MARKUP}"


def test_markup_is_escaped_in_the_tracking_page_and_the_staff_page(district, people):
    appeal = submit(title=MARKUP, content=f"正文{MARKUP}", contact_name=MARKUP[:50])
    walk(appeal, Status.HANDLING, people, district)
    appeal = services.appeal_reply(appeal=appeal, actor=people["vet_handler"], text=MARKUP)
    tn, code = appeal.tracking_number, services.query_code_for(appeal.tracking_number)

    page = Client().post("/track/", {"tracking_number": tn, "query_code": code})
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count(ESCAPED) >= 3  # title, content, reply
    assert MARKUP not in html

    staff = Client()
    staff.force_login(people["dispatcher"])
    page = staff.get(f"/appeals/{tn}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count(ESCAPED) >= 4  # title, content, contact name, reply
    assert MARKUP not in html


def test_error_detail_follows_accept_language(api, district, categories):
    payload = {**VALID, "category": "no-such-category"}
    en = assert_error(api.post(APPEALS, payload, format="json", HTTP_ACCEPT_LANGUAGE="en"), 400)
    assert en["detail"] == "Category: Unknown category: no-such-category"
    zh = assert_error(
        api.post(APPEALS, payload, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"), 400
    )
    assert zh["code"] == en["code"] == "invalid"
    assert zh["detail"] == "分类：未知的分类：no-such-category"


# --- Public tracking ----------------------------------------------------------------------


def track(client, tn: str, code: str, **extra):
    return client.get(TRACK, {"tracking_number": tn}, HTTP_X_QUERY_CODE=code, **extra)


def test_the_query_code_never_travels_in_the_address(api, district):
    appeal = submit()
    code = services.query_code_for(appeal.tracking_number)
    response = api.get(TRACK, {"tracking_number": appeal.tracking_number, "query_code": code})
    assert_error(response, 400, "code_in_url")
    body = {"tracking_number": appeal.tracking_number, "query_code": code}
    assert api.post(TRACK, body, format="json").status_code == 200
    assert track(api, appeal.tracking_number, code).status_code == 200


def test_the_access_log_never_holds_a_query_code_or_a_receipt():
    from gunicorn.config import Config

    from lianxin.deploy.gunicorn_logging import PrivateAccessLogger

    lines = []
    config = Config()
    config.set("accesslog", "-")
    logger = PrivateAccessLogger(config)
    logger.access_log.info = lambda fmt, atoms: lines.append(fmt % atoms)

    class Resp:
        status, sent, headers = "404 Not Found", 0, []

    class Req:
        headers = []

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/api/v1/appeals/track/",
        "QUERY_STRING": "tracking_number=202611291234567&query_code=042137",
        "RAW_URI": "/api/v1/appeals/track/?tracking_number=202611291234567&query_code=042137",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.1",
    }
    logger.access(Resp(), Req(), environ, __import__("datetime").timedelta(seconds=0.01))
    assert lines and "042137" not in " ".join(lines)
    assert "202611291234567" in " ".join(lines)


def test_tracking_shows_status_and_the_public_timeline_without_personal_data(api, district, people):
    appeal = submit(**CONTACT, address="东湖社区3栋")
    walk(appeal, Status.DISPATCHED, people, district)
    services.appeal_return(appeal=appeal, actor=people["vet_handler"], reason="内部：非本单位")
    walk(appeal, Status.HANDLING, people, district)
    services.appeal_supervise(appeal=appeal, actor=people["supervisor"], note="内部督办意见")
    response = track(api, appeal.tracking_number, services.query_code_for(appeal.tracking_number))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "handling"
    assert body["unit"] == district["vet"].name
    assert [e["action"] for e in body["timeline"]] == ["submit", "dispatch", "dispatch", "accept"]
    text = json.dumps(body, ensure_ascii=False)
    for private in (
        "张三",
        "13812345678",
        "5678",
        "zhangsan@example.net",
        "内部",
        "dispatcher",
        "vet_handler",
        "supervisor",
    ):
        assert private not in text


def test_a_wrong_query_code_is_answered_like_an_unknown_tracking_number(api, district):
    appeal = submit()
    code = services.query_code_for(appeal.tracking_number)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    by_code = assert_error(track(api, appeal.tracking_number, wrong), 404, "not_found")
    by_number = assert_error(track(api, "209901010000000", code), 404, "not_found")
    assert by_code == by_number


def test_ten_wrong_codes_lock_out_the_guesser_not_the_citizen(api, district):
    appeal = submit()
    code = services.query_code_for(appeal.tracking_number)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    other = submit()
    guesser = {"REMOTE_ADDR": "203.0.113.9"}
    for _ in range(10):
        assert_error(track(api, appeal.tracking_number, wrong, **guesser), 404, "not_found")
    # The guesser is locked out, of this appeal and of every other, even with a right code.
    assert_error(track(api, appeal.tracking_number, code, **guesser), 429, "rate_limited")
    other_code = services.query_code_for(other.tracking_number)
    assert_error(track(api, other.tracking_number, other_code, **guesser), 429, "rate_limited")
    # Tracking numbers are public: the citizen, elsewhere, is not locked out by the guesser.
    assert track(api, appeal.tracking_number, code).status_code == 200


@pytest.mark.ratelimit
def test_public_submissions_are_rate_limited(api, district, settings):
    settings.PUBLIC_SUBMIT_RATE = "3/hour"
    for _ in range(3):
        assert api.post(APPEALS, VALID, format="json").status_code == 201
    assert_error(api.post(APPEALS, VALID, format="json"), 429, "rate_limited")
    assert Appeal.objects.count() == 3


@pytest.mark.ratelimit
def test_a_forged_forwarded_for_header_does_not_reset_the_submit_limit(api, district, settings):
    # No proxy is configured in front of this server (REST_FRAMEWORK has no NUM_PROXIES), so
    # the client's own X-Forwarded-For must not decide who the client is.
    settings.PUBLIC_SUBMIT_RATE = "3/hour"
    for _ in range(3):
        assert api.post(APPEALS, VALID, format="json").status_code == 201
    for n in range(3):
        response = api.post(APPEALS, VALID, format="json", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        assert_error(response, 429, "rate_limited")
    assert Appeal.objects.count() == 3


def test_the_citizen_rates_a_reply_with_tracking_number_and_code(api, district, people):
    appeal = appeal_in(Status.REPLIED, people, district)
    code = services.query_code_for(appeal.tracking_number)
    url = f"{TRACK}follow-up/"
    payload = {
        "tracking_number": appeal.tracking_number,
        "resolved": True,
        "satisfaction": "basic",
        "comment": "还行",
    }
    assert_error(
        api.post(
            url, {**payload, "query_code": "000000" if code != "000000" else "1"}, format="json"
        ),
        404,
        "not_found",
    )
    assert fresh(appeal).status == Status.REPLIED
    response = api.post(url, {**payload, "query_code": code}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed"
    followup = FollowUp.objects.get(appeal=appeal)
    assert (followup.by, followup.satisfaction, followup.comment) == ("citizen", "basic", "还行")
    # A second rating of a closed appeal is not a valid transition.
    assert_error(
        api.post(url, {**payload, "query_code": code}, format="json"), 409, "invalid_transition"
    )


def test_the_citizen_withdraws_with_tracking_number_and_code(api, district, people):
    appeal = appeal_in(Status.DISPATCHED, people, district)
    code = services.query_code_for(appeal.tracking_number)
    url = f"{TRACK}withdraw/"
    assert_error(
        api.post(
            url, {"tracking_number": appeal.tracking_number, "query_code": "x"}, format="json"
        ),
        404,
        "not_found",
    )
    response = api.post(
        url,
        {"tracking_number": appeal.tracking_number, "query_code": code, "reason": "已自行解决"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn"
    event = events_of(appeal)[-1]
    assert (event.action, event.actor_label, event.reason) == ("withdraw", "citizen", "已自行解决")


# --- Officials' actions -------------------------------------------------------------------


def _master_at_vet(people, district) -> str:
    return appeal_in(Status.DISPATCHED, people, district, title="主诉求").tracking_number


def _pending_extension(appeal, people, district):
    services.extension_request(appeal=appeal, actor=people["vet_handler"], days=3, reason="检测")


# action: (state, right role, body, wrong role that sees it, role that does not see it,
#          a state where the action is not possible, state after, audit action, set-up)
ACTIONS = {
    "dispatch": (
        Status.SUBMITTED,
        "dispatcher",
        lambda p, d: {"unit": d["vet"].pk},
        "supervisor",
        "vet_handler",
        Status.HANDLING,
        Status.DISPATCHED,
        "dispatch",
        None,
    ),
    "accept": (
        Status.DISPATCHED,
        "vet_handler",
        lambda p, d: {},
        "supervisor",
        "env_handler",
        Status.HANDLING,
        Status.HANDLING,
        "accept",
        None,
    ),
    "return": (
        Status.DISPATCHED,
        "vet_handler",
        lambda p, d: {"reason": "不属本单位"},
        "supervisor",
        "env_handler",
        Status.HANDLING,
        Status.SUBMITTED,
        "return",
        None,
    ),
    "transfer": (
        Status.DISPATCHED,
        "dispatcher",
        lambda p, d: {"unit": d["env"].pk, "reason": "属环保"},
        "vet_handler",
        "env_handler",
        Status.REPLIED,
        Status.DISPATCHED,
        "transfer",
        None,
    ),
    "co-handle": (
        Status.HANDLING,
        "vet_handler",
        lambda p, d: {"units": [d["env"].pk]},
        "supervisor",
        "env_handler",
        Status.REPLIED,
        Status.HANDLING,
        "co_handle",
        None,
    ),
    "extension": (
        Status.HANDLING,
        "vet_handler",
        lambda p, d: {"days": 3, "reason": "检测"},
        "supervisor",
        "env_handler",
        Status.DISPATCHED,
        Status.HANDLING,
        "extension_request",
        None,
    ),
    "extension-decision": (
        Status.HANDLING,
        "supervisor",
        lambda p, d: {"approve": True},
        "vet_handler",
        "env_handler",
        Status.REPLIED,
        Status.HANDLING,
        "extension_approve",
        _pending_extension,
    ),
    "reply": (
        Status.HANDLING,
        "vet_handler",
        lambda p, d: {"text": GOOD_REPLY},
        "supervisor",
        "env_handler",
        Status.DISPATCHED,
        Status.REPLIED,
        "reply",
        None,
    ),
    "follow-up": (
        Status.REPLIED,
        "dispatcher",
        lambda p, d: {"resolved": True, "satisfaction": "satisfied"},
        "vet_handler",
        "env_handler",
        Status.HANDLING,
        Status.CLOSED,
        "followup",
        None,
    ),
    "close": (
        Status.REPLIED,
        "dispatcher",
        lambda p, d: {"reason": "联系不上"},
        "vet_handler",
        "env_handler",
        Status.HANDLING,
        Status.CLOSED,
        "close",
        None,
    ),
    "merge": (
        Status.DISPATCHED,
        "dispatcher",
        lambda p, d: {"master": _master_at_vet(p, d)},
        "vet_handler",
        "env_handler",
        Status.CLOSED,
        Status.MERGED,
        "merge",
        None,
    ),
    "withdraw": (
        Status.DISPATCHED,
        "dispatcher",
        lambda p, d: {"reason": "重复"},
        "vet_handler",
        "env_handler",
        Status.REPLIED,
        Status.WITHDRAWN,
        "withdraw",
        None,
    ),
    "supervise": (
        Status.HANDLING,
        "supervisor",
        lambda p, d: {"note": "请抓紧办理"},
        "vet_handler",
        "env_handler",
        Status.REPLIED,
        Status.HANDLING,
        "supervise",
        None,
    ),
}


def _prepared(action, people, district, state=None):
    default_state, *_, setup = ACTIONS[action]
    appeal = appeal_in(state or default_state, people, district, **CONTACT)
    if setup is not None and state is None:
        setup(appeal, people, district)
    return fresh(appeal)


def _post(client, appeal, action, body):
    return client.post(f"{APPEALS}{appeal.tracking_number}/{action}/", body, format="json")


@pytest.mark.parametrize("action", list(ACTIONS))
def test_an_action_works_for_the_right_role(login, people, district, action):
    _, right, body, _, _, _, after, audit_action, _ = ACTIONS[action]
    appeal = _prepared(action, people, district)
    response = _post(
        login(right), appeal, action, {**body(people, district), "version": appeal.version}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == after
    assert data["version"] == appeal.version + 1
    assert data["tracking_number"] == appeal.tracking_number
    assert fresh(appeal).status == after
    event = events_of(appeal)[-1]
    assert (event.action, event.actor) == (audit_action, people[right])
    if action == "extension":
        assert Extension.objects.get(appeal=appeal).decision == "pending"
    if action == "extension-decision":
        assert fresh(appeal).handling_deadline > appeal.handling_deadline


@pytest.mark.parametrize("action", list(ACTIONS))
def test_an_action_by_a_wrong_role_that_sees_the_appeal_is_403(login, people, district, action):
    _, _, body, wrong, _, _, _, _, _ = ACTIONS[action]
    appeal = _prepared(action, people, district)
    client = login(wrong)
    assert client.get(f"{APPEALS}{appeal.tracking_number}/").status_code == 200  # sees it
    before = len(events_of(appeal))
    assert_error(_post(client, appeal, action, body(people, district)), 403, "permission_denied")
    assert fresh(appeal).version == appeal.version
    assert len(events_of(appeal)) == before


@pytest.mark.parametrize("action", list(ACTIONS))
def test_an_action_by_someone_who_cannot_see_the_appeal_is_404(login, people, district, action):
    _, _, body, _, blind, _, _, _, _ = ACTIONS[action]
    appeal = _prepared(action, people, district)
    client = login(blind)
    assert client.get(f"{APPEALS}{appeal.tracking_number}/").status_code == 404
    assert_error(_post(client, appeal, action, body(people, district)), 404, "not_found")
    assert fresh(appeal).version == appeal.version


@pytest.mark.parametrize("action", list(ACTIONS))
def test_an_action_in_the_wrong_state_is_409_invalid_transition(login, people, district, action):
    _, right, body, _, _, bad_state, _, _, _ = ACTIONS[action]
    appeal = _prepared(action, people, district, state=bad_state)
    before = len(events_of(appeal))
    assert_error(
        _post(login(right), appeal, action, body(people, district)), 409, "invalid_transition"
    )
    assert fresh(appeal).status == bad_state
    assert len(events_of(appeal)) == before


@pytest.mark.parametrize("action", list(ACTIONS))
def test_an_action_with_a_stale_version_is_409_conflict(login, people, district, action):
    state, right, body, *_ = ACTIONS[action]
    appeal = _prepared(action, people, district)
    if appeal.version == 1:  # a new appeal: someone else changes it after the caller read it
        services.appeal_supervise(appeal=appeal, actor=people["supervisor"], note="请尽快派单")
        seen, appeal = appeal.version, fresh(appeal)
    else:
        seen = appeal.version - 1
    before = len(events_of(appeal))
    response = _post(login(right), appeal, action, {**body(people, district), "version": seen})
    assert_error(response, 409, "conflict")
    assert fresh(appeal).status == state
    assert fresh(appeal).version == appeal.version
    assert len(events_of(appeal)) == before


def test_an_unknown_unit_in_an_action_is_400(login, people, district):
    appeal = appeal_in(Status.SUBMITTED, people, district)
    assert_error(_post(login("dispatcher"), appeal, "dispatch", {"unit": 999999}), 400, "invalid")
    assert_error(_post(login("dispatcher"), appeal, "dispatch", {"unit": "vet"}), 400, "invalid")
    assert fresh(appeal).status == Status.SUBMITTED


# --- Lists and details --------------------------------------------------------------------


def test_the_list_shows_only_visible_appeals_with_least_time_left_first(login, people, district):
    Category.objects.create(code="roads", name="道路", handling_days=3)
    with time_machine.travel(MONDAY_10, tick=False):
        ordinary = appeal_in(Status.DISPATCHED, people, district)  # 12 Mar
        emergency = appeal_in(Status.DISPATCHED, people, district, urgency="emergency")  # 3 Mar
        complex_ = appeal_in(Status.HANDLING, people, district, urgency="complex")  # 24 Mar
        closed = appeal_in(Status.CLOSED, people, district, urgency="emergency")  # 3 Mar
        at_env = walk(
            submit(urgency="urgent"), Status.DISPATCHED, people, district, unit=district["env"]
        )  # 4 Mar
        waiting = submit(category="roads")  # 6 Mar
    expected = {
        "vet_handler": [emergency, ordinary, complex_, closed],
        "vet_leader": [emergency, ordinary, complex_, closed],
        "env_handler": [at_env],
        "street_handler": [],
        "dispatcher": [emergency, at_env, waiting, ordinary, complex_, closed],
        "supervisor": [emergency, at_env, waiting, ordinary, complex_, closed],
        "inspector": [],
    }
    for who, appeals in expected.items():
        response = login(who).get(APPEALS)
        assert response.status_code == 200
        body = response.json()
        assert [a["tracking_number"] for a in body["results"]] == [
            a.tracking_number for a in appeals
        ], who
        assert body["count"] == len(appeals)
    row = login("vet_handler").get(APPEALS).json()["results"][0]
    assert "contact" not in row and "contact_phone" not in row


def test_the_detail_masks_contact_for_the_supervisor_only(login, people, district):
    appeal = appeal_in(Status.HANDLING, people, district, **CONTACT)
    url = f"{APPEALS}{appeal.tracking_number}/"
    for who in ("dispatcher", "vet_handler", "vet_leader"):
        contact = login(who).get(url).json()["contact"]
        assert contact == {
            "name": "张三",
            "phone": "13812345678",
            "email": "zhangsan@example.net",
            "masked": False,
        }, who
    response = login("supervisor").get(url)
    assert response.status_code == 200
    assert response.json()["contact"] == {
        "name": "张*",
        "phone": "138****5678",
        "email": "",
        "masked": True,
    }
    assert "13812345678" not in response.content.decode()
    assert "zhangsan@example.net" not in response.content.decode()


def test_the_detail_lists_the_actions_the_caller_may_take(login, people, district):
    appeal = appeal_in(Status.HANDLING, people, district)
    url = f"{APPEALS}{appeal.tracking_number}/"
    assert set(login("vet_handler").get(url).json()["actions"]) == {
        "co_handle",
        "extension_request",
        "reply",
    }
    assert set(login("supervisor").get(url).json()["actions"]) == {"supervise"}


def test_the_detail_of_an_invisible_appeal_is_404(login, people, district):
    appeal = appeal_in(Status.HANDLING, people, district)
    assert_error(login("env_handler").get(f"{APPEALS}{appeal.tracking_number}/"), 404)
    assert_error(login("inspector").get(f"{APPEALS}{appeal.tracking_number}/"), 404)


# --- Infrastructure -----------------------------------------------------------------------


def test_the_openapi_schema_describes_the_appeals_api(api):
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/appeals/" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/appeals/"]
    assert "/api/v1/appeals/{tracking_number}/accept/" in schema["paths"]


def test_healthz_reports_the_database(api, db):
    response = api.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_an_unknown_api_url_is_a_json_404(api, db):
    assert_error(api.get("/api/v1/nope/"), 404, "not_found")
    assert_error(api.post("/api/v1/nope/", {}, format="json"), 404, "not_found")
