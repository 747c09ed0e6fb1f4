"""The error codes evaluation's refusals carry, beyond core's own (`invalid`, `not_found`,
`permission_denied`, `invalid_transition`, `conflict`, `rate_limited`). The values are API
contract: clients, pages and tests match on them, so they never change. The comment after
each says when it is given."""

from enum import StrEnum


class Code(StrEnum):
    # indicators
    INVALID_YEAR = "invalid_year"  # a year outside 2000–2100, or one that has not begun
    NO_INDICATORS = "no_indicators"  # a scheme without any indicator
    INVALID_INDICATOR = "invalid_indicator"  # one row of a scheme is wrong (named in fields)
    WEIGHTS_NOT_100 = "weights_not_100"  # the weights of a scheme do not sum to 100 %
    SCHEME_FROZEN = "scheme_frozen"  # a published or retired scheme version was to be edited
    DRAFT_EXISTS = "draft_exists"  # the year already has a draft version
    NOT_DRAFT = "not_draft"  # only a draft version can be published
    RESULTS_EXIST = "results_exist"  # the version in force was used for the year's results
    FUTURE_YEAR = "future_year"  # results asked for a year that has not begun
    NO_PUBLISHED_SCHEME = "no_published_scheme"  # results asked with no scheme in force
    NO_UNITS = "no_units"  # there is no unit to assess
    MEASURE_UNAVAILABLE = "measure_unavailable"  # an indicator's source cannot be read
    NO_DATA = "no_data"  # no figure at all for the period asked
    # rankings
    INVALID_PERIOD = "invalid_period"  # a period not written YYYY-MM, YYYY-Qn or YYYY
    INVALID_LEVEL = "invalid_level"  # an unknown level of units
    # duty reports
    NOT_YOUR_UNIT = "not_your_unit"  # a report for a unit the author holds no post in
    REPORT_EXISTS = "report_exists"  # the author already reports on that unit and year
    REPORT_PUBLISHED = "report_published"  # a published report was to be changed
    INVALID_RATING = "invalid_rating"  # stars outside 1–5
    ALREADY_RATED = "already_rated"  # one rating per citizen (or address) and report
    REPORT_NOT_PUBLISHED = "report_not_published"  # a draft report was to be rated
    COMMENT_MODERATED = "comment_moderated"  # a rating's comment was moderated already
    # inquiries
    INQUIRY_ASKER = "inquiry_asker"  # an inquiry without an account lacks a name or mobile
    CADRE_NOT_IN_UNIT = "cadre_not_in_unit"  # the cadre asked holds no post in the unit
    INQUIRY_NOT_OPEN = "inquiry_not_open"  # an answered or withdrawn inquiry was to be moved
    # democratic appraisal
    APPRAISAL_FORBIDDEN = "appraisal_forbidden"  # only the organisation department and admins
    CAMPAIGN_NOT_FOUND = "campaign_not_found"  # no such campaign
    CAMPAIGN_STATE = "campaign_state"  # the campaign's state does not allow the action
    CAMPAIGN_INVALID = "campaign_invalid"  # the campaign form has errors (named in fields)
    CAMPAIGN_INCOMPLETE = "campaign_incomplete"  # opening without targets or questions
    CAMPAIGN_CLOSING_PASSED = "campaign_closing_passed"  # opening after the closing time
    CAMPAIGN_NOT_OPEN = "campaign_not_open"  # a vote before the campaign opens
    CAMPAIGN_CLOSED = "campaign_closed"  # a vote after the campaign closed
    TOKEN_COUNT = "token_count"  # noqa: S105 (not a password) a number of codes outside 1–5000
    TOKEN_INVALID = "token_invalid"  # noqa: S105 (not a password) what was typed cannot be a code
    TOKEN_UNKNOWN = "token_unknown"  # noqa: S105 (not a password) no such code
    TOKEN_USED = "token_used"  # noqa: S105 (not a password) the code has voted already
    RECIPIENTS_INVALID = "recipients_invalid"  # entries neither mobile numbers nor emails
    RECIPIENTS_EMPTY = "recipients_empty"  # nobody to send codes to
    RECIPIENTS_TOO_MANY = "recipients_too_many"  # more people than one batch allows
    RATING_INVALID = "rating_invalid"  # a ballot's rating is not 1–5 of this campaign
    COMMENT_INVALID = "comment_invalid"  # a ballot's comment is not for this campaign
    COMMENT_TOO_LONG = "comment_too_long"  # a ballot's comment is too long
    BALLOT_EMPTY = "ballot_empty"  # a ballot with nothing rated
    BALLOT_STALE = "ballot_stale"  # the questionnaire changed since the form was loaded
    DECISION_INVALID = "decision_invalid"  # moderation other than approve or reject
    COMMENT_NOT_FOUND = "comment_not_found"  # no such appraisal comment
