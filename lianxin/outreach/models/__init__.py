"""联户, 走访 and 联系点 models, one module per capability."""

from .households import *  # noqa: F401,F403
from .imports import *  # noqa: F401,F403
from .receptions import *  # noqa: F401,F403
from .visits import *  # noqa: F401,F403
