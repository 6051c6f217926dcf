"""The events of one person's appraisal (`domain.appraisal`), each payload a frozen model.

Confidential facts (objectives, comments, assessments, ratings, rebuttal statements and findings) are only
ever under `content`, which the audit activity seals into `sealed` before the store sees it: read from the
store without the key, an event has no `content`, and its fold knows no rating. Each event's content names
only the keys that event states; a key without a value, and a content without any, are left out.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from domain.appraisal_phases import PhaseDates
from domain.event_model import EventFamily, EventPayload, omitted_when_none


class Content(BaseModel):
    """The confidential part of a payload."""

    model_config = ConfigDict(frozen=True, extra="allow")

    @classmethod
    def of(cls, **values: Any) -> Any:
        """The content of these values, or None (no content at all) when none has one; an empty text is none."""
        present = {key: value for key, value in values.items() if value not in (None, "")}
        return cls(**present) if present else None


class CommentContent(Content):
    comment: str | None = omitted_when_none()


class ObjectivesContent(Content):
    objectives: str | None = omitted_when_none()
    comment: str | None = omitted_when_none()


class SelfAssessmentContent(Content):
    assessment: str | None = omitted_when_none()
    comment: str | None = omitted_when_none()


class RatingContent(Content):
    rating: str | None = omitted_when_none()
    comment: str | None = omitted_when_none()


class SecondReviewContent(Content):
    decision: str | None = omitted_when_none()
    comment: str | None = omitted_when_none()


class RebuttalContent(Content):
    statement: str | None = omitted_when_none()


class FindingContent(Content):
    finding: str | None = omitted_when_none()
    rating: str | None = omitted_when_none()
    comment: str | None = omitted_when_none()


class AppraisalOpened(EventPayload):
    type: Literal["AppraisalOpened"] = "AppraisalOpened"
    cycle: int
    staff_member: str
    first_reporting_officer: str
    second_reporting_officer: str
    phases: PhaseDates
    rating_scale: tuple[str, ...]
    fully_meets: str
    rebuttal_working_days: int


class ObjectivesProposed(EventPayload):
    type: Literal["ObjectivesProposed"] = "ObjectivesProposed"
    content: ObjectivesContent | None = omitted_when_none()


class ObjectivesAgreed(EventPayload):
    type: Literal["ObjectivesAgreed"] = "ObjectivesAgreed"
    content: CommentContent | None = omitted_when_none()


class ObjectivesReturned(EventPayload):
    type: Literal["ObjectivesReturned"] = "ObjectivesReturned"
    content: CommentContent | None = omitted_when_none()


class MidYearReviewSigned(EventPayload):
    type: Literal["MidYearReviewSigned"] = "MidYearReviewSigned"
    signatory: Literal["staff_member", "first_reporting_officer"]
    content: CommentContent | None = omitted_when_none()


class SelfAssessmentSubmitted(EventPayload):
    type: Literal["SelfAssessmentSubmitted"] = "SelfAssessmentSubmitted"
    content: SelfAssessmentContent | None = omitted_when_none()


class AppraisalRated(EventPayload):
    type: Literal["AppraisalRated"] = "AppraisalRated"
    content: RatingContent | None = omitted_when_none()


class SecondLevelReviewRecorded(EventPayload):
    type: Literal["SecondLevelReviewRecorded"] = "SecondLevelReviewRecorded"
    content: SecondReviewContent | None = omitted_when_none()


class AppraisalAcknowledged(EventPayload):
    type: Literal["AppraisalAcknowledged"] = "AppraisalAcknowledged"
    content: CommentContent | None = omitted_when_none()


class RebuttalWindowOpened(EventPayload):
    type: Literal["RebuttalWindowOpened"] = "RebuttalWindowOpened"
    working_days: int


class RatingRebutted(EventPayload):
    type: Literal["RatingRebutted"] = "RatingRebutted"
    reviewer: str | None = omitted_when_none()  # always recorded; read as optional, as the fold always has
    content: RebuttalContent | None = omitted_when_none()


class RebuttalWaived(EventPayload):
    type: Literal["RebuttalWaived"] = "RebuttalWaived"
    content: CommentContent | None = omitted_when_none()


class RebuttalDecided(EventPayload):
    type: Literal["RebuttalDecided"] = "RebuttalDecided"
    content: FindingContent | None = omitted_when_none()


class AppraisalFinalised(EventPayload):
    type: Literal["AppraisalFinalised"] = "AppraisalFinalised"
    content: RatingContent | None = omitted_when_none()


AppraisalEvent = (
    AppraisalOpened
    | ObjectivesProposed
    | ObjectivesAgreed
    | ObjectivesReturned
    | MidYearReviewSigned
    | SelfAssessmentSubmitted
    | AppraisalRated
    | SecondLevelReviewRecorded
    | AppraisalAcknowledged
    | RebuttalWindowOpened
    | RatingRebutted
    | RebuttalWaived
    | RebuttalDecided
    | AppraisalFinalised
)

APPRAISAL_EVENTS: EventFamily[AppraisalEvent] = EventFamily(
    AppraisalOpened,
    ObjectivesProposed,
    ObjectivesAgreed,
    ObjectivesReturned,
    MidYearReviewSigned,
    SelfAssessmentSubmitted,
    AppraisalRated,
    SecondLevelReviewRecorded,
    AppraisalAcknowledged,
    RebuttalWindowOpened,
    RatingRebutted,
    RebuttalWaived,
    RebuttalDecided,
    AppraisalFinalised,
)
