"""Outreach services, one module per capability. Every change goes through them: checked,
locked, written and audited in one transaction (core.transitions)."""

from .households import (
    household_deactivate,
    household_register,
    household_update,
    pairing_assign,
)
from .visits import visit_need_to_appeal, visit_record

__all__ = [
    "household_deactivate",
    "household_register",
    "household_update",
    "pairing_assign",
    "visit_need_to_appeal",
    "visit_record",
]
