"""The organisation: who works where, who supervises whom, who sits on the Board, and who may approve what.

Every governance rule asks the organisation a question: who is this person's supervisor, which hub's calendar
counts their working days, who approves a grant of USD 120,000, how many Board members make a quorum. This
package answers them from one frozen snapshot, so a workflow that received the snapshot through an activity
asks the same questions and gets the same answers on replay.

The snapshot is validated as a whole: field rules live on the models, and the rules that tie sections together
(a supervisor must exist, the Chair must be a voting member, the delegation-of-authority bands must cover
every amount) live in `find_problems`, which reports every problem with its field path instead of stopping at
the first one. `domain.organisation_file.parse_organisation` turns a YAML file into an `Organisation`.

One idea a module: `roles`, `fields` (field types with readable errors), `hubs`, `people`, `board`,
`delegation_of_authority`, `step_plans`, `instruments`, `appraisal_settings`, `snapshot` (the `Organisation`
and its questions), `cross_checks` (`find_problems`) and `problems` (the errors a caller catches). Import
the names from here.

Pure: no I/O, no clock, no randomness. Time zone names are checked against the installed IANA database and
country codes against the `holidays` package; both are deterministic for a given install.
"""

from domain.calendar_months import add_months
from domain.organisation.appraisal_settings import AppraisalSettings, RatingLevel
from domain.organisation.board import Board, PassThreshold
from domain.organisation.cross_checks import OrganisationParts, find_problems
from domain.organisation.delegation_of_authority import ApprovalRoute, AuthorityBand, authorised_roles, format_usd
from domain.organisation.fields import (
    Email,
    HubId,
    InstrumentId,
    LocalTime,
    PersonId,
    Ratio,
    RoleName,
    Text,
    TimeZoneName,
)
from domain.organisation.hubs import ClosurePeriod, Hub
from domain.organisation.instruments import Instrument, ScopeEntry
from domain.organisation.people import Person
from domain.organisation.problems import OrganisationLookupError, OrganisationProblems, Problem, UnknownPerson
from domain.organisation.roles import (
    ALL_STAFF,
    BOARD_VOTING_ROLES,
    SECRETARIAT_ROLES,
    BoardProcedure,
    Relation,
    Role,
    role_title,
)
from domain.organisation.snapshot import Organisation
from domain.organisation.step_plans import (
    BUILT_IN_DEFAULT_PLAN,
    Escalation,
    ReminderPlan,
    StepKind,
    StepPlan,
    StepPlanSpec,
)

__all__ = [
    "ALL_STAFF",
    "BOARD_VOTING_ROLES",
    "BUILT_IN_DEFAULT_PLAN",
    "SECRETARIAT_ROLES",
    "AppraisalSettings",
    "ApprovalRoute",
    "AuthorityBand",
    "Board",
    "BoardProcedure",
    "ClosurePeriod",
    "Email",
    "Escalation",
    "Hub",
    "HubId",
    "Instrument",
    "InstrumentId",
    "LocalTime",
    "Organisation",
    "OrganisationLookupError",
    "OrganisationParts",
    "OrganisationProblems",
    "PassThreshold",
    "Person",
    "PersonId",
    "Problem",
    "Ratio",
    "RatingLevel",
    "Relation",
    "ReminderPlan",
    "Role",
    "RoleName",
    "ScopeEntry",
    "StepKind",
    "StepPlan",
    "StepPlanSpec",
    "Text",
    "TimeZoneName",
    "UnknownPerson",
    "add_months",
    "authorised_roles",
    "find_problems",
    "format_usd",
    "role_title",
]
