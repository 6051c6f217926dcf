"""The actions of a Multi-Donor Fund grant (`domain.grant`): each action's fields, and its typed command.

The Board meeting's decision (`record-meeting-decision`) is not among them: the shared Board referral
(`domain.board_referral.meeting_decision`) reads that command and its fields itself, for every process.
"""

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.command_model import ActionCommand, CommandFamily, NoFields


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApplicationFields(BaseModel):
    """The application as sent (`govern grant submit FILE`): taken as it comes, for `validate_application`
    judges it, with its own sentences, against the organisation file."""

    model_config = ConfigDict(extra="allow")

    @property
    def sent(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class ScreenFields(_Fields):
    outcome: Literal["eligible", "ineligible", "more-information"]


class AssignReviewersFields(_Fields):
    reviewers: str = Field(description="Comma-separated person ids.")


class DeclareFields(_Fields):
    conflict: bool


class ReviewFields(_Fields):
    score: int = Field(ge=1, le=5)
    recommendation: Literal["approve", "reject", "revise"]


class DecisionFields(_Fields):
    decision: Literal["approve", "reject"]


class SignFields(_Fields):
    signed_on: date | None = None


class ReportReviewFields(_Fields):
    decision: Literal["approve", "revise"]


class ReleaseFields(_Fields):
    tranche: int | None = Field(default=None, ge=1)


class Submit(ActionCommand[ApplicationFields]):
    fields_model = ApplicationFields
    action: Literal["submit"] = "submit"


class Screen(ActionCommand[ScreenFields]):
    fields_model = ScreenFields
    action: Literal["screen"] = "screen"


class ProvideInformation(ActionCommand[NoFields]):
    action: Literal["provide-information"] = "provide-information"


class AssignReviewers(ActionCommand[AssignReviewersFields]):
    fields_model = AssignReviewersFields
    action: Literal["assign-reviewers"] = "assign-reviewers"


class DeclareInterests(ActionCommand[DeclareFields]):
    fields_model = DeclareFields
    action: Literal["declare-interests"] = "declare-interests"


class SubmitTechnicalReview(ActionCommand[ReviewFields]):
    fields_model = ReviewFields
    action: Literal["review"] = "review"


class Approve(ActionCommand[DecisionFields]):
    fields_model = DecisionFields
    action: Literal["approve"] = "approve"


class Endorse(ActionCommand[DecisionFields]):
    fields_model = DecisionFields
    action: Literal["endorse"] = "endorse"


class SignAgreement(ActionCommand[SignFields]):
    fields_model = SignFields
    action: Literal["sign-agreement"] = "sign-agreement"


class SubmitReport(ActionCommand[NoFields]):
    action: Literal["submit-report"] = "submit-report"


class ReviewReport(ActionCommand[ReportReviewFields]):
    fields_model = ReportReviewFields
    action: Literal["review-report"] = "review-report"


class ReleaseTranche(ActionCommand[ReleaseFields]):
    fields_model = ReleaseFields
    action: Literal["release-tranche"] = "release-tranche"


class SubmitFinalReport(ActionCommand[NoFields]):
    action: Literal["submit-final-report"] = "submit-final-report"


class ReviewFinalReport(ActionCommand[ReportReviewFields]):
    fields_model = ReportReviewFields
    action: Literal["review-final-report"] = "review-final-report"


class Withdraw(ActionCommand[NoFields]):
    action: Literal["withdraw"] = "withdraw"


GrantCommand = (
    Submit
    | Screen
    | ProvideInformation
    | AssignReviewers
    | DeclareInterests
    | SubmitTechnicalReview
    | Approve
    | Endorse
    | SignAgreement
    | SubmitReport
    | ReviewReport
    | ReleaseTranche
    | SubmitFinalReport
    | ReviewFinalReport
    | Withdraw
)

GRANT_COMMANDS: CommandFamily[GrantCommand] = CommandFamily(
    Submit,
    Screen,
    ProvideInformation,
    AssignReviewers,
    DeclareInterests,
    SubmitTechnicalReview,
    Approve,
    Endorse,
    SignAgreement,
    SubmitReport,
    ReviewReport,
    ReleaseTranche,
    SubmitFinalReport,
    ReviewFinalReport,
    Withdraw,
)
