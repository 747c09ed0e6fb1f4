"""The appeal's lifecycle as data: which states each action may start from, the permission it
needs, and how it is named in a refusal. Services enforce it; selectors and pages read it to
offer only the actions a person may take now.

Action names are the lifecycle's own: the audit log, the page forms (`act/<action>/`) and
`appeal_actions` use them. The API's URL segments differ for a few (`follow-up`, `co-handle`,
`extension`, `extension-decision`): clients use those, so they stay, mapped in `actions.py`."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from .models import OPEN_STATES, Status

# Which states each action may start from.
ALLOWED_FROM: dict[str, list[str]] = {
    "dispatch": [Status.SUBMITTED],
    "accept": [Status.DISPATCHED, Status.REOPENED],
    "return": [Status.DISPATCHED, Status.REOPENED],
    "transfer": [Status.DISPATCHED, Status.HANDLING, Status.REOPENED],
    "co_handle": [Status.DISPATCHED, Status.HANDLING, Status.REOPENED],
    "extension_request": [Status.HANDLING],
    "extension_decide": [Status.HANDLING],
    "reply": [Status.HANDLING],
    "review": [Status.REVIEWING],
    "followup": [Status.REPLIED],
    "close": [Status.REPLIED],
    "merge": list(OPEN_STATES),
    "withdraw": list(OPEN_STATES),
    "supervise": list(OPEN_STATES),
}

ACTION_PERMS: dict[str, str] = {
    "dispatch": "appeals.dispatch_appeal",
    "accept": "appeals.handle_appeal",
    "return": "appeals.handle_appeal",
    "transfer": "appeals.dispatch_appeal",
    "co_handle": "appeals.co_handle_appeal",
    "extension_request": "appeals.handle_appeal",
    "extension_decide": "appeals.decide_extension",
    "reply": "appeals.handle_appeal",
    "review": "appeals.review_reply",
    "followup": "appeals.follow_up_appeal",
    "close": "appeals.dispatch_appeal",
    "merge": "appeals.dispatch_appeal",
    "withdraw": "appeals.dispatch_appeal",
    "supervise": "appeals.supervise_appeal",
}

# The action in a refusal: "Cannot <label> an appeal that is <status>."
ACTION_LABELS: dict[str, Promise] = {
    "submit": gettext_lazy("submit"),
    "dispatch": gettext_lazy("dispatch"),
    "accept": gettext_lazy("accept"),
    "return": gettext_lazy("return"),
    "transfer": gettext_lazy("transfer"),
    "co_handle": gettext_lazy("add co-handling units to"),
    "extension_request": gettext_lazy("request an extension for"),
    "extension_decide": gettext_lazy("decide the extension of"),
    "reply": gettext_lazy("reply to"),
    "review": gettext_lazy("review the reply to"),
    "followup": gettext_lazy("follow up"),
    "close": gettext_lazy("close"),
    "merge": gettext_lazy("merge"),
    "withdraw": gettext_lazy("withdraw"),
    "supervise": gettext_lazy("supervise"),
}
