from .decisions import (
    STEP_ORDER,
    CorrectionRequest,
    CorrectionStatus,
    Decision,
    DecisionStatus,
    ExpertOpinion,
    LiabilityRecord,
    Milestone,
    Step,
    StepKind,
)
from .hearings import Applicant, Draw, Hearing, HearingStatus, Position, Quota, Stake, Stance
from .notices import Answer, Comment, CommentGroup, Notice, NoticeStatus, Outcome, Paragraph

__all__ = [
    "STEP_ORDER", "Answer", "Applicant", "Comment", "CommentGroup", "CorrectionRequest",
    "CorrectionStatus", "Decision", "DecisionStatus", "Draw", "ExpertOpinion", "Hearing",
    "HearingStatus", "LiabilityRecord", "Milestone", "Notice", "NoticeStatus", "Outcome",
    "Paragraph", "Position", "Quota", "Stake", "Stance", "Step", "StepKind",
]
