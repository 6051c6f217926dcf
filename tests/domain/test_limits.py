"""Size limits: a text above its limit is refused naming its field, the command as a whole has a limit too, and
`decide_command` (which every case's Update validator runs) enforces them before any other rule."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain import case, limits
from domain.case_kinds import decider_for
from domain.commands import Command
from domain.errors import NotAllowed
from domain.limits import COMMAND_MAX_BYTES, TEXT_MAX_CHARACTERS, TITLE_MAX_CHARACTERS
from domain.organisation import Organisation
from domain.organisation_file import parse_organisation

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def organisation() -> Organisation:
    return parse_organisation((Path(__file__).resolve().parents[2] / "examples" / "organisation.yaml").read_text())


def refusal(fields: dict, comment: str | None = None) -> str:
    with pytest.raises(NotAllowed) as refused:
        limits.refuse_oversized(fields, comment)
    assert refused.value.rule == "size-limits"
    return refused.value.sentence


def test_a_title_has_its_own_limit_wherever_it_is() -> None:
    limits.refuse_oversized({"title": "t" * TITLE_MAX_CHARACTERS})
    assert refusal({"title": "t" * (TITLE_MAX_CHARACTERS + 1)}) == (
        "Field 'title' is 301 characters long; the limit is 300 (size limits). Shorten it."
    )
    assert refusal({"targets": [{"code": "T1", "title": "t" * 400}]}) == (
        "Field 'targets[0].title' is 400 characters long; the limit is 300 (size limits). Shorten it."
    )


def test_other_text_is_counted_in_characters_not_bytes() -> None:
    limits.refuse_oversized({"objectives": "é" * TEXT_MAX_CHARACTERS}, "ü" * TEXT_MAX_CHARACTERS)
    assert refusal({"scope": {"note": "n" * (TEXT_MAX_CHARACTERS + 5)}}).startswith(
        "Field 'scope.note' is 20,005 characters long; the limit is 20,000 (size limits)."
    )


def test_the_command_as_a_whole_is_limited() -> None:
    count = COMMAND_MAX_BYTES // TEXT_MAX_CHARACTERS + 1
    sentence = refusal({f"part{n}": "p" * TEXT_MAX_CHARACTERS for n in range(count)})
    assert sentence.startswith("The command is ") and "KB in all; the limit is 256 KB (size limits)." in sentence


@pytest.mark.parametrize("case_id", ["grant/2027-014", "policy/charter/review/1", "plan/2028-2032", "appraisal/2027"])
def test_every_case_refuses_an_oversized_command_before_any_other_rule(organisation, case_id: str) -> None:
    """Even an unknown person on a case that does not exist yet gets the size sentence: it is checked first."""
    decider = decider_for(case_id)
    command = Command(action="anything", actor="nobody-known", comment="c" * (TEXT_MAX_CHARACTERS + 1))
    with pytest.raises(NotAllowed) as refused:
        case.decide_command(
            decider, decider.initial_state(case_id), command, case.Context(organisation=organisation, now=NOW)
        )
    assert refused.value.rule == "size-limits"
    assert refused.value.sentence.startswith("The comment is 20,001 characters long")


def test_a_command_within_the_limits_meets_the_cases_own_rules(organisation) -> None:
    command = Command(action="anything", actor="nobody-known", comment="c" * TEXT_MAX_CHARACTERS)
    with pytest.raises(NotAllowed) as refused:
        case.decide_command(
            decider_for("grant/2027-014"),
            decider_for("grant/2027-014").initial_state("grant/2027-014"),
            command,
            case.Context(organisation=organisation, now=NOW),
        )
    assert refused.value.sentence.startswith("Unknown person 'nobody-known'")
