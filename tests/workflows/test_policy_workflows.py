"""Instrument registers and policy reviews under time-skipping: reviews start at their due dates over several
cycles, the owner is warned ahead, a publication moves the next due date, and an edit restarts approvals."""

from pathlib import Path
from typing import Any

from runtime.organisation_loader import load_organisation
from runtime.settings import EXAMPLE_ORGANISATION

REPO = Path(__file__).resolve().parents[2]
STAFF = [person.id for person in load_organisation(EXAMPLE_ORGANISATION).attestation_scope_of("sops")]


def act(at: str, case: str, action: str, actor: str, **extra: Any) -> dict[str, Any]:
    return {"at": at, "case": case, "action": action, "as": actor, **extra}


def acknowledgements(case: str, day: str) -> list[dict[str, Any]]:
    return [act(f"{day}T{8 + i % 9:02d}:00:00+02:00", case, "acknowledge", person) for i, person in enumerate(STAFF)]


async def test_the_sops_register_starts_reviews_at_their_due_dates_over_two_cycles(run_inline) -> None:
    # The SOPs were published on 2026-09-15 with a 12-month interval: the first review falls due 2027-09-15.
    first, second = "policy/sops/review/1", "policy/sops/review/2"
    outcome = await run_inline(
        {
            "start": "2027-07-01T06:00:00Z",
            "until": "2028-10-15T00:00:00Z",
            "cases": [{"kind": "policy_register", "instrument": "sops"}],
            "actions": [
                act(
                    "2027-09-16T10:00:00+02:00",
                    first,
                    "reaffirm",
                    "head-of-operations",
                    comment="Procedures still match practice.",
                ),
                act("2027-09-17T10:00:00+02:00", first, "endorse", "director", fields={"decision": "approve"}),
                # Published inside the warning window: the next review is still a full interval later.
                act(
                    "2027-09-20T10:00:00+02:00",
                    first,
                    "publish",
                    "head-of-operations",
                    fields={"published_on": "2027-09-20"},
                ),
                *acknowledgements(first, "2027-09-21"),
            ],
            "expect": {
                "events": [
                    {
                        "case": "policy/sops",
                        "type": "ReviewStarted",
                        "actor": "system",
                        "outcome": "due",
                        "payload": {"review_case": first, "due_on": "2027-09-15"},
                    },
                    {
                        "case": "policy/sops",
                        "type": "VersionRecorded",
                        "payload": {"version": "5.2", "reaffirmed": True, "next_review_on": "2028-09-20"},
                    },
                    {
                        "case": "policy/sops",
                        "type": "ReviewStarted",
                        "actor": "system",
                        "outcome": "due",
                        "payload": {"review_case": second, "due_on": "2028-09-20"},
                    },
                ],
                "reminders": [
                    # The warning period: 20 Brussels working days before each due date, 09:00 local.
                    {
                        "to": "head-of-operations",
                        "case": "policy/sops",
                        "task": "review-due-1",
                        "local": "2027-08-18 09:00",
                    },
                    {
                        "to": "head-of-operations",
                        "case": "policy/sops",
                        "task": "review-due-2",
                        "local": "2028-08-23 09:00",
                    },
                ],
                "stages": {"policy/sops": "review_open", first: "closed"},
            },
        }
    )
    started = [e for e in outcome.events if e.type == "ReviewStarted"]
    # Timers fire at the recorded instant (Temporal may add a few milliseconds).
    assert [e.occurred_at.replace(microsecond=0).isoformat() for e in started] == [
        "2027-09-15T07:00:00+00:00",
        "2028-09-20T07:00:00+00:00",
    ]


