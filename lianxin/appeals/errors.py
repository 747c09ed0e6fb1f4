"""The error codes appeals' refusals carry, beyond core's own (`invalid`, `not_found`,
`permission_denied`, `invalid_transition`, `conflict`, `rate_limited`). The values are API
contract: clients and tests match on them, so they never change."""

from enum import StrEnum


class Code(StrEnum):
    IDEMPOTENCY_MISMATCH = "idempotency_mismatch"  # an Idempotency-Key reused for another appeal
    PARSE_ERROR = "parse_error"  # the intake body is not a JSON object
    CODE_IN_URL = "code_in_url"  # a query code sent in the address, where logs keep it
    UNSUPPORTED_FILE = "unsupported_file"  # an import file that is neither .xlsx nor .csv
    BAD_ENCODING = "bad_encoding"  # an import file neither UTF-8 nor GB18030
    UNKNOWN_COLUMN = "unknown_column"  # an import column the importer does not know
    MISSING_COLUMN = "missing_column"  # an import file without a required column
    FUTURE_DATE = "future_date"  # an imported appeal submitted in the future
    INVALID = "invalid"  # an imported row the importer refuses (e.g. an unknown category)
