"""The Board through the browser: a member objects with grounds, another declares a conflict and can then no
longer respond, an observer reads but cannot respond, a vote is cast and changed before the close."""

import time

from playwright.sync_api import Page, expect

from tests.web.installation import Installation, screenshot, sign_in_by_mail


def _board_case(installation: Installation, case: str) -> None:
    deadline = time.monotonic() + 30
    while installation.govern("status", case, ok=False).returncode != 0:
        assert time.monotonic() < deadline, f"{case} was never opened"
        time.sleep(0.3)


def _endorsed_large_grant(installation: Installation, reference: str) -> str:
    case = installation.submit_grant("lima-resilience.yaml", reference)
    installation.act(case, "screen", "programme-officer-hanoi", "outcome=eligible")
    installation.act(
        case,
        "assign-reviewers",
        "head-of-programmes",
        "reviewers=programme-officer-pretoria,partnerships-officer-brussels",
    )
    for reviewer in ("programme-officer-pretoria", "partnerships-officer-brussels"):
        installation.act(case, "declare-interests", reviewer, "conflict=no")
        installation.act(case, "review", reviewer, "score=4", "recommendation=approve")
    installation.act(case, "endorse", "director", "decision=approve", comment="Strategic fit.")
    board = f"{case}/board/1"
    _board_case(installation, board)
    return board


def _member(number: int) -> tuple[str, str]:
    return f"board-member-{number}", f"board-member-{number}@board.example.org"


