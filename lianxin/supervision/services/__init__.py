"""Every write of the supervision app, one module per capability (as models/ is split):

- `integrity`: asset declarations and personal-matter reports (廉政档案), and their read log;
- `spot_checks`: the seeded, re-runnable spot-check draw;
- `reports`: the reporting channel (举报): submission, the reporter's access, messages, notes
  and the case's steps;
- `keys`: inspectors' keypairs, the report keys wrapped for them, sharing a case;
- `escalation`: the channel's daily batch audit and its overdue clocks.

Each service is atomic and audited (actions and ids, never content or amounts). This package
re-exports the names callers outside it used when it was one module; code inside the app
imports from the specific module."""

from lianxin.core.errors import (  # noqa: F401  (callers catch them as services.X)
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    RateLimited,
)

from .escalation import inspection_leads, report_escalate_overdue, reports_audit_received
from .integrity import (
    DECLARATION_ITEMS,
    MAX_ROWS,
    REPORT_ITEMS,
    declaration_lock,
    declaration_return,
    declaration_save,
    declaration_submit,
    integrity_read_record,
    personal_report_lock,
    personal_report_save,
    personal_report_submit,
)
from .keys import (
    PASSPHRASE_MIN_CHARS,
    inspector_key_change_passphrase,
    inspector_key_create,
    inspector_key_unlock,
    report_key_for,
    report_share,
    reports_share_all,
)
from .reports import (
    REPORT_MAX_ACCUSED_CHARS,
    REPORT_MAX_CONTENT_CHARS,
    REPORT_MAX_MESSAGE_CHARS,
    ReporterAccess,
    report_assess,
    report_conclude,
    report_file_read,
    report_investigate,
    report_message_add,
    report_note_add,
    report_open_by_receipt,
    report_read,
    report_status,
    report_submit,
)
from .spot_checks import spot_check_announce, spot_check_draw, spot_check_eligible

__all__ = [
    "DECLARATION_ITEMS",
    "MAX_ROWS",
    "PASSPHRASE_MIN_CHARS",
    "REPORT_ITEMS",
    "REPORT_MAX_ACCUSED_CHARS",
    "REPORT_MAX_CONTENT_CHARS",
    "REPORT_MAX_MESSAGE_CHARS",
    "Conflict",
    "InvalidInput",
    "InvalidTransition",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "ReporterAccess",
    "declaration_lock",
    "declaration_return",
    "declaration_save",
    "declaration_submit",
    "inspection_leads",
    "inspector_key_change_passphrase",
    "inspector_key_create",
    "inspector_key_unlock",
    "integrity_read_record",
    "personal_report_lock",
    "personal_report_save",
    "personal_report_submit",
    "report_assess",
    "report_conclude",
    "report_escalate_overdue",
    "report_file_read",
    "report_investigate",
    "report_key_for",
    "report_message_add",
    "report_note_add",
    "report_open_by_receipt",
    "report_read",
    "report_share",
    "report_status",
    "report_submit",
    "reports_audit_received",
    "reports_share_all",
    "spot_check_announce",
    "spot_check_draw",
    "spot_check_eligible",
]
