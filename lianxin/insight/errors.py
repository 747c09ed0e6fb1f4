"""The error codes of the insight app: API contract (clients and tests compare them), so the
values never change. Each carries a one-line description for whoever publishes them."""

from enum import StrEnum


class Code(StrEnum):
    BAD_TRAINING_DATA = "bad_training_data"
    UNKNOWN_ROUTER_VERSION = "unknown_router_version"
    TAMPERED_ROUTER_MODEL = "tampered_router_model"
    UNKNOWN_ALARM = "unknown_alarm"
    ALARM_FORBIDDEN = "alarm_forbidden"
    ALARM_NOT_OPEN = "alarm_not_open"
    ALARM_CLOSED = "alarm_closed"
    UNKNOWN_DUPLICATE = "unknown_duplicate"


DESCRIPTIONS: dict[Code, str] = {
    Code.BAD_TRAINING_DATA: "The routing model's training data is unusable (too few rows or labels).",
    Code.UNKNOWN_ROUTER_VERSION: "No stored routing model has this version.",
    Code.TAMPERED_ROUTER_MODEL: "The routing model's file no longer matches its recorded hash.",
    Code.UNKNOWN_ALARM: "No early-warning alarm with this id.",
    Code.ALARM_FORBIDDEN: "The actor may not handle this alarm (outside the units they see).",
    Code.ALARM_NOT_OPEN: "Only an open alarm can be acknowledged.",
    Code.ALARM_CLOSED: "The alarm is closed already.",
    Code.UNKNOWN_DUPLICATE: "No duplicate suggestion with this id.",
}
