"""A year of quarterly reports to the Management Board under the Strategic Plan 2028-2032, without Temporal.

Fiscal year 2029 starts on 1 January (the example organisation), so its quarters end on 31 March, 30 June,
30 September and 31 December. Each quarter opens a progress report (`plan/2028-2032/report/2029-Q<n>`) and a
risk report (`plan/2028-2032/risk/2029-Q<n>`), due 20 working days after the quarter ends on the responsible
person's calendar (Brussels: Easter Monday, Labour Day and New Year's Day do not count). The step plans
`quarterly_report` and `risk_report` of the example organisation give the reminders and the escalations: the
Director one working day late, the Board Chair three. The Chair acknowledges each report for the Board with
the step `report_acknowledgement` (from `REPORT_STEP_PLANS` where the organisation file does not list it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain import board_report, timed_step
from domain.board_report import (
    BOARD_REPORT,
    BoardReportState,
    KeyRisk,
    QuarterSlot,
    ReportDueRule,
    open_board_report,
    parse_progress,
    parse_risks,
    quarterly_schedule,
    report_case_id,
)
from domain.case import CASE_CLOSED
from domain.errors import NotAllowed
from domain.events import SYSTEM_ACTOR, DomainEvent
from domain.organisation import Organisation
from domain.organisation_file import parse_organisation
from domain.plan_targets import PlanFormatError
from tests.support.case_run import CaseRun

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_ORGANISATION = (ROOT / "examples" / "organisation.yaml").read_text(encoding="utf-8")

#: The Chair's acknowledgement step, as `examples/organisation.yaml` should list it.
REPORT_STEP_PLANS = {
    "report_acknowledgement": """\
  report_acknowledgement:
    working_days: 10
    reminders: {offsets: [-2, 0]}
    escalations:
      - {after_working_days: 5, to: director}
