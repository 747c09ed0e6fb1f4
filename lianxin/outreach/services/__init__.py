"""Outreach services, one module per capability. Every change goes through them: checked,
locked, written and audited in one transaction (core.transitions)."""

from .households import (
    household_deactivate,
    household_register,
    household_update,
    pairing_assign,
)
from .receptions import (
    booking_cancel,
    booking_make,
    contact_point_create,
    reception_day_add,
    reception_matter_add,
    reception_matter_to_appeal,
    reception_record,
)
from .visits import visit_need_to_appeal, visit_photo_add, visit_record

__all__ = [
    "household_deactivate",
    "household_register",
    "household_update",
    "pairing_assign",
    "booking_cancel",
    "booking_make",
    "contact_point_create",
    "reception_day_add",
    "reception_matter_add",
    "reception_matter_to_appeal",
    "reception_record",
    "visit_need_to_appeal",
    "visit_photo_add",
    "visit_record",
]
