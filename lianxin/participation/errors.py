"""The participation app's error codes (API contract: the values never change)."""

from enum import StrEnum


class Code(StrEnum):
    NOTICE_CLOSED = "notice_closed"
    NOTICE_NOT_STARTED = "notice_not_started"
    PERIOD_RUNNING = "comment_period_running"
    PERIOD_TOO_SHORT = "comment_period_too_short"
    UNANSWERED = "comments_unanswered"
    ALREADY_ANSWERED = "already_answered"
    ALREADY_HIDDEN = "already_hidden"
    BAD_PARAGRAPH = "bad_paragraph"
    MATERIALS_TOO_LATE = "materials_too_late"
    HEARING_NOT_OPEN = "hearing_not_open"
    BAD_QUOTAS = "bad_quotas"
    DRAW_IMPOSSIBLE = "draw_impossible"
    STEP_OUT_OF_ORDER = "step_out_of_order"
    STEP_TOO_SHORT = "step_too_short"
    STEP_INCOMPLETE = "step_incomplete"
    NOT_PUBLISHED = "decision_not_published"
    CORRECTION_ANSWERED = "correction_answered"
    NOTICE_FINAL = "notice_final"
    PERIOD_NOT_EXTENDED = "comment_period_not_extended"
    NOTHING_CHANGED = "nothing_changed"
    ATTACHMENT_REMOVED = "attachment_removed"


DESCRIPTIONS = {
    Code.NOTICE_CLOSED: "The notice's comment period is over or the notice is closed.",
    Code.NOTICE_NOT_STARTED: "The notice's comment period has not begun.",
    Code.PERIOD_RUNNING: "The notice cannot close before its comment period ends.",
    Code.PERIOD_TOO_SHORT: "A major decision's comment period under 30 days without a reason "
    "(art. 15).",
    Code.UNANSWERED: "The notice cannot close while a comment or group has no answer (art. 32).",
    Code.ALREADY_ANSWERED: "The comment or group already has its answer.",
    Code.ALREADY_HIDDEN: "The comment is already hidden.",
    Code.BAD_PARAGRAPH: "The paragraph is not part of this notice.",
    Code.MATERIALS_TOO_LATE: "Hearing materials must be public at least 7 days before (art. 16).",
    Code.HEARING_NOT_OPEN: "The hearing no longer takes applications or was already drawn.",
    Code.BAD_QUOTAS: "The quotas do not add up to the hearing's seats.",
    Code.DRAW_IMPOSSIBLE: "More seats than applicants, or a quota larger than its category.",
    Code.STEP_OUT_OF_ORDER: "A decision step before the steps the regulation puts first.",
    Code.STEP_TOO_SHORT: "A step shorter than the regulation's minimum (legality review: 7 "
    "working days, art. 26).",
    Code.STEP_INCOMPLETE: "A step without what the regulation requires it to record.",
    Code.NOT_PUBLISHED: "Milestones and corrections follow a published decision.",
    Code.CORRECTION_ANSWERED: "The correction request already has its answer.",
    Code.NOTICE_FINAL: "A closed notice's text, files and dates can no longer be changed.",
    Code.PERIOD_NOT_EXTENDED: "A correction may only move the closing date later, into the future.",
    Code.NOTHING_CHANGED: "The correction changes nothing.",
    Code.ATTACHMENT_REMOVED: "The attachment was already removed.",
}
