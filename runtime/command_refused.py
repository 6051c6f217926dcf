"""`CommandRefused`: a command that was not carried out, with the one sentence that says why.

Its own module, free of Temporal, so that an edge that only reads (`govern status`, `govern policy list`) can
refuse with the same exception as one that acts, without loading the client it never uses.
"""

from domain.errors import NotAllowed


class CommandRefused(Exception):
    """The command was not carried out. `sentence` says why; `code` is the exit code a CLI leaves with; `rule`
    names the governance rule when the rules refused it (then the attempt goes on the record), and is None when
    the installation could not carry it (no worker, no Temporal, no store)."""

    def __init__(self, sentence: str, code: int = 1, rule: str | None = None) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.code = code
        self.rule = rule


def refused_by_rule(refusal: NotAllowed) -> CommandRefused:
    return CommandRefused(refusal.sentence, rule=refusal.rule or "unnamed")
