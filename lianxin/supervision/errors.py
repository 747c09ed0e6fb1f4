"""The error codes supervision's refusals carry, beyond core's own (`invalid`, `not_found`,
`permission_denied`, `invalid_transition`, `conflict`, `rate_limited`). The values are API
contract: clients, pages and tests match on them, so they never change."""

from enum import StrEnum


class Code(StrEnum):
    # --- integrity records (廉政档案) ---
    INVALID_DECLARATION = "invalid_declaration"  # a declaration row, its year or unit is wrong
    INVALID_REPORT = "invalid_report"  # a personal-matter report row is wrong
    NOT_A_CADRE = "not_a_cadre"  # only cadres (an official role somewhere) file
    NOT_OWNER = "not_owner"  # a filing is filled in and submitted by its cadre only
    NOT_DRAFT = "not_draft"  # a submitted filing can no longer be changed by its cadre
    NOT_ALLOWED = "not_allowed"  # the rules refuse a review or a spot-check draw
    INVALID_TRANSITION = "invalid_transition"  # the filing is not in a state the act needs
    SEED_USED = "seed_used"  # this seed was already announced for the year and unit
    ALREADY_DRAWN = "already_drawn"  # a spot check is drawn once
    NOBODY_ELIGIBLE = "nobody_eligible"  # no submitted declaration to draw from yet
    # --- the reporting channel (举报) ---
    ACCUSED_REQUIRED = "accused_required"  # the report names nobody
    ACCUSED_TOO_LONG = "accused_too_long"  # who is accused: over REPORT_MAX_ACCUSED_CHARS
    ACCUSED_UNIT_UNKNOWN = "accused_unit_unknown"  # the unit chosen is not an active unit
    CONTENT_REQUIRED = "content_required"  # the report says nothing
    CONTENT_TOO_LONG = "content_too_long"  # the report is over REPORT_MAX_CONTENT_CHARS
    OCCURRED_ON = "occurred_on"  # the date of the events is malformed or in the future
    TOO_MANY_FILES = "too_many_files"  # more evidence files than REPORT_MAX_FILES
    FILE_TOO_LARGE = "file_too_large"  # an evidence file over REPORT_MAX_FILE_BYTES
    FILE_TYPE = "file_type"  # an evidence file that is not a picture, PDF or office document
    CHANNEL_UNAVAILABLE = "channel_unavailable"  # no inspector holds a key to seal it for
    PARSE_ERROR = "parse_error"  # the public API's body or one of its fields is not text
    MESSAGE_REQUIRED = "message_required"  # an empty message, reason or result
    MESSAGE_TOO_LONG = "message_too_long"  # a message over REPORT_MAX_MESSAGE_CHARS
    REASON_REQUIRED = "reason_required"  # not accepting a report needs a reason
    RESULT_REQUIRED = "result_required"  # concluding needs the result told to the reporter
    REPORT_CLOSED = "report_closed"  # a concluded or not-accepted case takes no messages
    UNKNOWN_ACTION = "unknown_action"  # a case page or key page sent an action it lacks
    # --- inspectors' keys ---
    KEY_LOCKED = "key_locked"  # the inspector's private key is not unlocked in this session
    NO_CASE_KEY = "no_case_key"  # the case's key was not yet shared with this inspector
    KEY_EXISTS = "key_exists"  # creating a keypair where one exists (replace it instead)
    NO_KEY = "no_key"  # unlocking without a keypair
    # (S105 takes these codes for passwords.)
    # the passphrase does not open the private key
    WRONG_PASSPHRASE = "wrong_passphrase"  # noqa: S105
    PASSPHRASE_TOO_SHORT = "passphrase_too_short"  # noqa: S105  (under PASSPHRASE_MIN_CHARS)
    PASSPHRASE_MISMATCH = "passphrase_mismatch"  # noqa: S105  (the two passphrases typed differ)
    CONFLICT = "conflict"  # the key was replaced between the unlock and the change
