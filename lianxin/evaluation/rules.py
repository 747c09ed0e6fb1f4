"""Who may do what in evaluation. The only place evaluation permissions are decided."""

import rules  # noqa: F401
