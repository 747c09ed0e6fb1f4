"""Who may do what in supervision. The only place supervision permissions are decided."""

import rules  # noqa: F401
