"""The auditor's page, who may see what (404, never 403), sign-in through an OpenID provider on loopback, and
the security checks a person could try from their own browser: a reused link, a form without its token, a
forged actor."""

import json
import re

from playwright.sync_api import Page, expect

from tests.web.installation import Installation, OidcProvider, new_page, screenshot, sign_in_by_mail
from web.guards import CSRF_REFUSAL
from web.sign_in_links import REFUSALS

AUDITOR = ("internal-auditor", "internal-auditor@secretariat.example.org")
OFFICER = ("programme-officer-brussels", "programme-officer-brussels@secretariat.example.org")


def _csrf(page: Page) -> str:
    token = page.locator("form[action='/sign-out'] input[name=csrf_token]").get_attribute("value")
    assert token
    return token


def test_the_auditor_verifies_the_chain_and_against_a_checkpoint_and_downloads_an_export(
    page: Page, installation: Installation, chromium
) -> None:
    case = installation.submit_grant("kampala-upgrading.yaml", "2027-111")
    officer = new_page(chromium, installation)  # the officer screens in the browser, so the timeline shows both
    sign_in_by_mail(officer, installation, *OFFICER)
    officer.goto(f"{installation.url}/cases/{case}/tasks/screening")
    officer.get_by_label("eligible", exact=True).check()
    officer.get_by_role("button", name="Screen the application").click()
    expect(officer.get_by_role("status")).to_contain_text("Recorded.")
    officer.context.close()
    refused = installation.govern("act", case, "screen", "--as", OFFICER[0], "--field", "outcome=eligible", ok=False)
    assert refused.returncode == 1
    checkpoint = installation.govern("audit", "checkpoint").stdout.strip()
    sign_in_by_mail(page, installation, *AUDITOR)

    page.get_by_role("link", name="Audit").click()
    expect(page.get_by_role("heading", name="Audit", exact=True)).to_be_visible()
    attempts = page.get_by_role("region", name="Refused attempts").get_by_role("row").filter(has_text=case)
    expect(attempts.first).to_contain_text("Programme Officer (Brussels)")
    expect(attempts.first).to_contain_text(refused.stderr.strip())
    page.get_by_role("button", name="Verify the whole chain").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Audit chain intact: \d+ events, head [0-9a-f]{12}"))

    page.get_by_label(re.compile("Signed checkpoint")).set_input_files(checkpoint)
    page.get_by_role("button", name="Verify against this checkpoint").click()
    expect(page.get_by_role("status")).to_contain_text("it extends the signed checkpoint at sequence")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download jsonl").click()
    records = [json.loads(line) for line in open(download.value.path(), encoding="utf-8")]
    assert records and {"seq", "prev_hash", "hash", "payload"} <= set(records[0])
    assert [record["seq"] for record in records] == list(range(1, len(records) + 1))
    assert any(record["stream_id"] == case for record in records)

    # Every case and its timeline: the auditor opens a case they take no part in.
    page.get_by_role("link", name=case).first.click()
    expect(page.get_by_role("row").filter(has_text="Eligibility screened")).to_contain_text(
        "Programme Officer (Brussels)"
    )
    expect(page.get_by_text("(internal-auditor; times in Europe/Brussels)")).to_be_visible()
    screenshot(page, "auditor-timeline")


def test_a_non_auditor_gets_404_on_the_auditors_pages(page: Page, installation: Installation) -> None:
    sign_in_by_mail(page, installation, *OFFICER)
    expect(page.get_by_role("link", name="Audit")).to_have_count(0)
    for path in ("/audit", "/audit/export?format=jsonl"):
        response = page.goto(f"{installation.url}{path}")
        assert response is not None and response.status == 404
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    verify = page.request.post(f"{installation.url}/audit/verify", form={"csrf_token": _csrf(page)})
    assert verify.status == 404


