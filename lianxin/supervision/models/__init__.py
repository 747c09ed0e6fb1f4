"""监督 models, one module per capability (each owns its migration, see migrations/)."""

from .integrity import *  # noqa: F401,F403
from .reports import *  # noqa: F401,F403
