"""The hotline app's error codes, beyond core's own. API contract: the values never change."""

from enum import StrEnum


class Code(StrEnum):
    CALL_CLOSED = "call_closed"
    NOT_YOUR_CALL = "not_your_call"
    UNKNOWN_APPEAL = "unknown_appeal"
    UNKNOWN_ARTICLE = "unknown_article"
    ANSWER_MISSING = "answer_missing"
    BAD_ANSWER = "bad_answer"
    CALL_OPEN = "call_already_open"


DESCRIPTIONS: dict[Code, str] = {
    Code.CALL_CLOSED: "The call's outcome is already recorded.",
    Code.NOT_YOUR_CALL: "The call is another operator's.",
    Code.UNKNOWN_APPEAL: "No appeal with this tracking number.",
    Code.UNKNOWN_ARTICLE: "No published, valid knowledge-base article with this id.",
    Code.ANSWER_MISSING: "A direct answer names the article used or says what was answered.",
    Code.BAD_ANSWER: "An answer to one of the category's questions is not valid.",
    Code.CALL_OPEN: "The operator is still on another call: record its outcome first.",
}
