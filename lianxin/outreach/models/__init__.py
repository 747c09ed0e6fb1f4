"""联户 and 走访 models, one module per capability."""

from .households import *  # noqa: F401,F403
from .imports import *  # noqa: F401,F403
from .visits import *  # noqa: F401,F403
