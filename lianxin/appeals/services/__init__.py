"""Every change to an appeal: intake and each transition of the lifecycle.

Each service is atomic, checks permission and state on a row it has locked, bumps the
appeal's version (a caller passing a stale `version` gets a conflict) and writes one audit
event in the same transaction (core.transitions); notifications go out after commit.

One module per capability; this package re-exports the names other apps, tests and bench/
import from `lianxin.appeals.services`. Code inside appeals imports the module itself."""

from lianxin.core.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)

from ..lifecycle import ACTION_LABELS, ACTION_PERMS, ALLOWED_FROM
from .citizen import appeal_follow_up, appeal_withdraw, query_code_for, query_code_matches
from .common import (
    FIELD_LABELS,
    MAX_CONTENT,
    MAX_REOPENS,
    MAX_TITLE,
    clean_text,
    field_error,
)
from .dispatch import (
    appeal_close,
    appeal_co_handle,
    appeal_dispatch,
    appeal_merge,
    appeal_route,
    appeal_transfer,
)
from .handling import (
    appeal_accept,
    appeal_reply,
    appeal_return,
    appeal_review_reply,
    extension_decide,
    extension_request,
)
from .intake import PHONE_RE, appeal_submit, validated_intake
from .supervision import appeal_escalate_overdue, appeal_supervise
from .supplement import appeal_supplement

__all__ = [
    "ACTION_LABELS",
    "ACTION_PERMS",
    "ALLOWED_FROM",
    "FIELD_LABELS",
    "MAX_CONTENT",
    "MAX_REOPENS",
    "MAX_TITLE",
    "PHONE_RE",
    "Conflict",
    "InvalidInput",
    "InvalidTransition",
    "NotFound",
    "PermissionDenied",
    "appeal_accept",
    "appeal_close",
    "appeal_co_handle",
    "appeal_dispatch",
    "appeal_escalate_overdue",
    "appeal_follow_up",
    "appeal_merge",
    "appeal_reply",
    "appeal_return",
    "appeal_review_reply",
    "appeal_route",
    "appeal_submit",
    "appeal_supervise",
    "appeal_supplement",
    "appeal_transfer",
    "appeal_withdraw",
    "clean_text",
    "extension_decide",
    "extension_request",
    "field_error",
    "query_code_for",
    "query_code_matches",
    "validated_intake",
]
