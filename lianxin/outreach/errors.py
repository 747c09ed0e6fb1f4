"""The error codes outreach's refusals carry, beyond core's own (`invalid`, `not_found`,
`permission_denied`, `invalid_transition`, `conflict`, `rate_limited`). The values are API
contract: clients, pages and tests match on them, so they never change."""

from enum import StrEnum


class Code(StrEnum):
    NO_CONSENT = "no_consent"
    UNKNOWN_REASON = "unknown_reason"
    NOT_A_CADRE = "not_a_cadre"
    SAME_CADRE = "same_cadre"
    FUTURE_DATE = "future_date"
    BEFORE_PAIRING = "before_pairing"
    PAIRING_ENDED = "pairing_ended"
    UUID_REUSED = "uuid_reused"
    NO_NEEDS = "no_needs"
    ALREADY_APPEALED = "already_appealed"
    BAD_PERIOD = "bad_period"
    DUPLICATE_HOUSEHOLD = "duplicate_household"
    FARM_DETAILS = "farm_details"
    HOUSEHOLD_INACTIVE = "household_inactive"
    FILE_TOO_LARGE = "file_too_large"
    NOT_XLSX = "not_xlsx"
    NO_HEADER = "no_header"
    NO_ROWS = "no_rows"
    TOO_MANY_ROWS = "too_many_rows"
    BAD_MAPPING = "bad_mapping"
    # Contact points and reception days
    SLOT_FULL = "slot_full"
    RECEPTION_PAST = "reception_past"
    BAD_PHONE = "bad_phone"
    ALREADY_BOOKED = "already_booked"
    DAY_TAKEN = "day_taken"
    BAD_SLOTS = "bad_slots"
    NOT_YET_HELD = "not_yet_held"


# What each code means, for the API schema (lianxin/api_schema.py) and whoever reads it.
DESCRIPTIONS: dict[Code, str] = {
    Code.NO_CONSENT: "A household is listed only with the date its consent was given.",
    Code.UNKNOWN_REASON: "A reason for listing that is not one of the known reasons.",
    Code.NOT_A_CADRE: "Households are paired with officials (a role in the unit's tree) only.",
    Code.SAME_CADRE: "Reassigning a household to the cadre it already has.",
    Code.FUTURE_DATE: "A visit dated after today.",
    Code.BEFORE_PAIRING: "A visit dated before the pairing began.",
    Code.PAIRING_ENDED: "A visit logged on a pairing that has ended.",
    Code.UUID_REUSED: "A visit's client id sent again with another pairing.",
    Code.NO_NEEDS: "Making an appeal of a visit that found no needs.",
    Code.ALREADY_APPEALED: "The visit's needs are already an appeal.",
    Code.BAD_PERIOD: "A coverage period that is not like 2026Q4 or 2026-11.",
    Code.DUPLICATE_HOUSEHOLD: "The village already lists a household with this head and phone.",
    Code.FARM_DETAILS: "A livestock farm is listed with its species and herd size.",
    Code.HOUSEHOLD_INACTIVE: "Changing a household that was deactivated.",
    Code.FILE_TOO_LARGE: "A registry file larger than OUTREACH_IMPORT_MAX_BYTES.",
    Code.NOT_XLSX: "A registry file that is not an Excel .xlsx workbook.",
    Code.NO_HEADER: "A registry file whose first row does not name the columns.",
    Code.NO_ROWS: "A registry file with no rows below its header.",
    Code.TOO_MANY_ROWS: "A registry file with more rows than OUTREACH_IMPORT_MAX_ROWS.",
    Code.BAD_MAPPING: "A column mapping that leaves out a required field or names no column.",
    Code.SLOT_FULL: "Every place of the reception slot is booked.",
    Code.RECEPTION_PAST: "Booking or scheduling a reception slot whose time has passed.",
    Code.BAD_PHONE: "A booking's phone number that is not a mainland mobile number.",
    Code.ALREADY_BOOKED: "The same phone number already holds a place on that reception day.",
    Code.DAY_TAKEN: "The contact point already has a reception on that day.",
    Code.BAD_SLOTS: "Reception slots that are empty, malformed, overlapping or over capacity.",
    Code.NOT_YET_HELD: "Recording a reception, or what was raised at it, before its day.",
}
