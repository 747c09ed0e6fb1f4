"""The error codes evaluation's refusals carry, beyond core's own (`invalid`, `not_found`,
`permission_denied`, `invalid_transition`, `conflict`, `rate_limited`). The values are API
contract: clients, pages and tests match on them, so they never change. The comment after
each says when it is given."""

from enum import StrEnum


class Code(StrEnum):
    # indicators
    INVALID_YEAR = "invalid_year"
    NO_INDICATORS = "no_indicators"
    INVALID_INDICATOR = "invalid_indicator"
    WEIGHTS_NOT_100 = "weights_not_100"
    SCHEME_FROZEN = "scheme_frozen"
    DRAFT_EXISTS = "draft_exists"
    NOT_DRAFT = "not_draft"
    RESULTS_EXIST = "results_exist"
    FUTURE_YEAR = "future_year"
    NO_PUBLISHED_SCHEME = "no_published_scheme"
    NO_UNITS = "no_units"
    MEASURE_UNAVAILABLE = "measure_unavailable"
    NO_DATA = "no_data"
    # rankings
    INVALID_PERIOD = "invalid_period"
    INVALID_LEVEL = "invalid_level"
    # duty reports
    NOT_YOUR_UNIT = "not_your_unit"
    REPORT_EXISTS = "report_exists"
    REPORT_PUBLISHED = "report_published"
    INVALID_RATING = "invalid_rating"
    ALREADY_RATED = "already_rated"
    REPORT_NOT_PUBLISHED = "report_not_published"
    COMMENT_MODERATED = "comment_moderated"
    # inquiries
    INQUIRY_ASKER = "inquiry_asker"
    CADRE_NOT_IN_UNIT = "cadre_not_in_unit"
    INQUIRY_NOT_OPEN = "inquiry_not_open"
    # democratic appraisal
    APPRAISAL_FORBIDDEN = "appraisal_forbidden"
    CAMPAIGN_NOT_FOUND = "campaign_not_found"
    CAMPAIGN_STATE = "campaign_state"
    CAMPAIGN_INVALID = "campaign_invalid"
    CAMPAIGN_INCOMPLETE = "campaign_incomplete"
    CAMPAIGN_CLOSING_PASSED = "campaign_closing_passed"
    CAMPAIGN_NOT_OPEN = "campaign_not_open"
    CAMPAIGN_CLOSED = "campaign_closed"
    TOKEN_COUNT = "token_count"
    TOKEN_INVALID = "token_invalid"
    TOKEN_UNKNOWN = "token_unknown"
    TOKEN_USED = "token_used"
    RECIPIENTS_INVALID = "recipients_invalid"
    RECIPIENTS_EMPTY = "recipients_empty"
    RECIPIENTS_TOO_MANY = "recipients_too_many"
    RATING_INVALID = "rating_invalid"
    COMMENT_INVALID = "comment_invalid"
    COMMENT_TOO_LONG = "comment_too_long"
    BALLOT_EMPTY = "ballot_empty"
    BALLOT_STALE = "ballot_stale"
    DECISION_INVALID = "decision_invalid"
    COMMENT_NOT_FOUND = "comment_not_found"


# What each code means, for the API schema (lianxin/api_schema.py) and whoever reads it.
DESCRIPTIONS: dict[Code, str] = {
    Code.INVALID_YEAR: "A year outside 2000–2100, or one that has not begun.",
    Code.NO_INDICATORS: "A scheme without any indicator.",
    Code.INVALID_INDICATOR: "One row of a scheme is wrong (named in fields).",
    Code.WEIGHTS_NOT_100: "The weights of a scheme do not sum to 100 %.",
    Code.SCHEME_FROZEN: "A published or retired scheme version was to be edited.",
    Code.DRAFT_EXISTS: "The year already has a draft version.",
    Code.NOT_DRAFT: "Only a draft version can be published.",
    Code.RESULTS_EXIST: "The version in force was used for the year's results.",
    Code.FUTURE_YEAR: "Results asked for a year that has not begun.",
    Code.NO_PUBLISHED_SCHEME: "Results asked with no scheme in force.",
    Code.NO_UNITS: "There is no unit to assess.",
    Code.MEASURE_UNAVAILABLE: "An indicator's source cannot be read.",
    Code.NO_DATA: "No figure at all for the period asked.",
    Code.INVALID_PERIOD: "A period not written YYYY-MM, YYYY-Qn or YYYY.",
    Code.INVALID_LEVEL: "An unknown level of units.",
    Code.NOT_YOUR_UNIT: "A report for a unit the author holds no post in.",
    Code.REPORT_EXISTS: "The author already reports on that unit and year.",
    Code.REPORT_PUBLISHED: "A published report was to be changed.",
    Code.INVALID_RATING: "Stars outside 1–5.",
    Code.ALREADY_RATED: "One rating per citizen (or address) and report.",
    Code.REPORT_NOT_PUBLISHED: "A draft report was to be rated.",
    Code.COMMENT_MODERATED: "A rating's comment was moderated already.",
    Code.INQUIRY_ASKER: "An inquiry without an account lacks a name or mobile.",
    Code.CADRE_NOT_IN_UNIT: "The cadre asked holds no post in the unit.",
    Code.INQUIRY_NOT_OPEN: "An answered or withdrawn inquiry was to be moved.",
    Code.APPRAISAL_FORBIDDEN: "Only the organisation department and admins.",
    Code.CAMPAIGN_NOT_FOUND: "No such campaign.",
    Code.CAMPAIGN_STATE: "The campaign's state does not allow the action.",
    Code.CAMPAIGN_INVALID: "The campaign form has errors (named in fields).",
    Code.CAMPAIGN_INCOMPLETE: "Opening without targets or questions.",
    Code.CAMPAIGN_CLOSING_PASSED: "Opening after the closing time.",
    Code.CAMPAIGN_NOT_OPEN: "A vote before the campaign opens.",
    Code.CAMPAIGN_CLOSED: "A vote after the campaign closed.",
    Code.TOKEN_COUNT: "A number of codes outside 1–5000.",
    Code.TOKEN_INVALID: "What was typed cannot be a code.",
    Code.TOKEN_UNKNOWN: "No such code.",
    Code.TOKEN_USED: "The code has voted already.",
    Code.RECIPIENTS_INVALID: "Entries neither mobile numbers nor emails.",
    Code.RECIPIENTS_EMPTY: "Nobody to send codes to.",
    Code.RECIPIENTS_TOO_MANY: "More people than one batch allows.",
    Code.RATING_INVALID: "A ballot's rating is not 1–5 of this campaign.",
    Code.COMMENT_INVALID: "A ballot's comment is not for this campaign.",
    Code.COMMENT_TOO_LONG: "A ballot's comment is too long.",
    Code.BALLOT_EMPTY: "A ballot with nothing rated.",
    Code.BALLOT_STALE: "The questionnaire changed since the form was loaded.",
    Code.DECISION_INVALID: "Moderation other than approve or reject.",
    Code.COMMENT_NOT_FOUND: "No such appraisal comment.",
}
