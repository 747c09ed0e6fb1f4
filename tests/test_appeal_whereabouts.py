"""An appeal that moved out of a user's sight: whoever had it in hand or was told of it learns
where it went and when (in the site's layout, nothing of its content); anyone else gets 404."""

import pytest
from django.utils import timezone

from lianxin.appeals import services
from lianxin.appeals.models import Status
from lianxin.core.access import may

from .appeals_helpers import (  # noqa: F401 - fast_passwords is an autouse fixture
    CONTACT,
    appeal_in,
    fast_passwords,
    fresh,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def transferred(people, district):
    """Accepted by the vet unit, then transferred by the dispatcher to the environment unit."""
    appeal = appeal_in(Status.HANDLING, people, district, **CONTACT)
    services.appeal_transfer(
        appeal=appeal, unit=district["env"], actor=people["dispatcher"], reason="属环保职责"
    )
    return fresh(appeal)


def _when(appeal) -> str:
    return timezone.localtime(appeal.dispatched_at).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("who", ["vet_handler", "vet_leader"])
def test_the_former_unit_is_told_where_the_appeal_went(client, people, transferred, who):
    client.force_login(people[who])
    response = client.get(f"/appeals/{transferred.tracking_number}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "生态环境局" in page and _when(transferred) in page
    assert 'href="/workbench/"' in page  # the site's layout, and a way back
    for private in (transferred.title, transferred.content, "张三", "5678", "属环保职责"):
        assert private not in page


def test_a_form_sent_after_the_transfer_says_where_it_went_and_changes_nothing(
    client, people, transferred
):
    client.force_login(people["vet_handler"])
    response = client.post(
        f"/appeals/{transferred.tracking_number}/act/reply/",
        {"text": "已处理", "version": transferred.version},
    )
    assert response.status_code == 200 and "生态环境局" in response.content.decode()
    assert fresh(transferred).status == Status.DISPATCHED and fresh(transferred).reply == ""


def test_a_unit_notified_to_co_handle_learns_the_appeal_was_returned(client, people, district):
    appeal = appeal_in(Status.DISPATCHED, people, district)
    services.appeal_co_handle(appeal=appeal, units=[district["env"]], actor=people["dispatcher"])
    services.appeal_return(appeal=appeal, actor=people["vet_handler"], reason="不属本单位职责")
    client.force_login(people["env_handler"])
    response = client.get(f"/appeals/{appeal.tracking_number}/")
    assert response.status_code == 200
    assert "12345" in response.content.decode() and appeal.title not in response.content.decode()


@pytest.mark.parametrize("who", ["env_handler", "inspector", "citizen"])
def test_whoever_never_had_it_still_gets_not_found(client, people, district, who):
    appeal = appeal_in(Status.HANDLING, people, district)
    services.appeal_transfer(
        appeal=appeal, unit=district["street"], actor=people["dispatcher"], reason="属街道职责"
    )
    client.force_login(people[who])
    assert client.get(f"/appeals/{appeal.tracking_number}/").status_code == 404


def test_the_whereabouts_rule(people, transferred):
    allowed = {
        who for who, user in people.items() if may(user, "appeals.view_whereabouts", transferred)
    }
    # The vet unit had it; the environment unit was notified of the transfer.
    assert allowed == {"vet_handler", "vet_leader", "env_handler"}  # no superuser pass


def test_an_unknown_number_is_not_found(client, people, district):
    client.force_login(people["vet_handler"])
    assert client.get("/appeals/20250101000000/").status_code == 404
