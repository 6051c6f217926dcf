"""Staff act through the browser on `govern up`, as a person would: the sign-in link read from the `.eml`, My
tasks, the task's form; then what they see, and what the audit trail records (actor, channel web, on whose
behalf). The operator sets the cases up with the CLI."""

import re

from playwright.sync_api import Page, expect

from tests.web.installation import Installation, screenshot, sign_in_by_mail

OFFICER = "programme-officer-brussels"
OFFICER_MAIL = "programme-officer-brussels@secretariat.example.org"


def _reviewed(installation: Installation, case: str) -> None:
    """Screened, reviewers named and both reviews in: the approval step is open (held by the Director)."""
    installation.act(case, "screen", OFFICER, "outcome=eligible")
    installation.act(
        case,
        "assign-reviewers",
        "head-of-programmes",
        "reviewers=programme-officer-hanoi,partnerships-officer-brussels",
    )
    for reviewer in ("programme-officer-hanoi", "partnerships-officer-brussels"):
        installation.act(case, "declare-interests", reviewer, "conflict=no")
        installation.act(case, "review", reviewer, "score=4", "recommendation=approve")


def test_a_programme_officer_signs_in_by_mail_and_screens_a_grant(page: Page, installation: Installation) -> None:
    case = installation.submit_grant("kampala-upgrading.yaml", "2027-101")
    sign_in_by_mail(page, installation, OFFICER, OFFICER_MAIL)

    expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=case)
    expect(row).to_contain_text("Screen the eligibility of 'Citywide slum upgrading strategy for Kampala'")
    expect(row).to_contain_text("(Europe/Brussels)")
    screenshot(page, "my-tasks")

    row.get_by_role("link", name=re.compile("Screen the eligibility")).click()
    expect(page.get_by_role("heading", name="Screen the application")).to_be_visible()
    expect(page.get_by_text("Kampala Capital City Authority")).to_be_visible()  # the case's summary beside it
    page.get_by_label("eligible", exact=True).check()
    screenshot(page, "task-form")
    page.get_by_role("button", name="Screen the application").click()

    expect(page.get_by_role("status")).to_contain_text("Recorded. Screen the application: eligibility screened")
    expect(page.get_by_role("status")).to_contain_text("reviewer assignment")
    screened = [event for event in installation.trail(case) if event["type"] == "EligibilityScreened"]
    assert len(screened) == 1
    (event,) = screened
    assert event["actor"] == OFFICER and event["outcome"] == "eligible" and event["on_behalf_of"] is None
    channel = event["payload"]["channel"]
    assert channel["name"] == "web" and channel["sign_in"] == "email-link"
    assert re.fullmatch(r"[0-9a-f]{16}", channel["session"])
    # The result is the case's page, whose timeline says the same.
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    timeline = page.get_by_role("table").filter(has_text="Eligibility screened")
    expect(timeline.get_by_role("row").filter(has_text="Eligibility screened")).to_contain_text("web (email-link")


def test_the_head_of_programmes_approving_above_their_band_sees_the_rule_and_nothing_is_recorded(
    page: Page, installation: Installation
) -> None:
    case = installation.submit_grant("kampala-upgrading.yaml", "2027-102")
    _reviewed(installation, case)
    before = installation.trail(case)
    sign_in_by_mail(page, installation, "head-of-programmes", "head-of-programmes@secretariat.example.org")

    page.goto(f"{installation.url}/cases/{case}")
    page.get_by_role("link", name=re.compile("Approve")).first.click()
    page.get_by_label("approve", exact=True).check()
    page.get_by_role("button", name="Approve or reject").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(
        "Only the Director may approve grants between USD 50,000 and 250,000 (delegation of authority)."
    )
    expect(alert).to_contain_text("Nothing was recorded.")
    assert installation.trail(case) == before


