"""Every write of the insight app, one module per capability (mirroring models/): routers
(router.py), early warning (warnings.py), duplicates (duplicates.py). The names other code
imports from `lianxin.insight.services` stay available here."""

from ..router import models_dir
from .duplicates import (
    DUPLICATE_CANDIDATE_LIMIT,
    DUPLICATES_PER_APPEAL,
    duplicate_dismiss,
    duplicate_keys_store,
    duplicate_lookup,
    duplicate_window,
    duplicates_find,
    duplicates_record,
)
from .router import router_model_activate, router_model_train
from .warnings import (
    MAX_ALARM_MEMBERS,
    alarm_acknowledge,
    alarm_close,
    alarm_raise,
    alarm_update,
    appeal_area_derive,
    appeal_areas_backfill,
    field_report_file,
    warning_cluster_check,
    warning_rise_scan,
)

__all__ = [
    "DUPLICATES_PER_APPEAL",
    "DUPLICATE_CANDIDATE_LIMIT",
    "MAX_ALARM_MEMBERS",
    "alarm_acknowledge",
    "alarm_close",
    "alarm_raise",
    "alarm_update",
    "appeal_area_derive",
    "appeal_areas_backfill",
    "duplicate_dismiss",
    "duplicate_keys_store",
    "duplicate_lookup",
    "duplicate_window",
    "duplicates_find",
    "duplicates_record",
    "field_report_file",
    "models_dir",
    "router_model_activate",
    "router_model_train",
    "warning_cluster_check",
    "warning_rise_scan",
]
