"""The actions of one person's appraisal (`domain.appraisal`): each action's fields, and its typed command."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.command_model import ActionCommand, CommandFamily, NoFields


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ObjectivesFields(_Fields):
    objectives: str = Field(min_length=1, description="The workplan: objectives and how they will be measured.")


class AgreementFields(_Fields):
    decision: Literal["agree", "return"]


class SelfAssessmentFields(_Fields):
    assessment: str = Field(min_length=1)


class RatingFields(_Fields):
    rating: str = Field(min_length=1)


class SecondReviewFields(_Fields):
    decision: Literal["concur", "comment"]


class RebuttalFindingFields(_Fields):
    finding: Literal["upheld", "revised"]
    rating: str | None = Field(default=None, description="The revised rating, when the finding is 'revised'.")

    @model_validator(mode="after")
    def _rating_with_revision(self) -> "RebuttalFindingFields":
        if (self.finding == "revised") != (self.rating is not None):
            raise ValueError("a 'revised' finding gives the new rating, and only a revised one does")
        return self


class ProposeObjectives(ActionCommand[ObjectivesFields]):
    fields_model = ObjectivesFields
    action: Literal["propose-objectives"] = "propose-objectives"


class AgreeObjectives(ActionCommand[AgreementFields]):
    fields_model = AgreementFields
    action: Literal["agree-objectives"] = "agree-objectives"


class SignMidYear(ActionCommand[NoFields]):
    action: Literal["sign-mid-year"] = "sign-mid-year"


class SubmitSelfAssessment(ActionCommand[SelfAssessmentFields]):
    fields_model = SelfAssessmentFields
    action: Literal["submit-self-assessment"] = "submit-self-assessment"


class Rate(ActionCommand[RatingFields]):
    fields_model = RatingFields
    action: Literal["rate"] = "rate"


class SecondReview(ActionCommand[SecondReviewFields]):
    fields_model = SecondReviewFields
    action: Literal["second-review"] = "second-review"


class Acknowledge(ActionCommand[NoFields]):
    action: Literal["acknowledge"] = "acknowledge"


class Rebut(ActionCommand[NoFields]):
    action: Literal["rebut"] = "rebut"


class WaiveRebuttal(ActionCommand[NoFields]):
    action: Literal["waive-rebuttal"] = "waive-rebuttal"


class DecideRebuttal(ActionCommand[RebuttalFindingFields]):
    fields_model = RebuttalFindingFields
    action: Literal["decide-rebuttal"] = "decide-rebuttal"


AppraisalCommand = (
    ProposeObjectives
    | AgreeObjectives
    | SignMidYear
    | SubmitSelfAssessment
    | Rate
    | SecondReview
    | Acknowledge
    | Rebut
    | WaiveRebuttal
    | DecideRebuttal
)

APPRAISAL_COMMANDS: CommandFamily[AppraisalCommand] = CommandFamily(
    ProposeObjectives,
    AgreeObjectives,
    SignMidYear,
    SubmitSelfAssessment,
    Rate,
    SecondReview,
    Acknowledge,
    Rebut,
    WaiveRebuttal,
    DecideRebuttal,
)