""",
}


def organisation_with_report_steps() -> Organisation:
    missing = "".join(text for kind, text in REPORT_STEP_PLANS.items() if f"\n  {kind}:" not in EXAMPLE_ORGANISATION)
    return parse_organisation(EXAMPLE_ORGANISATION.replace("\nstep_plans:\n", "\nstep_plans:\n" + missing, 1))


ORGANISATION = organisation_with_report_steps()
PLAN = "plan/2028-2032"
DIRECTOR = "director"
CHAIR = "board-chair"
DELEGATE = "head-of-programmes"
TARGETS = ("T1", "T2", "T3")
WORKING_DAYS = 20
PROGRESS = "T1=12;T2=0.4;T3=5"
RISKS = "R1=Core funding below the 2029 budget:high;R2=Hub staffing in Hanoi: two posts vacant:medium"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def local(instant: datetime | str, zone: str = "Europe/Brussels") -> str:
    moment = datetime.fromisoformat(instant) if isinstance(instant, str) else instant
    return moment.astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y %H:%M")


def types(events: list[DomainEvent]) -> list[str]:
    return [event.type for event in events]


@dataclass(kw_only=True)
class ReportCase(CaseRun):
    decider = BOARD_REPORT

    organisation: Organisation = ORGANISATION
    state: BoardReportState

    @property
    def submission(self) -> DomainEvent:
        return next(event for event in self.events if event.type == board_report.SUBMITTED)

    @property
    def task(self) -> timed_step.Task:
        return self.state.tasks["report"]

    def submit(self, actor: str, *, at: datetime) -> list[DomainEvent]:
        if self.state.report_kind == "progress":
            return self.act(actor, "submit-report", at=at, progress=PROGRESS)
        return self.act(actor, "submit-report", at=at, risks=RISKS)


def open_report(case_id: str, *, at: datetime, **changes: Any) -> ReportCase:
    report = ReportCase(state=BOARD_REPORT.initial_state(case_id), clock=at)
    arguments = {"requested_by": SYSTEM_ACTOR, "targets": TARGETS, "working_days": WORKING_DAYS, **changes}
    report.append(open_board_report(case_id, context=report.context(), **arguments))
    return report


def opening_refusal(case_id: str, **changes: Any) -> str:
    with pytest.raises(NotAllowed) as refused:
        open_report(case_id, at=utc(2029, 4, 1, 8), **changes)
    return str(refused.value)


# -- the schedule --------------------------------------------------------------------------------------------
def test_the_quarters_of_a_fiscal_year_starting_in_january_or_july() -> None:
    january = quarterly_schedule(ORGANISATION.fiscal_year_start_in(2029), 2029)
    july = quarterly_schedule(date(2029, 7, 1), 2029, working_days=20)

    assert january == [
        QuarterSlot("2029-Q1", date(2029, 3, 31), ReportDueRule(date(2029, 3, 31))),
        QuarterSlot("2029-Q2", date(2029, 6, 30), ReportDueRule(date(2029, 6, 30))),
        QuarterSlot("2029-Q3", date(2029, 9, 30), ReportDueRule(date(2029, 9, 30))),
        QuarterSlot("2029-Q4", date(2029, 12, 31), ReportDueRule(date(2029, 12, 31))),
    ]
    assert [(slot.label, slot.quarter_end.isoformat()) for slot in july] == [
        ("2029-Q1", "2029-09-30"),
        ("2029-Q2", "2029-12-31"),
        ("2029-Q3", "2030-03-31"),
        ("2029-Q4", "2030-06-30"),
    ]
    label, quarter_end, due = july[1]
    assert (label, quarter_end, july[1].quarter) == ("2029-Q2", date(2029, 12, 31), 2)
    assert due.describe() == "20 working days after 2029-12-31"
    assert january[0].due.describe() == "the step plan's working days after 2029-03-31"
    assert [report_case_id(PLAN, kind, "2029-Q1") for kind in ("progress", "risk")] == [
        "plan/2028-2032/report/2029-Q1",
        "plan/2028-2032/risk/2029-Q1",
    ]


def test_a_report_is_due_20_working_days_after_its_quarter_whenever_the_case_opens() -> None:
    on_time = open_report("plan/2028-2032/report/2029-Q1", at=utc(2029, 3, 31, 22))
    three_days_later = open_report("plan/2028-2032/report/2029-Q1", at=utc(2029, 4, 3, 8))

    opened = on_time.events[0]
    assert (opened.type, opened.outcome) == (board_report.OPENED, "opened")
    assert opened.payload == {
        "report_kind": "progress",
        "plan_case": PLAN,
        "quarter": "2029-Q1",
        "quarter_end": "2029-03-31",
        "responsible": DIRECTOR,
        "targets": ["T1", "T2", "T3"],
        "working_days": 20,
        "requested_by": SYSTEM_ACTOR,
    }
    assert opened.reason == "the progress report for 2029-Q1 is due 20 working days after 2029-03-31"
    task = on_time.task
    assert (task.kind, task.assignee, task.action) == ("quarterly_report", DIRECTOR, "submit-report")
    assert task.title == "Submit the progress report 2029-Q1 on the Strategic Plan 2028-2032 to the Management Board"
    # Easter Monday (2 April 2029) does not count: the twentieth working day is Monday 30 April.
    assert local(task.due_at) == "Mon 30 Apr 2029 17:00"
    assert three_days_later.task.due_at == task.due_at
    risk = open_report("plan/2028-2032/risk/2029-Q1", at=utc(2029, 3, 31, 22))
    assert (risk.state.report_kind, risk.task.kind, risk.state.targets) == ("risk", "risk_report", ())


# -- a year of reports -----------------------------------------------------------------------------------------
def test_a_year_of_quarterly_progress_and_risk_reports_one_late_all_acknowledged_by_the_chair() -> None:
    reports: dict[str, ReportCase] = {}
    for slot in quarterly_schedule(ORGANISATION.fiscal_year_start_in(2029), 2029):
        opens = utc(slot.quarter_end.year, slot.quarter_end.month, slot.quarter_end.day, 22)
        for kind in ("progress", "risk"):
            case_id = report_case_id(PLAN, kind, slot.label)
            # The second quarter's progress report is delegated to the Head of Programmes, who is late.
            responsible = DELEGATE if case_id == "plan/2028-2032/report/2029-Q2" else None
            reports[case_id] = open_report(case_id, at=opens, responsible=responsible)

    late = reports["plan/2028-2032/report/2029-Q2"]
    assert (late.task.assignee, local(late.task.due_at)) == (DELEGATE, "Fri 27 Jul 2029 17:00")

    for case_id, report in reports.items():
        due = report.task.due_at
        assert due is not None
        if report is late:
            fired = report.fire(utc(2029, 8, 1, 8))
            # Reminded before, then escalated to the Director and flagged to the Chair.
            assert [(e.type, e.payload["to"]) for e in fired] == [(timed_step.REMINDER_SENT, DELEGATE)] * 3 + [
                (timed_step.ESCALATION_RAISED, DIRECTOR),
                (timed_step.ESCALATION_RAISED, CHAIR),
            ]
            assert [local(e.payload["planned_at"], "Europe/Berlin") for e in fired[3:]] == [
                "Mon 30 Jul 2029 09:00",
                "Wed 01 Aug 2029 09:00",
            ]
            submitted = report.submit(DELEGATE, at=utc(2029, 8, 2, 9))
        else:
            reminders = report.fire(due.replace(hour=6))
            assert {e.payload["to"] for e in reminders} == {DIRECTOR}
            submitted = report.submit(DIRECTOR, at=due.replace(hour=10))
        assert types(submitted) == [board_report.SUBMITTED, timed_step.TASK_COMPLETED, timed_step.TASK_OPENED]
        assert submitted[0].payload["late"] is (report is late)
        acknowledgement = report.state.tasks["acknowledgement"]
        assert (acknowledgement.assignee, acknowledgement.action) == (CHAIR, "acknowledge")

        acknowledged = report.act(CHAIR, "acknowledge", at=report.clock + timedelta(days=3))
        assert types(acknowledged) == [board_report.ACKNOWLEDGED, timed_step.TASK_COMPLETED, CASE_CLOSED]
        assert (acknowledged[0].actor, acknowledged[0].actor_role) == (CHAIR, "board_chair")
        assert acknowledged[0].payload == {
            "report_kind": report.state.report_kind,
            "quarter": case_id[-7:],
            "for": "management_board",
            "submitted_late": report is late,
        }
        assert (report.state.closed, report.state.outcome, report.state.stage) == (True, "acknowledged", "acknowledged")

    escalations = [
        (case_id, e.payload["to"], e.payload["level"])
        for case_id, report in reports.items()
        for e in report.events
        if e.type == timed_step.ESCALATION_RAISED
    ]
    assert escalations == [
        ("plan/2028-2032/report/2029-Q2", DIRECTOR, 1),
        ("plan/2028-2032/report/2029-Q2", CHAIR, 2),
    ]

    progress = reports["plan/2028-2032/report/2029-Q1"].submission
    assert (progress.type, progress.actor, progress.actor_role) == (board_report.SUBMITTED, DIRECTOR, "director")
    assert progress.payload == {
        "report_kind": "progress",
        "quarter": "2029-Q1",
        "progress": [
            {"target": "T1", "value": "12"},
            {"target": "T2", "value": "0.4"},
            {"target": "T3", "value": "5"},
        ],
        "document_sha256": None,
        "due_at": "2029-04-30T15:00:00+00:00",
        "late": False,
    }
    risks = reports["plan/2028-2032/risk/2029-Q4"].submission
    assert risks.payload["risks"] == [
        {"id": "R1", "title": "Core funding below the 2029 budget", "rating": "high"},
        {"id": "R2", "title": "Hub staffing in Hanoi: two posts vacant", "rating": "medium"},
    ]
    assert late.submission.actor_role == "delegate"
    summary = BOARD_REPORT.stage_summary(reports["plan/2028-2032/report/2029-Q3"].state)
    assert summary["progress"] == {"T1": "12", "T2": "0.4", "T3": "5"}
    assert summary["acknowledged_by"] == CHAIR


def test_a_late_report_of_the_directors_own_is_flagged_to_the_chair() -> None:
    report = open_report("plan/2028-2032/risk/2029-Q2", at=utc(2029, 6, 30, 22))

    fired = report.fire(utc(2029, 8, 1, 8))

    assert [(e.type, e.payload["to"]) for e in fired if e.type == timed_step.ESCALATION_RAISED] == [
        (timed_step.ESCALATION_RAISED, CHAIR)
    ]


def test_the_director_may_submit_a_delegated_report_and_a_substitute_acts_for_the_delegate() -> None:
    by_director = open_report("plan/2028-2032/report/2029-Q2", at=utc(2029, 6, 30, 22), responsible=DELEGATE)
    events = by_director.submit(DIRECTOR, at=utc(2029, 7, 20, 9))
    assert (events[0].actor, events[0].actor_role, events[0].on_behalf_of) == (DIRECTOR, "director", None)

    by_substitute = open_report("plan/2028-2032/report/2029-Q2", at=utc(2029, 6, 30, 22), responsible=DELEGATE)
    by_substitute.act(DELEGATE, "delegate", at=utc(2029, 7, 2, 9), substitute="programme-officer-brussels",
                      starts_on="2029-07-16", ends_on="2029-07-27")  # fmt: skip
    events = by_substitute.submit("programme-officer-brussels", at=utc(2029, 7, 20, 9))
    assert (events[0].actor, events[0].actor_role, events[0].on_behalf_of) == (
        "programme-officer-brussels",
        "delegate",
        DELEGATE,
    )


# -- contents as field text ------------------------------------------------------------------------------------
def test_progress_values_and_key_risks_read_from_field_text() -> None:
    assert parse_progress("T1=12; T2=1,250.5\nT3=-2") == {
        "T1": Decimal("12"),
        "T2": Decimal("1250.5"),
        "T3": Decimal("-2"),
    }
    assert parse_risks("R1=Exchange-rate losses: EUR grants:Critical") == [
        KeyRisk(id="R1", title="Exchange-rate losses: EUR grants", rating="critical")
    ]


@pytest.mark.parametrize(
    ("parse", "text", "sentence"),
    [
        (
            parse_progress,
            "T1 12",
            "Entry 1 ('T1 12') is not in the form TARGET=value, entries separated by ';' (e.g. T1=12;T2=3.5).",
        ),  # fmt: skip
        (parse_progress, "T1=twelve", "Entry 1 ('T1=twelve'): 'twelve' is not a number."),
        (parse_progress, "T1=1;T1=2", "Target T1 is reported twice."),
        (
            parse_risks,
            "R1=Funding",
            "Entry 1 ('R1=Funding') is not in the form ID=description:rating with rating "
            "one of low, medium, high, critical, entries separated by ';'.",
        ),  # fmt: skip
        (
            parse_risks,
            "R1=Funding:severe",
            "Entry 1 ('R1=Funding:severe'): 'severe' is not a rating (low, medium, high, critical).",
        ),  # fmt: skip
        (parse_risks, "R1=Funding:high;R1=Staff:low", "Risk R1 is listed twice."),
    ],
)
def test_contents_that_do_not_read_are_refused_with_a_sentence(parse: Any, text: str, sentence: str) -> None:
    with pytest.raises(PlanFormatError) as refused:
        parse(text)
    assert str(refused.value) == sentence


# -- refusals --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("case_id", "changes", "sentence"),
    [
        (
            "plan/2028-2032/report/2029-Q5",
            {},
            "'plan/2028-2032/report/2029-Q5' is not a quarterly report case (plan/<period>/report/<year>-Q<n> or "
            "plan/<period>/risk/<year>-Q<n>).",
        ),
        ("plan/2028-2032/risk/2027-Q4", {}, "Fiscal year 2027 is outside the Strategic Plan 2028-2032."),
        (
            "plan/2028-2032/report/2029-Q1",
            {"targets": ()},
            "A progress report reports against the Strategic Plan's targets; the plan has none.",
        ),
        (
            "plan/2028-2032/report/2029-Q1",
            {"responsible": "board-member-2"},
            "Board Member 2 (Donor) is not Secretariat staff; a report to the Board comes from the Director or a "
            "delegate in the Secretariat.",
        ),
        (
            "plan/2028-2032/report/2029-Q1",
            {"responsible": "nobody"},
            "Unknown person 'nobody': not in the organisation file.",
        ),
        (
            "plan/2028-2032/report/2029-Q1",
            {"working_days": 0},
            "A report is due at least 1 working day after its quarter, not 0.",
        ),
    ],
)
def test_opening_refusals(case_id: str, changes: dict[str, Any], sentence: str) -> None:
    assert opening_refusal(case_id, **changes) == sentence


def test_progress_report_refusals() -> None:
    report = open_report("plan/2028-2032/report/2029-Q1", at=utc(2029, 3, 31, 22), responsible=DELEGATE)

    assert report.refusal(CHAIR, "acknowledge") == (
        "The progress report 2029-Q1 on the Strategic Plan 2028-2032 has not been submitted yet; there is nothing "
        "to acknowledge."
    )
    assert report.refusal("finance-officer", "submit-report", progress=PROGRESS) == (
        "Only Head of Programmes (head-of-programmes), or their substitute while they are away, may submit the "
        "progress report 2029-Q1 on the Strategic Plan 2028-2032 (or the Director)."
    )
    assert report.refusal(DELEGATE, "submit-report", progress="T1=12;T2=0.4") == (
        "The progress report 2029-Q1 on the Strategic Plan 2028-2032 gives no value for T3; report every target of "
        "the plan (T1, T2, T3)."
    )
    assert report.refusal(DELEGATE, "submit-report", progress=PROGRESS + ";T9=1") == (
        "Target T9 is not a target of the Strategic Plan (its targets: T1, T2, T3)."
    )
    assert report.refusal(DELEGATE, "submit-report", progress="T1=12;T2=lots;T3=5") == (
        "The progress report 2029-Q1 on the Strategic Plan 2028-2032 does not read: Entry 2 ('T2=lots'): 'lots' is "
        "not a number."
    )
    assert report.refusal(DELEGATE, "submit-report", risks=RISKS) == (
        "Action 'submit-report' has bad input: field 'progress' is required; field 'risks' is not known; the fields "
        "of 'submit-report' are: progress, document_sha256."
    )
    assert report.refusal(DIRECTOR, "reassign", task="report", to="board-member-2", comment="Board liaison") == (
        "Board Member 2 (Donor) is not Secretariat staff; a report to the Board comes from the Director or a "
        "delegate in the Secretariat."
    )
    assert report.refusal(DIRECTOR, "publish") == (
        "Unknown action 'publish' for a report to the Board; known actions: acknowledge, submit-report."
    )

    report.submit(DELEGATE, at=utc(2029, 4, 20, 9))

    assert report.refusal(DELEGATE, "submit-report", progress=PROGRESS) == (
        "The progress report 2029-Q1 on the Strategic Plan 2028-2032 was already submitted; it awaits the Board "
        "Chair's acknowledgement."
    )
    assert report.refusal(DIRECTOR, "acknowledge") == (
        "Only Board Chair (Member State) (board-chair), or their substitute while they are away, may acknowledge "
        "the progress report 2029-Q1 on the Strategic Plan 2028-2032 for the Management Board."
    )
    assert report.refusal(CHAIR, "acknowledge", decision="accept") == (
        "Action 'acknowledge' has bad input: field 'decision' is not known; 'acknowledge' takes no fields."
    )
    assert report.refusal(DIRECTOR, "reassign", task="acknowledgement", to="board-member-3", comment="Chair away") == (
        "The Board Chair acknowledges reports for the Management Board; Board Member 3 (Donor) is not the Chair."
    )

    report.act(CHAIR, "acknowledge", at=utc(2029, 4, 25, 9), comment="Noted; T2 is behind.")

    assert report.refusal(CHAIR, "acknowledge") == (
        "Case plan/2028-2032/report/2029-Q1 is closed (acknowledged); it accepts no further actions."
    )


def test_risk_report_refusals() -> None:
    report = open_report("plan/2028-2032/risk/2029-Q1", at=utc(2029, 3, 31, 22))

    assert report.refusal(DIRECTOR, "submit-report", risks="") == (
        "The risk report lists the Director's key risks: give risks=ID=description:rating with rating one of low, "
        "medium, high, critical, entries separated by ';'."
    )
    assert report.refusal(DIRECTOR, "submit-report", risks="R1=Funding:severe") == (
        "The risk report 2029-Q1 (key risks, Strategic Plan 2028-2032) does not read: Entry 1 ('R1=Funding:severe'): "
        "'severe' is not a rating (low, medium, high, critical)."
    )
    assert report.refusal(DIRECTOR, "submit-report", progress=PROGRESS) == (
        "Action 'submit-report' has bad input: field 'risks' is required; field 'progress' is not known; the fields "
        "of 'submit-report' are: risks, document_sha256."
    )
    # A scenario file may give the risks as a list.
    events = report.act(DIRECTOR, "submit-report", at=utc(2029, 4, 20, 9),
                        risks=[{"id": "R1", "title": "Funding", "rating": "high"}])  # fmt: skip
    assert events[0].payload["risks"] == [{"id": "R1", "title": "Funding", "rating": "high"}]


def test_a_report_case_that_was_never_opened_refuses_actions() -> None:
    unopened = ReportCase(state=BOARD_REPORT.initial_state("plan/2028-2032/report/2029-Q1"), clock=utc(2029, 4, 1))

    assert unopened.refusal(DIRECTOR, "submit-report", progress=PROGRESS) == (
        "Report plan/2028-2032/report/2029-Q1 has not been opened."
    )