def test_one_staff_member_cannot_open_anothers_appraisal(page: Page, installation: Installation) -> None:
    installation.govern("appraisal", "launch", "--cycle", "2027", "--role", "management_team", "--as", "director")
    sign_in_by_mail(page, installation, "head-of-operations", "head-of-operations@secretariat.example.org")
    own = page.goto(f"{installation.url}/cases/appraisal/2027/head-of-operations")
    assert own is not None and own.status == 200
    other = page.goto(f"{installation.url}/cases/appraisal/2027/head-of-programmes")
    assert other is not None and other.status == 404
    refused = page.content()
    missing = page.goto(f"{installation.url}/cases/appraisal/2027/nobody-at-all")
    assert missing is not None and missing.status == 404
    assert page.content() == refused  # the same page: it does not reveal that the appraisal exists


def test_sign_in_through_an_openid_provider_on_loopback(
    page: Page, installation: Installation, oidc: OidcProvider, chromium
) -> None:
    case = installation.submit_grant("lima-resilience.yaml", "2027-112")
    oidc.set_user("hanoi-officer", {"email": "programme-officer-hanoi@secretariat.example.org", "name": "Officer"})
    page.goto(f"{installation.url}/sign-in")
    page.get_by_role("link", name="Sign in with your organisation account").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(oidc.url)}/oauth2/authorize\?.*code_challenge_method=S256"))
    page.get_by_placeholder("sub").fill("hanoi-officer")
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_text("Signed in as")).to_contain_text("Programme Officer (Hanoi)")
    expect(page).to_have_url(f"{installation.url}/tasks")

    page.get_by_role("row").filter(has_text=case).get_by_role("link").first.click()
    page.get_by_label("eligible", exact=True).check()
    page.get_by_role("button", name="Screen the application").click()
    expect(page.get_by_role("status")).to_contain_text("Recorded.")
    (screened,) = [event for event in installation.trail(case) if event["type"] == "EligibilityScreened"]
    assert screened["actor"] == "programme-officer-hanoi"
    assert screened["payload"]["channel"]["name"] == "web" and screened["payload"]["channel"]["sign_in"] == "oidc"

    # Someone the provider knows but the organisation file does not is not signed in.
    stranger = new_page(chromium, installation)
    oidc.set_user("stranger", {"email": "stranger@elsewhere.example.org"})
    stranger.goto(f"{installation.url}/sign-in")
    stranger.get_by_role("link", name="Sign in with your organisation account").click()
    stranger.get_by_placeholder("sub").fill("stranger")
    stranger.get_by_role("button", name="Authorize").click()
    expect(stranger.get_by_role("alert")).to_contain_text(
        "Your organisation account (stranger@elsewhere.example.org) does not match anyone in the organisation file"
    )
    assert stranger.goto(f"{installation.url}/tasks").url.startswith(f"{installation.url}/sign-in")
    stranger.context.close()


def test_a_reused_link_a_post_without_its_token_and_a_forged_actor_change_nothing(
    page: Page, installation: Installation
) -> None:
    case = installation.submit_grant("kampala-upgrading.yaml", "2027-113")
    link = sign_in_by_mail(page, installation, *OFFICER)

    page.goto(link)
    expect(page.get_by_role("alert")).to_contain_text(REFUSALS["used"])

    before = installation.trail(case)
    page.goto(f"{installation.url}/tasks")
    without = page.request.post(
        f"{installation.url}/cases/{case}/act", form={"action": "screen", "outcome": "eligible"}
    )
    assert without.status == 403 and CSRF_REFUSAL in without.text().replace("&#39;", "'")
    assert installation.trail(case) == before

    forged = page.request.post(
        f"{installation.url}/cases/{case}/act",
        form={
            "action": "screen",
            "outcome": "eligible",
            "csrf_token": _csrf(page),
            "actor": "director",
            "as": "director",
            "on_behalf_of": "director",
            "channel": "cli",
        },
    )
    assert forged.status == 200, forged.text()
    (screened,) = [event for event in installation.trail(case) if event["type"] == "EligibilityScreened"]
    assert screened["actor"] == OFFICER[0] and screened["on_behalf_of"] is None
    assert screened["payload"]["channel"]["name"] == "web"
