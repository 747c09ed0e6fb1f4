"""Who reaches which page, and what public pages never show."""

import pytest

from lianxin.appeals import services
from lianxin.appeals.models import Status

from .appeals_helpers import fast_passwords  # noqa: F401 - autouse fixture

pytestmark = pytest.mark.django_db

PAGES = {
    "/dispatch/": {"dispatcher", "admin"},
    "/workbench/": {"vet_handler", "vet_leader", "env_handler", "street_handler"},
    "/supervision/": {"supervisor", "dispatcher", "admin"},
}


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(
    "username",
    [
        "dispatcher",
        "vet_handler",
        "vet_leader",
        "env_handler",
        "street_handler",
        "supervisor",
        "inspector",
        "admin",
        "citizen",
    ],
)
def test_staff_pages_open_only_for_their_roles(client, people, path, username):
    client.force_login(people[username])
    response = client.get(path)
    assert response.status_code == (200 if username in PAGES[path] else 403)


@pytest.mark.parametrize("path", PAGES)
def test_staff_pages_send_strangers_to_the_login(client, district, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_public_pages_never_show_names_or_phone_numbers(client, people, categories):
    appeal, _ = services.appeal_submit(
        title="河道发臭",
        content="东湖边河道发臭",
        category=categories["noise"],
        is_public=True,
        contact_name="赵小明",
        contact_phone="13912345678",
    )
    services.appeal_dispatch(
        appeal=appeal, unit=categories["noise"].default_unit, actor=people["dispatcher"]
    )
    for path in ("/portal/", "/board/", "/"):
        page = client.get(path, follow=True).content.decode()
        assert "河道发臭" in page
        assert "赵小明" not in page and "13912345678" not in page and "5678" not in page


def test_private_appeals_stay_off_the_board(client, categories):
    services.appeal_submit(title="私人事项", content="不公开", is_public=False)
    assert "私人事项" not in client.get("/board/").content.decode()


def test_the_detail_page_is_hidden_from_units_it_does_not_concern(client, people, categories):
    appeal, _ = services.appeal_submit(
        title="夜间施工", content="工地夜间施工", category=categories["noise"]
    )
    services.appeal_dispatch(
        appeal=appeal, unit=categories["noise"].default_unit, actor=people["dispatcher"]
    )
    client.force_login(people["vet_handler"])
    assert client.get(f"/appeals/{appeal.tracking_number}/").status_code == 404
    client.force_login(people["env_handler"])
    page = client.get(f"/appeals/{appeal.tracking_number}/").content.decode()
    assert "夜间施工" in page and 'id="form-accept"' in page


def test_a_page_action_with_a_stale_version_is_refused_and_changes_nothing(
    client, people, categories
):
    appeal, _ = services.appeal_submit(title="t", content="c", category=categories["noise"])
    client.force_login(people["dispatcher"])
    url = f"/appeals/{appeal.tracking_number}/act/dispatch/"
    unit = categories["noise"].default_unit.pk
    first = client.post(url, {"unit": unit, "version": appeal.version}, follow=True)
    assert [m.level_tag for m in first.context["messages"]] == ["success"]
    second = client.post(url, {"unit": unit, "version": appeal.version}, follow=True)
    appeal.refresh_from_db()
    assert appeal.status == Status.DISPATCHED and appeal.version == 2
    assert [m.level_tag for m in second.context["messages"]] == ["error"]


@pytest.mark.django_db
def test_paging_keeps_the_filters_the_list_was_opened_with(rf):
    from django.template import Context, Template

    request = rf.get("/insight/appeals/", {"unit": "7", "state": "open", "page": "2"})
    html = Template("{% load lianxin %}{% page_url 3 %}").render(Context({"request": request}))
    assert html == "?unit=7&amp;state=open&amp;page=3"