def test_board_members_object_with_grounds_declare_conflicts_and_observers_only_read(
    page: Page, installation: Installation, chromium
) -> None:
    from tests.web.installation import new_page

    board = _endorsed_large_grant(installation, "2027-121")

    # An observer sees the procedure and who has responded, but has nothing to respond with.
    sign_in_by_mail(page, installation, "board-observer-1", "board-observer-1@board.example.org")
    page.goto(f"{installation.url}/board")
    procedure = page.get_by_role("article").filter(has_text=board)
    expect(procedure).to_contain_text("You observe this procedure: observers may read it but do not respond.")
    expect(procedure.get_by_role("button")).to_have_count(0)
    page.context.close()

    # Member 4 declares a conflict; then there is nothing left for them to respond with.
    member, address = _member(4)
    page = new_page(chromium, installation)
    sign_in_by_mail(page, installation, member, address)
    page.goto(f"{installation.url}/board")
    procedure = page.get_by_role("article").filter(has_text=board)
    expect(procedure).to_contain_text("Silence is assent")
    expect(procedure.get_by_role("row").filter(has_text="(you)")).to_contain_text("not responded yet")
    procedure.get_by_role("form", name="Declare a conflict of interest").get_by_label("The interest you declare").fill(
        "I sit on the board of the Municipality of Lima's housing fund."
    )
    procedure.get_by_role("button", name="Declare a conflict of interest").click()
    expect(page.get_by_role("status")).to_contain_text("Recorded. Declare a conflict of interest: member recused")
    page.goto(f"{installation.url}/board")
    procedure = page.get_by_role("article").filter(has_text=board)
    expect(procedure.get_by_role("row").filter(has_text="(you)")).to_contain_text("recused")
    expect(procedure.get_by_role("button", name="Object")).to_have_count(0)
    # Sending an objection anyway (as a hand-made form would) is refused by the rule, and nothing is recorded.
    before = installation.trail(board)
    token = page.locator("form[action='/sign-out'] input[name=csrf_token]").get_attribute("value")
    refused = page.request.post(
        f"{installation.url}/cases/{board}/act",
        form={"action": "object", "comment": "I object after all.", "csrf_token": token or ""},
    )
    assert refused.status == 422
    assert "Nothing was recorded." in refused.text()
    assert installation.trail(board) == before
    page.context.close()

    # Member 2 objects, with grounds; the trail records the grounds, the member and the web.
    member, address = _member(2)
    page = new_page(chromium, installation)
    sign_in_by_mail(page, installation, member, address)
    page.goto(f"{installation.url}/board")
    procedure = page.get_by_role("article").filter(has_text=board)
    expect(procedure.get_by_role("row").filter(has_text="Board Member 4")).to_contain_text("recused")
    screenshot(page, "board-procedure")
    procedure.get_by_role("form", name="Object").get_by_label("Grounds for objecting").fill(
        "The resettlement plan has not been consulted with the affected communities."
    )
    procedure.get_by_role("button", name="Object", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Recorded. Object: objection lodged")
    trail = installation.trail(board)
    (objection,) = [event for event in trail if event["type"] == "ObjectionLodged"]
    assert objection["actor"] == member
    assert objection["reason"] == "The resettlement plan has not been consulted with the affected communities."
    assert objection["payload"]["channel"]["name"] == "web"
    (recusal,) = [event for event in trail if event["type"] == "MemberRecused"]
    assert recusal["actor"] == "board-member-4" and recusal["payload"]["channel"]["name"] == "web"


def test_a_board_vote_is_cast_and_changed_before_the_close(page: Page, installation: Installation, chromium) -> None:
    from tests.web.installation import new_page

    installation.govern("policy", "review", "start", "charter", "--as", "director", "--comment", "Browser test.")
    review = "policy/charter/review/1"
    _board_case(installation, review)
    document = installation.root / "charter-v4.md"
    document.write_text("# Charter v4\n\nThe revised Charter.\n")
    installation.act(review, "submit-revision", "director", f"document={document}", "change_summary=Revised.")
    installation.act(review, "compliance-review", "compliance-officer", "decision=accept")
    installation.act(review, "endorse", "director", "decision=approve")
    board = f"{review}/board/1"
    _board_case(installation, board)

    member, address = _member(3)
    sign_in_by_mail(page, installation, member, address)
    page.goto(f"{installation.url}/board")
    procedure = page.get_by_role("article").filter(has_text=board)
    expect(procedure).to_contain_text("You may change your vote until the close.")
    expect(procedure.get_by_role("link", name="charter-v4.md")).to_be_visible()  # the papers
    vote = procedure.get_by_role("form", name="Vote")
    vote.get_by_label("approve", exact=True).check()
    vote.get_by_role("button", name="Vote").click()
    expect(page.get_by_role("status")).to_contain_text("Recorded. Vote: vote cast")
    expect(page.get_by_role("row").filter(has_text="(you)")).to_contain_text("approve")

    page.goto(f"{installation.url}/board")
    vote = page.get_by_role("article").filter(has_text=board).get_by_role("form", name="Vote")
    expect(vote.get_by_label("approve", exact=True)).to_have_count(0)  # the vote it already has
    vote.get_by_label("reject", exact=True).check()
    vote.get_by_role("button", name="Vote").click()
    expect(page.get_by_role("status")).to_contain_text("Recorded. Vote: vote cast")
    expect(page.get_by_role("row").filter(has_text="(you)")).to_contain_text("reject")

    votes = [event for event in installation.trail(board) if event["type"] == "VoteCast"]
    assert [(event["actor"], event["outcome"]) for event in votes] == [(member, "approve"), (member, "reject")]
    assert all(event["payload"]["channel"]["name"] == "web" for event in votes)
    with page.expect_download() as paper:
        page.get_by_role("link", name="charter-v4.md").first.click()
    assert open(paper.value.path(), encoding="utf-8").read() == document.read_text()

    # Another member sees that member 3 has voted, not how, while the vote is open: on the Board page and in
    # the case's timeline alike.
    other = new_page(chromium, installation)
    sign_in_by_mail(other, installation, *_member(6))
    other.goto(f"{installation.url}/board")
    procedure = other.get_by_role("article").filter(has_text=board)
    expect(procedure.get_by_role("row").filter(has_text="Board Member 3")).to_contain_text("responded")
    expect(procedure.get_by_role("row").filter(has_text="Board Member 3")).not_to_contain_text("reject")
    other.goto(f"{installation.url}/cases/{board}")
    expect(other.get_by_role("row").filter(has_text="Vote cast")).to_have_count(2)
    for row in other.get_by_role("row").filter(has_text="Vote cast").all():
        expect(row).to_contain_text("not shown until the close")
        expect(row).not_to_contain_text("reject")
    other.context.close()
