"""Every write of the evaluation app, one module per capability (as in models/):
indicators, reports (duty reports and their ratings), inquiries, appraisal (campaigns) and
appraisal_votes (codes and votes). The names other code has imported from
`lianxin.evaluation.services` are re-exported here; code inside the app imports from the
module itself."""

from .appraisal import (
    MAX_APPRAISAL_QUESTIONS,
    MAX_APPRAISAL_TARGETS,
    MAX_COMMENT,
    MAX_TOKENS_PER_BATCH,
    appraisal_campaign_close,
    appraisal_campaign_create,
    appraisal_campaign_open,
    appraisal_campaign_publish,
    appraisal_campaign_update,
    appraisal_campaigns_close_due,
    appraisal_comment_moderate,
)
from .appraisal_votes import appraisal_tokens_issue, appraisal_tokens_send, appraisal_vote
from .common import FIRST_YEAR, LAST_YEAR
from .indicators import (
    MAX_INDICATORS,
    WEIGHT_TOTAL,
    composite_lines,
    indicator_results_compute,
    indicators_clean,
    normalise,
    scheme_create,
    scheme_publish,
    scheme_revise,
    scheme_save,
)
from .inquiries import MAX_INQUIRY_TEXT, inquiry_answer, inquiry_submit, inquiry_withdraw
from .reports import (
    MAX_RATING_COMMENT,
    MAX_REPORT_TEXT,
    duty_report_create,
    duty_report_publish,
    duty_report_rate,
    duty_report_update,
    report_comment_moderate,
)

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "MAX_APPRAISAL_QUESTIONS",
    "MAX_APPRAISAL_TARGETS",
    "MAX_COMMENT",
    "MAX_INDICATORS",
    "MAX_INQUIRY_TEXT",
    "MAX_RATING_COMMENT",
    "MAX_REPORT_TEXT",
    "MAX_TOKENS_PER_BATCH",
    "WEIGHT_TOTAL",
    "appraisal_campaign_close",
    "appraisal_campaign_create",
    "appraisal_campaign_open",
    "appraisal_campaign_publish",
    "appraisal_campaign_update",
    "appraisal_campaigns_close_due",
    "appraisal_comment_moderate",
    "appraisal_tokens_issue",
    "appraisal_tokens_send",
    "appraisal_vote",
    "composite_lines",
    "duty_report_create",
    "duty_report_publish",
    "duty_report_rate",
    "duty_report_update",
    "indicator_results_compute",
    "indicators_clean",
    "inquiry_answer",
    "inquiry_submit",
    "inquiry_withdraw",
    "normalise",
    "report_comment_moderate",
    "scheme_create",
    "scheme_publish",
    "scheme_revise",
    "scheme_save",
]
