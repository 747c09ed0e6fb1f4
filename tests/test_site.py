"""Site-wide behaviour: error pages, where each role lands, the admin's titles."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client
from django.urls import get_resolver
from django.utils import translation

from .appeals_helpers import fast_passwords  # noqa: F401 - autouse fixture


def site_page(response) -> str:
    """The body of a page in the site's layout, in Chinese (the default language)."""
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body
    assert 'class="top"' in body and "/submit/" in body  # the site's header and navigation
    return body


@pytest.mark.django_db
def test_an_unknown_address_answers_the_sites_404_in_chinese_with_a_way_home(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = site_page(response)
    assert "页面不存在" in body and 'href="/"' in body
    assert "Not Found" not in body


@pytest.mark.django_db
def test_the_403_page_gives_the_reason_when_there_is_one(rf, people):
    request = rf.get("/somewhere/")
    request.user = people["citizen"]
    handler = get_resolver().resolve_error_handler(403)
    with translation.override("zh-hans"):
        body = site_page(handler(request, PermissionDenied("只有纪检员可以打开举报。")))
        # Without a message, a general one.
        response = handler(request, PermissionDenied())
    assert "无权访问" in body and "只有纪检员可以打开举报。" in body and 'href="/"' in body
    assert response.status_code == 403 and "您无权打开此页面。" in site_page(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url, reason",
    [
        ("/dispatch/", "The dispatcher console is for dispatchers."),
        ("/workbench/", "The workbench is for handlers and unit leaders."),
        (
            "/evaluation/leaders/",
            "This page is for leaders, supervisors, the organisation department "
            "and administrators.",
        ),
        ("/insight/hot/", "Hot issues are for dispatchers, leaders and supervisors."),
        ("/supervision/cases/", "The case pages are for inspectors."),
    ],
)
def test_an_app_view_refuses_in_the_sites_layout_with_its_reason(client, people, url, reason):
    # A bare HttpResponseForbidden left the person on a blank page without a way back.
    client.force_login(people["citizen"])
    response = client.get(url)
    assert response.status_code == 403
    body = site_page(response)
    with translation.override("zh-hans"):
        translated = translation.gettext(reason)
    assert translated != reason and translated in body
    assert "无权访问" in body and 'href="/"' in body


@pytest.mark.django_db
def test_a_bad_request_answers_the_sites_400_page(client):
    response = client.get("/", HTTP_HOST="elsewhere.example")  # not an allowed host
    assert response.status_code == 400
    assert "请求有误" in site_page(response)


def test_the_500_page_renders_without_the_database_or_a_request_context(rf):
    # No `db` fixture: any database access here fails the test.
    handler = get_resolver().resolve_error_handler(500)
    with translation.override("zh-hans"):  # as LocaleMiddleware leaves it for the handler
        response = handler(rf.get("/"))
    assert response.status_code == 500
    body = site_page(response)
    assert "出错了" in body and 'href="/"' in body


def test_the_400_handler_answers_a_suspicious_request(rf):
    handler = get_resolver().resolve_error_handler(400)
    with translation.override("zh-hans"):
        response = handler(rf.get("/"), SuspiciousOperation("bad"))
    assert response.status_code == 400 and "请求有误" in site_page(response)


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_answers_the_sites_page(district):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    body = site_page(response)
    assert "表单已过期" in body and "CSRF" not in body


LANDINGS = {
    "dispatcher": "/dispatch/",
    "vet_handler": "/workbench/",
    "vet_leader": "/workbench/",
    "supervisor": "/supervision/",
    "inspector": "/supervision/cases/",
    "orgdept": "/evaluation/appraisal/",
    "admin": "/admin/",
    "citizen": "/portal/",
}


@pytest.fixture
def everyone(people, district):
    from lianxin.core.models import Role

    from .conftest import make_user

    return {**people, "orgdept": make_user("orgdept", Role.ORGDEPT, district["root"])}


@pytest.mark.django_db
@pytest.mark.parametrize("username", LANDINGS)
def test_each_role_lands_on_its_own_work_after_login(client, everyone, username):
    response = client.post(
        "/login/", {"username": username, "password": f"pw-{username}"}, follow=True
    )
    assert response.redirect_chain[-1][0] == LANDINGS[username]
    assert response.status_code == 200


@pytest.mark.django_db
def test_login_goes_where_the_person_was_going(client, everyone):
    response = client.post(
        "/login/?next=/notifications/",
        {"username": "inspector", "password": "pw-inspector", "next": "/notifications/"},
    )
    assert response.url == "/notifications/"


@pytest.mark.django_db
def test_the_admin_site_is_titled_for_lianxin(client, people):
    client.force_login(people["admin"])
    body = client.get("/admin/").content.decode()
    assert "<title>站点管理 | 连心 管理</title>" in body
    assert "连心 管理" in body and "Django" not in body


def test_every_app_in_the_admin_has_a_chinese_name():
    from django.contrib import admin

    from .browser import untranslated_words

    apps = {model._meta.app_config for model in admin.site._registry}
    with translation.override("zh-hans"):
        names = {app.label: str(app.verbose_name) for app in apps}
    # The admin shows app names in capitals: "GEOREPORT" is as foreign as "GeoReport".
    untranslated = {
        label: name
        for label, name in names.items()
        if untranslated_words(name.upper()) or not any("\u4e00" <= ch <= "\u9fff" for ch in name)
    }
    assert untranslated == {}


@pytest.mark.django_db
def test_the_admin_lists_built_in_permissions_in_the_pages_language(client, people):
    client.force_login(people["admin"])
    body = client.get(f"/admin/auth/user/{people['citizen'].pk}/change/").content.decode()
    assert "基础管理 | 单位 | 添加" in body
    assert "Can add unit" not in body


@pytest.mark.django_db
def test_the_audit_log_and_notifications_read_in_chinese_in_the_admin(client, people, categories):
    from lianxin.core.models import Notification

    from .appeals_helpers import events_of as appeal_events
    from .appeals_helpers import submit

    appeal = submit()  # writes an audit event: submitted
    Notification.objects.create(
        channel="inapp",
        recipient=people["dispatcher"],
        subject="新诉求",
        body="有一件新诉求待派单。",
        status="sent",
    )
    client.force_login(people["admin"])
    with translation.override("zh-hans"):
        audit = client.get("/admin/core/auditevent/").content.decode()
        notifications = client.get("/admin/core/notification/").content.decode()
    assert "原状态" in audit and "新状态" in audit and "对象类型" in audit
    assert ">已提交<" in audit or "待派单" in audit  # the appeal's state, not "submitted"
    assert ">submitted<" not in audit
    event = appeal_events(appeal)[0]
    with translation.override("zh-hans"):
        one = client.get(f"/admin/core/auditevent/{event.pk}/change/").content.decode()
    assert "新状态" in one and ">submitted<" not in one
    assert "发送渠道" in notifications and "接收人" in notifications


@pytest.fixture
def named_actions():
    from lianxin.core import audit

    saved = dict(audit.ACTION_LABELS)
    yield audit.audit_action_labels
    audit.ACTION_LABELS.clear()
    audit.ACTION_LABELS.update(saved)


@pytest.mark.django_db
def test_the_audit_log_names_each_action_as_its_app_named_it(
    client, people, categories, named_actions
):
    from .appeals_helpers import events_of, submit

    named_actions({"submit": "群众提交"})
    appeal = submit()
    client.force_login(people["admin"])
    body = client.get("/admin/core/auditevent/").content.decode()
    assert body.count("群众提交") >= 2  # in the list and in its filter
    assert ">submit<" not in body
    event = events_of(appeal)[0]
    assert str(event).startswith(f"#{event.pk} 群众提交 ")  # titles and breadcrumbs


def test_every_page_forbids_inline_script_and_framing(client, db):
    policy = client.get("/portal/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_no_template_carries_inline_script():
    """The policy would block it in the browser: behaviours live in static files (site.js)."""
    import re
    from pathlib import Path

    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=\"|javascript:", re.I)
    found = [
        f"{path}: {m.group(0)}"
        for path in Path("lianxin").rglob("*.html")
        for m in inline.finditer(path.read_text())
        if "application/json" not in m.group(0)
    ]
    assert found == []
