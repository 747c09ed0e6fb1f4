"""The error codes appeals' refusals carry, beyond core's own (`invalid`, `not_found`,
`permission_denied`, `invalid_transition`, `conflict`, `rate_limited`). The values are API
contract: clients and tests match on them, so they never change."""

from enum import StrEnum


class Code(StrEnum):
    IDEMPOTENCY_MISMATCH = "idempotency_mismatch"
    PARSE_ERROR = "parse_error"
    CODE_IN_URL = "code_in_url"
    UNSUPPORTED_FILE = "unsupported_file"
    BAD_ENCODING = "bad_encoding"
    UNKNOWN_COLUMN = "unknown_column"
    MISSING_COLUMN = "missing_column"
    FUTURE_DATE = "future_date"
    INVALID = "invalid"
    APPEALS_UNFINISHED = "appeals_unfinished"


# What each code means, for the API schema (lianxin/api_schema.py) and whoever reads it.
DESCRIPTIONS: dict[Code, str] = {
    Code.IDEMPOTENCY_MISMATCH: "An Idempotency-Key reused for another appeal.",
    Code.PARSE_ERROR: "The intake body is not a JSON object.",
    Code.CODE_IN_URL: "A query code sent in the address, where logs keep it.",
    Code.UNSUPPORTED_FILE: "An import file that is neither .xlsx nor .csv.",
    Code.BAD_ENCODING: "An import file neither UTF-8 nor GB18030.",
    Code.UNKNOWN_COLUMN: "An import column the importer does not know.",
    Code.MISSING_COLUMN: "An import file without a required column.",
    Code.FUTURE_DATE: "An imported appeal submitted in the future.",
    Code.INVALID: "An imported row the importer refuses (e.g. an unknown category).",
    Code.APPEALS_UNFINISHED: "A citizen's account deleted while some of their appeals are open.",
}
