"""我的诉求: a citizen signed in by SMS code sees every appeal filed with their number by any
channel and no one else's, withdraws (two tabs: one wins) and rates them, downloads a copy of
their data, and deletes their account, which erases their contact details from the appeals."""

import json
import re
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client

from lianxin.appeals.models import Appeal, Channel, FollowUp, Status
from lianxin.core import sms
from lianxin.core.models import AuditEvent, CitizenAccount, Notification
from lianxin.core.phones import phone_keys

from .appeals_helpers import (  # noqa: F401 - fast_passwords is an autouse fixture
    appeal_in,
    events_of,
    fast_passwords,
    fresh,
    submit,
)
from .test_concurrency import race

PHONE = "13812345678"
OTHER = "13900001111"


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.SMS_BACKEND = "lianxin.core.sms.MemorySmsBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def signed_in(phone: str = PHONE) -> Client:
    """A browser session signed in through the pages, the code read from the SMS outbox."""
    client = Client()
    assert client.post("/my/signin/", {"step": "phone", "phone": phone}).status_code == 200
    code = re.search(r"\d{6}", [t for p, t in sms.outbox if p == phone][-1]).group()
    response = client.post("/my/signin/", {"step": "code", "phone": phone, "code": code})
    assert response.status_code == 302, response.content.decode()
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_every_channel_and_only_this_number(people, district, categories):
    by_phone = submit(title="路灯不亮", contact_phone="138 1234 5678", channel=Channel.PHONE)
    by_open311 = submit(title="井盖缺失", contact_phone="+86 13812345678", channel=Channel.OPEN311)
    finished = appeal_in(Status.CLOSED, people, district, title="噪音扰民", contact_phone=PHONE)
    someone_else = submit(title="别人的诉求", contact_phone=OTHER)
    client = signed_in()
    text = page(client, "/my/")
    for mine in (by_phone, by_open311, finished):
        assert mine.tracking_number in text
    assert someone_else.tracking_number not in text and "别人的诉求" not in text
    # Unfinished first, then the newest.
    order = re.findall(r'data-tn="(\d+)"', text)
    assert order == [by_open311.tracking_number, by_phone.tracking_number, finished.tracking_number]
    assert "已收到，正在派给承办单位。" in text and "将在" in text
    # Another number's appeal: not found, exactly as one that does not exist.
    assert client.get(f"/my/appeals/{someone_else.tracking_number}/").status_code == 404
    assert client.get("/my/appeals/000000000000000/").status_code == 404
    assert "路灯不亮" in page(client, f"/my/appeals/{by_phone.tracking_number}/")
    # The other number sees only its own.
    text = page(signed_in(OTHER), "/my/")
    assert someone_else.tracking_number in text and by_phone.tracking_number not in text


@pytest.mark.django_db
def test_the_pages_are_for_citizens_signed_in_by_code(people):
    assert Client().get("/my/")["Location"] == "/my/signin/?next=%2Fmy%2F"
    staff = Client()
    staff.force_login(people["dispatcher"])
    assert staff.get("/my/account/")["Location"].startswith("/my/signin/")
    assert staff.get("/my/export.json")["Location"].startswith("/my/signin/")


@pytest.mark.django_db
def test_the_lookup_reads_the_index(settings):
    """A million appeals: the citizen's are found through the index on the lookup key."""
    from lianxin.appeals.selectors import citizen_appeals

    sql, params = citizen_appeals(None, phone_keys(PHONE)).query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "contact_phone_key" in plan, plan


@pytest.mark.django_db
def test_withdraw_from_the_page_is_the_citizens_audited_act(people, district):
    appeal = submit(contact_phone=PHONE, channel=Channel.PHONE)
    replied = appeal_in(Status.REPLIED, people, district, contact_phone=PHONE)
    client = signed_in()
    url = f"/my/appeals/{appeal.tracking_number}/"
    assert "撤回我的诉求" in page(client, url)
    response = client.post(url, {"action": "withdraw", "version": appeal.version}, follow=True)
    assert "您的诉求已撤回。" in response.content.decode()
    assert fresh(appeal).status == Status.WITHDRAWN
    event = events_of(appeal)[-1]
    account = CitizenAccount.objects.get()
    assert (event.action, event.actor_id, event.actor_label) == (
        "withdraw",
        account.user_id,
        "citizen",
    )
    # An answered appeal is no longer withdrawn: it is rated.
    url = f"/my/appeals/{replied.tracking_number}/"
    assert "撤回我的诉求" not in page(client, url)
    response = client.post(url, {"action": "withdraw", "version": replied.version}, follow=True)
    assert "无法撤回" in response.content.decode()
    assert fresh(replied).status == Status.REPLIED


