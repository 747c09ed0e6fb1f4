"""The error codes supervision's refusals carry, beyond core's own (`invalid`, `not_found`,
`permission_denied`, `invalid_transition`, `conflict`, `rate_limited`). The values are API
contract: clients, pages and tests match on them, so they never change."""

from enum import StrEnum


class Code(StrEnum):
    # --- integrity records (廉政档案) ---
    INVALID_DECLARATION = "invalid_declaration"
    INVALID_REPORT = "invalid_report"
    NOT_A_CADRE = "not_a_cadre"
    NOT_OWNER = "not_owner"
    NOT_DRAFT = "not_draft"
    NOT_ALLOWED = "not_allowed"
    INVALID_TRANSITION = "invalid_transition"
    SEED_USED = "seed_used"
    ALREADY_DRAWN = "already_drawn"
    NOBODY_ELIGIBLE = "nobody_eligible"
    # --- the reporting channel (举报) ---
    ACCUSED_REQUIRED = "accused_required"
    ACCUSED_TOO_LONG = "accused_too_long"
    ACCUSED_UNIT_UNKNOWN = "accused_unit_unknown"
    CONTENT_REQUIRED = "content_required"
    CONTENT_TOO_LONG = "content_too_long"
    OCCURRED_ON = "occurred_on"
    TOO_MANY_FILES = "too_many_files"
    FILE_TOO_LARGE = "file_too_large"
    FILE_TYPE = "file_type"
    CHANNEL_UNAVAILABLE = "channel_unavailable"
    PARSE_ERROR = "parse_error"
    MESSAGE_REQUIRED = "message_required"
    MESSAGE_TOO_LONG = "message_too_long"
    REASON_REQUIRED = "reason_required"
    RESULT_REQUIRED = "result_required"
    REPORT_CLOSED = "report_closed"
    UNKNOWN_ACTION = "unknown_action"
    # --- inspectors' keys ---
    KEY_LOCKED = "key_locked"
    NO_CASE_KEY = "no_case_key"
    KEY_EXISTS = "key_exists"
    NO_KEY = "no_key"
    # (S105 takes these codes for passwords.)
    # the passphrase does not open the private key
    WRONG_PASSPHRASE = "wrong_passphrase"
    PASSPHRASE_TOO_SHORT = "passphrase_too_short"
    PASSPHRASE_MISMATCH = "passphrase_mismatch"
    CONFLICT = "conflict"


# What each code means, for the API schema (lianxin/api_schema.py) and whoever reads it.
DESCRIPTIONS: dict[Code, str] = {
    Code.INVALID_DECLARATION: "A declaration row, its year or unit is wrong.",
    Code.INVALID_REPORT: "A personal-matter report row is wrong.",
    Code.NOT_A_CADRE: "Only cadres (an official role somewhere) file.",
    Code.NOT_OWNER: "A filing is filled in and submitted by its cadre only.",
    Code.NOT_DRAFT: "A submitted filing can no longer be changed by its cadre.",
    Code.NOT_ALLOWED: "The rules refuse a review or a spot-check draw.",
    Code.INVALID_TRANSITION: "The filing is not in a state the act needs.",
    Code.SEED_USED: "This seed was already announced for the year and unit.",
    Code.ALREADY_DRAWN: "A spot check is drawn once.",
    Code.NOBODY_ELIGIBLE: "No submitted declaration to draw from yet.",
    Code.ACCUSED_REQUIRED: "The report names nobody.",
    Code.ACCUSED_TOO_LONG: "Who is accused: over REPORT_MAX_ACCUSED_CHARS.",
    Code.ACCUSED_UNIT_UNKNOWN: "The unit chosen is not an active unit.",
    Code.CONTENT_REQUIRED: "The report says nothing.",
    Code.CONTENT_TOO_LONG: "The report is over REPORT_MAX_CONTENT_CHARS.",
    Code.OCCURRED_ON: "The date of the events is malformed or in the future.",
    Code.TOO_MANY_FILES: "More evidence files than REPORT_MAX_FILES.",
    Code.FILE_TOO_LARGE: "An evidence file over REPORT_MAX_FILE_BYTES.",
    Code.FILE_TYPE: "An evidence file that is not a picture, PDF or office document.",
    Code.CHANNEL_UNAVAILABLE: "No inspector holds a key to seal it for.",
    Code.PARSE_ERROR: "The public API's body or one of its fields is not text.",
    Code.MESSAGE_REQUIRED: "An empty message, reason or result.",
    Code.MESSAGE_TOO_LONG: "A message over REPORT_MAX_MESSAGE_CHARS.",
    Code.REASON_REQUIRED: "Not accepting a report needs a reason.",
    Code.RESULT_REQUIRED: "Concluding needs the result told to the reporter.",
    Code.REPORT_CLOSED: "A concluded or not-accepted case takes no messages.",
    Code.UNKNOWN_ACTION: "A case page or key page sent an action it lacks.",
    Code.KEY_LOCKED: "The inspector's private key is not unlocked in this session.",
    Code.NO_CASE_KEY: "The case's key was not yet shared with this inspector.",
    Code.KEY_EXISTS: "Creating a keypair where one exists (replace it instead).",
    Code.NO_KEY: "Unlocking without a keypair.",
    Code.WRONG_PASSPHRASE: "The inspector's passphrase does not unlock their key.",
    Code.PASSPHRASE_TOO_SHORT: "A new passphrase shorter than PASSPHRASE_MIN_CHARS.",
    Code.PASSPHRASE_MISMATCH: "The two passphrases typed differ.",
    Code.CONFLICT: "The key was replaced between the unlock and the change.",
}