async def test_an_edit_after_approvals_started_restarts_them_on_the_record(run_inline) -> None:
    review = "policy/results-framework/review/1"
    await run_inline(
        {
            "start": "2027-06-01T06:00:00Z",
            "until": "2027-06-20T00:00:00Z",
            "cases": [{"kind": "policy_register", "instrument": "results-framework"}],
            "actions": [
                act(
                    "2027-06-01T10:00:00+02:00",
                    "policy/results-framework",
                    "start-review",
                    "director",
                    comment="Align with the new Strategic Plan",
                ),
                act(
                    "2027-06-02T10:00:00+02:00",
                    "policy/results-framework",
                    "start-review",
                    "director",
                    expect="refused",
                    refusal="already open",
                ),
                act(
                    "2027-06-03T10:00:00+02:00",
                    review,
                    "submit-revision",
                    "head-of-programmes",
                    fields={"document": "documents/charter-v4.md", "change_summary": "New indicators."},
                ),
                act(
                    "2027-06-04T10:00:00+02:00",
                    review,
                    "compliance-review",
                    "compliance-officer",
                    fields={"decision": "accept"},
                ),
                act(
                    "2027-06-07T10:00:00+02:00",
                    review,
                    "submit-revision",
                    "head-of-programmes",
                    fields={"document": "documents/charter-v4-rev2.md", "change_summary": "Baseline corrected."},
                    comment="A baseline figure was wrong",
                ),
                act(
                    "2027-06-08T10:00:00+02:00",
                    review,
                    "endorse",
                    "director",
                    fields={"decision": "approve"},
                    expect="refused",
                ),
            ],
            "expect": {
                "events": [
                    {"case": review, "type": "ComplianceReviewAccepted"},
                    {"case": review, "type": "ApprovalsRestarted", "actor": "head-of-programmes"},
                ],
                "stages": {review: "compliance_review"},
            },
        }
    )


async def test_a_staff_member_who_joins_after_publication_gets_the_acknowledgement_too(
    time_skipping, audit_store, settings, tmp_path
) -> None:
    import yaml

    from domain.organisation_file import parse_organisation
    from simulation.expectations import check
    from simulation.runner import run_scenario
    from simulation.scenario import Scenario

    data = yaml.safe_load(EXAMPLE_ORGANISATION.read_text())
    data["people"].append(
        {
            "id": "programme-officer-new",
            "name": "Programme Officer (new, Brussels)",
            "email": "programme-officer-new@secretariat.example.org",
            "hub": "brussels",
            "time_zone": "Europe/Brussels",
            "supervisor": "head-of-programmes",
            "roles": ["programme_officer"],
            "joined_on": "2027-10-18",
        }
    )
    organisation = parse_organisation(yaml.safe_dump(data))
    review = "policy/sops/review/1"
    scenario = Scenario.model_validate(
        {
            "organisation": data,
            "start": "2027-10-04T06:00:00Z",
            "until": "2027-10-21T00:00:00Z",
            "cases": [{"kind": "policy_register", "instrument": "sops"}],
            "actions": [
                # The SOPs fell due on 2027-09-15, so the register opens their review at once.
                act("2027-10-05T10:00:00+02:00", review, "reaffirm", "head-of-operations", comment="Still right."),
                act("2027-10-06T10:00:00+02:00", review, "endorse", "director", fields={"decision": "approve"}),
                act("2027-10-07T10:00:00+02:00", review, "publish", "head-of-operations"),
                act("2027-10-20T10:00:00+02:00", review, "acknowledge", "programme-officer-new"),
            ],
            "expect": {
                "events": [
                    {
                        "case": review,
                        "type": "AttestationAdded",
                        "actor": "system",
                        "payload": {"person": "programme-officer-new"},
                    },
                    {"case": review, "type": "PolicyAcknowledged", "actor": "programme-officer-new"},
                ],
            },
        }
    )
    outcome = await run_scenario(
        scenario, REPO, organisation, audit_store, settings, tmp_path / "mail", environment=time_skipping
    )
    failures = outcome.problems + check(scenario.expect, outcome.events, outcome.stages, organisation)
    assert not failures, "\n".join(failures)
    published = next(e for e in outcome.events if e.type == "InstrumentPublished")
    assert "programme-officer-new" not in published.payload["attestation_scope"]
    added = next(e for e in outcome.events if e.type == "AttestationAdded")
    assert added.occurred_at.date().isoformat() == "2027-10-18"