@pytest.mark.django_db
def test_rating_from_the_page(people, district):
    replied = appeal_in(Status.REPLIED, people, district, contact_phone=PHONE)
    client = signed_in()
    url = f"/my/appeals/{replied.tracking_number}/"
    assert "评价" in page(client, url)
    client.post(
        url,
        {
            "action": "followup",
            "version": replied.version,
            "resolved": "yes",
            "satisfaction": "satisfied",
            "comment": "修好了，谢谢。",
        },
    )
    followup = FollowUp.objects.get(appeal=replied)
    assert (followup.by, followup.satisfaction, followup.comment) == (
        "citizen",
        "satisfied",
        "修好了，谢谢。",
    )
    assert fresh(replied).status == Status.CLOSED


@pytest.mark.django_db(transaction=True)
def test_two_tabs_withdraw_at_once_one_wins():
    appeal = submit(contact_phone=PHONE, channel=Channel.PHONE)
    first, second = signed_in(), signed_in()
    url = f"/my/appeals/{appeal.tracking_number}/"
    form = {"action": "withdraw", "version": appeal.version}
    results = race(lambda: first.post(url, form), lambda: second.post(url, form))
    assert all(getattr(r, "status_code", None) == 302 for r in results), results
    assert fresh(appeal).status == Status.WITHDRAWN
    assert [e.action for e in events_of(appeal)].count("withdraw") == 1
    said = [
        [str(m) for m in response.wsgi_request._messages]  # what each tab is shown next
        for response in results
    ]
    assert sorted(len(s) for s in said) == [1, 1]
    flat = [s[0] for s in said]
    assert "您的诉求已撤回。" in flat
    # The loser is told the appeal moved on (stale version), or that it is withdrawn already.
    assert any("刚刚有了变化" in m or "无法撤回" in m for m in flat), flat


def _export(client: Client, fmt: str):
    response = client.get(f"/my/export.{fmt}")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return response.content


@pytest.mark.django_db
def test_the_copy_of_their_data(people, district):
    closed = appeal_in(
        Status.CLOSED, people, district, title="噪音扰民", contact_phone=PHONE, contact_name="张三"
    )
    submit(title="别人的诉求", contact_phone=OTHER)
    client = signed_in()
    data = json.loads(_export(client, "json"))
    assert [a["tracking_number"] for a in data["appeals"]] == [closed.tracking_number]
    appeal = data["appeals"][0]
    assert appeal["contact_name"] == "张三" and appeal["contact_phone"] == PHONE
    assert appeal["reply"].startswith("您好") and appeal["status"] == "已办结"
    assert appeal["ratings"][0]["satisfaction"] == "满意"
    assert [s["step"] for s in appeal["progress"]][0] == "已提交"
    assert data["account"]["created_at"]

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(_export(client, "xlsx")))
    assert book.sheetnames == ["账号", "诉求", "评价", "办理进度"]
    rows = list(book["诉求"].values)
    assert rows[0][0] == "受理编号" and rows[1][0] == closed.tracking_number
    assert "噪音扰民" in rows[1] and PHONE in rows[1]
    assert "别人的诉求" not in json.dumps([list(r) for r in rows], default=str)
    events = AuditEvent.objects.filter(action="citizen_data_export").order_by("id")
    assert [e.data for e in events] == [
        {"format": "json", "appeals": 1},
        {"format": "xlsx", "appeals": 1},
    ]
    assert PHONE not in json.dumps([e.data for e in AuditEvent.objects.all()])


@pytest.mark.django_db
def test_deleting_the_account_erases_the_contact_details_and_keeps_the_record(people, district):
    open_one = submit(contact_phone=PHONE, contact_name="张三", channel=Channel.PHONE)
    closed = appeal_in(
        Status.CLOSED,
        people,
        district,
        contact_phone=PHONE,
        contact_name="张三",
        contact_email="zhangsan@example.net",
    )
    assert Notification.objects.filter(address=PHONE).exists()  # told of the reply
    client = signed_in()
    account = CitizenAccount.objects.get()
    user = account.user

    # With an unfinished appeal: refused, with what to do, and nothing changed.
    text = page(client, "/my/account/")
    assert "1 件诉求尚未办完" in text and 'id="delete-account"' not in text
    response = client.post("/my/delete/", {"confirm": "yes"}, follow=True)
    assert "尚未办结" in response.content.decode()
    assert CitizenAccount.objects.exists() and fresh(closed).contact_phone == PHONE

    # Withdrawn, then deleted.
    client.post(
        f"/my/appeals/{open_one.tracking_number}/",
        {"action": "withdraw", "version": open_one.version},
    )
    assert 'id="delete-account"' in page(client, "/my/account/")
    response = client.post("/my/delete/", {"confirm": "yes"}, follow=True)
    assert "您的账号已注销" in response.content.decode()
    assert not CitizenAccount.objects.exists()
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password()
    for appeal in (fresh(open_one), fresh(closed)):
        assert (appeal.contact_name, appeal.contact_phone, appeal.contact_email) == ("", "", "")
        assert appeal.contact_phone_key == "" and appeal.submitted_by_id is None
        assert appeal.title and appeal.content  # the record stays
        assert events_of(appeal)[-1].action == "contact_erase"
    assert fresh(closed).reply and FollowUp.objects.filter(appeal=closed).exists()
    assert not Notification.objects.filter(address__in=[PHONE, "zhangsan@example.net"]).exists()
    assert Appeal.objects.filter(contact_phone=PHONE).count() == 0
    deleted = AuditEvent.objects.get(action="citizen_account_delete")
    assert deleted.object_id == str(account.pk) and PHONE not in json.dumps(deleted.data)
    # Signed out, everywhere: the session no longer signs anyone in.
    assert client.get("/my/")["Location"].startswith("/my/signin/")
    # Signing in again with the number makes a new, empty account.
    text = page(signed_in(), "/my/")
    assert open_one.tracking_number not in text and closed.tracking_number not in text
    assert CitizenAccount.objects.get().user_id != user.pk


