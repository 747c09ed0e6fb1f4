"""The one action table: every lifecycle action has its service, its page form and its API
path, so an action added to the lifecycle without one of them fails here, not in production."""

from django.urls import reverse

from lianxin.appeals.actions import ACTIONS
from lianxin.appeals.api import ACTION_VIEWS
from lianxin.appeals.lifecycle import ACTION_LABELS, ACTION_PERMS, ALLOWED_FROM
from lianxin.appeals.views import FORM_ARGUMENTS


def test_every_lifecycle_action_has_a_service_a_form_and_an_api_path():
    assert set(ACTIONS) == set(ALLOWED_FROM) == set(ACTION_PERMS) == set(FORM_ARGUMENTS)
    assert set(ACTIONS) <= set(ACTION_LABELS)
    assert set(ACTION_VIEWS) == {action.path for action in ACTIONS.values()}


def test_the_api_keeps_the_paths_its_clients_use():
    """Internally the action is `followup`; the API's address stays `follow-up`."""
    assert ACTIONS["followup"].path == "follow-up"
    assert reverse("api-appeal-follow-up", args=["X1"]) == "/api/v1/appeals/X1/follow-up/"
    assert reverse("appeals:act", args=["X1", "followup"]).endswith("/appeals/X1/act/followup/")
