"""Errors a caller can catch: a question with no answer, and the problems of a file that does not fit together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class OrganisationLookupError(LookupError):
    """A question about the organisation has no answer (unknown person, nobody in that relation).

    `str(error)` is a sentence a person understands, so a CLI or a refusal can show it as it is.
    """

    def __init__(self, sentence: str) -> None:
        super().__init__(sentence)
        self.sentence = sentence

    def __str__(self) -> str:
        return self.sentence


class UnknownPerson(OrganisationLookupError):
    """The person id is not in the organisation file."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an organisation file, at one field path such as `people[3].hub`."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class OrganisationProblems(ValueError):
    """Raised from `Organisation`'s validation when sections do not fit together; carries every problem."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))