@pytest.mark.django_db
def test_deleting_needs_the_box_ticked():
    submit(contact_phone=PHONE)
    client = signed_in()
    response = client.post("/my/delete/", {}, follow=True)
    assert "请勾选确认框" in response.content.decode()
    assert CitizenAccount.objects.exists()


@pytest.mark.django_db
def test_the_signin_page_errors_are_chinese_and_keep_the_number(outbox, settings):
    client = Client()
    response = client.post("/my/signin/", {"step": "phone", "phone": "1381234"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "请输入 11 位手机号码" in text and 'value="1381234"' in text
    client.post("/my/signin/", {"step": "phone", "phone": PHONE})
    code = re.search(r"\d{6}", outbox[-1][1]).group()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = client.post("/my/signin/", {"step": "code", "phone": PHONE, "code": wrong})
    assert response.status_code == 400
    assert "验证码不正确" in response.content.decode()
    assert f'name="phone" value="{PHONE}"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.ratelimit
def test_asking_again_too_soon_is_refused_on_the_page_in_chinese(outbox, settings):
    settings.CITIZEN_CODE_RESEND_SECONDS = 60
    client = Client()
    assert client.post("/my/signin/", {"step": "phone", "phone": PHONE}).status_code == 200
    response = client.post("/my/signin/", {"step": "phone", "phone": PHONE})
    assert response.status_code == 429
    assert "获取验证码过于频繁，请稍等一会儿再试。" in response.content.decode()
    assert len(outbox) == 1
    # The same answer for a number with appeals: nothing to learn from it.
    submit(contact_phone=OTHER)
    client.post("/my/signin/", {"step": "phone", "phone": OTHER})
    again = client.post("/my/signin/", {"step": "phone", "phone": OTHER})
    assert again.status_code == 429
    said = re.compile(r'<p class="error" id="signin-error" role="alert">(.*?)</p>')
    assert said.findall(again.content.decode()) == said.findall(response.content.decode())


@pytest.mark.django_db
def test_a_signed_in_citizen_going_to_the_signin_page_lands_on_their_appeals():
    client = signed_in()
    assert client.get("/my/signin/")["Location"] == "/my/"


@pytest.mark.django_db
def test_appeals_taken_in_before_the_lookup_key_get_it_from_the_migration():
    import importlib

    from django.apps import apps

    from lianxin.core.phones import phone_key

    migration = importlib.import_module(
        "lianxin.appeals.migrations.0013_contact_phone_key_backfill"
    )
    older = [submit(contact_phone="+86 138 1234 5678"), submit(contact_phone=OTHER), submit()]
    Appeal.objects.update(contact_phone_key="")
    migration.backfill(apps, None)
    assert [fresh(a).contact_phone_key for a in older] == [phone_key(PHONE), phone_key(OTHER), ""]
    assert page(signed_in(), "/my/").count("data-tn=") == 1


@pytest.fixture
def rotation(monkeypatch):
    from lianxin.core import keys

    def rotate(current: str, old: str = ""):
        monkeypatch.setenv("LIANXIN_KEY_PHONE_INDEX", current)
        monkeypatch.setenv("LIANXIN_KEY_PHONE_INDEX_OLD", old)
        keys.forget_keys()

    yield rotate
    keys.forget_keys()


@pytest.mark.django_db
def test_after_a_key_rotation_the_account_and_the_older_appeals_are_still_found(rotation):
    from lianxin.core.phones import phone_key

    rotation("first-key")
    before = submit(title="轮换前的诉求", contact_phone=PHONE)
    signed_in()
    account = CitizenAccount.objects.get()
    rotation("second-key", old="first-key")
    after = submit(title="轮换后的诉求", contact_phone=PHONE)
    assert fresh(before).contact_phone_key != fresh(after).contact_phone_key
    text = page(signed_in(), "/my/")
    assert before.tracking_number in text and after.tracking_number in text
    # The same account, its key brought up to the current one.
    assert CitizenAccount.objects.get().pk == account.pk
    assert CitizenAccount.objects.get().phone_key == phone_key(PHONE)
