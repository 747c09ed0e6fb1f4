"""评议考核 models, one module per capability (each owns its migration, see migrations/)."""

from .appraisal import *  # noqa: F401,F403
from .indicators import *  # noqa: F401,F403
from .reports import *  # noqa: F401,F403
