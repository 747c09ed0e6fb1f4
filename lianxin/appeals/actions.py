"""The one table from a lifecycle action to the service that performs it, and the URL segment
the API gives it. Pages (`act/<action>/`) and the API (`/api/v1/appeals/<tn>/<path>/`) both run
actions through it; each only turns its own input (a form, a serializer's data) into the
service's arguments.

Action names are the lifecycle's (`lifecycle.py`). A few API paths differ from them
(`follow-up` for `followup`, `co-handle`, `extension`, `extension-decision`): clients use those
paths, so they stay, and are mapped here only."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .services import citizen, dispatch, handling, supervision


@dataclass(frozen=True)
class Action:
    service: Callable[..., Any]  # called with appeal=, actor=, version= and its own arguments
    path: str  # the API's URL segment


ACTIONS: dict[str, Action] = {
    "dispatch": Action(dispatch.appeal_dispatch, "dispatch"),
    "accept": Action(handling.appeal_accept, "accept"),
    "return": Action(handling.appeal_return, "return"),
    "transfer": Action(dispatch.appeal_transfer, "transfer"),
    "co_handle": Action(dispatch.appeal_co_handle, "co-handle"),
    "extension_request": Action(handling.extension_request, "extension"),
    "extension_decide": Action(handling.extension_decide, "extension-decision"),
    "reply": Action(handling.appeal_reply, "reply"),
    "review": Action(handling.appeal_review_reply, "review"),
    "followup": Action(citizen.appeal_follow_up, "follow-up"),
    "close": Action(dispatch.appeal_close, "close"),
    "merge": Action(dispatch.appeal_merge, "merge"),
    "withdraw": Action(citizen.appeal_withdraw, "withdraw"),
    "supervise": Action(supervision.appeal_supervise, "supervise"),
}
