"""Numbers taken from a query string or form: an id the database can hold, or None.

`int()` accepts any number of digits, but SQLite and PostgreSQL columns stop at 2**63 - 1, and
a wider number reaches the database as an overflow (a 500) rather than "no such record"."""

MAX_ID = 2**63 - 1


def as_id(value: object) -> int | None:
    """A positive integer that fits a database key, else None."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
