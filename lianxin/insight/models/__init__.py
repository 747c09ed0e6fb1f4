"""社情民意 models, one module per capability (each owns its migration, see migrations/)."""

from .analysis import *  # noqa: F401,F403
from .duplicates import *  # noqa: F401,F403
from .router import RouterModel, RouterModelQuerySet  # noqa: F401
from .warnings import *  # noqa: F401,F403
