"""The error codes of the Open311 adapter.

On the wire a GeoReport v2 error carries the HTTP status as its `code` (`render.error_response`:
`{"code": 400, "description": ...}`), as the specification requires; clients see no other code.
The LianxinError codes below are the app's own (logs, callers inside the project); most of the
adapter's refusals use core's generic ones (invalid, not_found, permission_denied,
rate_limited). Values are contract: they never change."""

from enum import StrEnum


class Code(StrEnum):
    PARSE_ERROR = "parse_error"


DESCRIPTIONS: dict[Code, str] = {
    Code.PARSE_ERROR: "The request's parameters could not be read (a NUL byte, broken encoding).",
}