def test_a_substitute_approves_on_behalf_of_the_absent_director(page: Page, installation: Installation) -> None:
    case = installation.submit_grant("kampala-upgrading.yaml", "2027-103")
    _reviewed(installation, case)
    today = installation.govern("status", case).stdout  # the case is at approval
    assert "approval" in today
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    brussels = datetime.now(UTC).astimezone(ZoneInfo("Europe/Brussels")).date()
    installation.act(
        case,
        "delegate",
        "director",
        "substitute=head-of-operations",
        f"starts_on={brussels - timedelta(days=1)}",
        f"ends_on={brussels + timedelta(days=7)}",
        comment="Director on mission",
    )
    sign_in_by_mail(page, installation, "head-of-operations", "head-of-operations@secretariat.example.org")

    row = page.get_by_role("row").filter(has_text=case)
    expect(row).to_contain_text("on behalf of Director")
    row.get_by_role("link").first.click()
    expect(page.get_by_text("You act on behalf of Director")).to_be_visible()
    page.get_by_label("approve", exact=True).check()
    page.get_by_role("button", name="Approve or reject").click()

    expect(page.get_by_role("status")).to_contain_text("Recorded.")
    (approved,) = [event for event in installation.trail(case) if event["type"] == "GrantApproved"]
    assert approved["actor"] == "head-of-operations" and approved["on_behalf_of"] == "director"
    assert approved["payload"]["channel"]["name"] == "web"
    row = page.get_by_role("row").filter(has_text="Grant approved")
    expect(row).to_contain_text("Head of Operations")
    expect(row).to_contain_text("Director")


def test_reviewers_are_named_by_ticking_them_and_review_through_their_forms(
    page: Page, installation: Installation, chromium
) -> None:
    from tests.web.installation import new_page

    case = installation.submit_grant("kampala-upgrading.yaml", "2027-104")
    installation.act(case, "screen", OFFICER, "outcome=eligible")
    sign_in_by_mail(page, installation, "head-of-programmes", "head-of-programmes@secretariat.example.org")
    page.get_by_role("row").filter(has_text=case).get_by_role("link").first.click()
    reviewers = page.get_by_role("group", name="Reviewers")
    reviewers.get_by_label("Programme Officer (Hanoi) (programme-officer-hanoi)").check()
    reviewers.get_by_label("Partnerships Officer (Brussels) (partnerships-officer-brussels)").check()
    page.get_by_role("button", name="Name the technical reviewers").click()
    expect(page.get_by_role("status")).to_contain_text("Recorded. Name the technical reviewers: reviewers assigned")
    (assigned,) = [event for event in installation.trail(case) if event["type"] == "ReviewersAssigned"]
    assert assigned["actor"] == "head-of-programmes"
    assert sorted(assigned["payload"]["reviewers"]) == ["partnerships-officer-brussels", "programme-officer-hanoi"]

    reviewer = new_page(chromium, installation)
    sign_in_by_mail(
        reviewer, installation, "programme-officer-hanoi", "programme-officer-hanoi@secretariat.example.org"
    )
    reviewer.goto(f"{installation.url}/cases/{case}")
    reviewer.get_by_role("link", name=re.compile("[Dd]eclare")).first.click()
    reviewer.get_by_label("no", exact=True).check()
    reviewer.get_by_role("button", name="Declare your interests").click()
    expect(reviewer.get_by_role("status")).to_contain_text("Recorded.")
    reviewer.goto(f"{installation.url}/cases/{case}")
    reviewer.get_by_role("link", name=re.compile("[Rr]eview")).first.click()
    reviewer.get_by_label("Score").fill("4")
    reviewer.get_by_label("approve", exact=True).check()
    reviewer.get_by_label("Comment").fill("Strong citywide approach")
    reviewer.get_by_role("button", name="Submit your technical review").click()
    expect(reviewer.get_by_role("status")).to_contain_text("Recorded. Submit your technical review")
    (review,) = [event for event in installation.trail(case) if event["type"] == "TechnicalReviewSubmitted"]
    assert review["actor"] == "programme-officer-hanoi" and review["reason"] == "Strong citywide approach"
    assert review["payload"]["score"] == 4
    reviewer.context.close()
