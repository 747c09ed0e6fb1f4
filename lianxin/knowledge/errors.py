"""The error codes the knowledge base's refusals carry, beyond core's own (`invalid`,
`not_found`, `permission_denied`, `invalid_transition`, `conflict`, `rate_limited`). The values
are API contract: clients, pages and tests match on them, so they never change."""

from enum import StrEnum


class Code(StrEnum):
    OWN_EDIT = "own_edit"
    PENDING_REVIEW = "pending_review"
    NOTHING_PENDING = "nothing_pending"
    BAD_DATES = "bad_dates"
    DUPLICATE_QUESTION = "duplicate_question"
    NOT_PROPOSABLE = "not_proposable"
    UNKNOWN_UNIT = "unknown_unit"
    FILE_TOO_LARGE = "file_too_large"
    NOT_XLSX = "not_xlsx"
    NO_HEADER = "no_header"
    NO_ROWS = "no_rows"
    TOO_MANY_ROWS = "too_many_rows"


# What each code means, for the API schema (lianxin/api_schema.py) and whoever reads it.
DESCRIPTIONS: dict[Code, str] = {
    Code.OWN_EDIT: "Publishing a version one wrote oneself: another of the unit reviews it.",
    Code.PENDING_REVIEW: "Editing an article whose edit awaits the unit's review.",
    Code.NOTHING_PENDING: "Submitting or reviewing an article with no pending version.",
    Code.BAD_DATES: "A validity that ends before it begins, or a date that is not a date.",
    Code.DUPLICATE_QUESTION: "The unit already has an article with this question.",
    Code.NOT_PROPOSABLE: "Proposing an article from an appeal whose reply is not worth one.",
    Code.UNKNOWN_UNIT: "An imported row names no unit (by name or code) the importer may use.",
    Code.FILE_TOO_LARGE: "A knowledge-base file larger than KNOWLEDGE_IMPORT_MAX_BYTES.",
    Code.NOT_XLSX: "A knowledge-base file that is not an Excel .xlsx workbook.",
    Code.NO_HEADER: "A knowledge-base file whose first row lacks the 问题 and 答复 columns.",
    Code.NO_ROWS: "A knowledge-base file with no rows below its header.",
    Code.TOO_MANY_ROWS: "A knowledge-base file with more rows than KNOWLEDGE_IMPORT_MAX_ROWS.",
}
