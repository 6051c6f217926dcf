"""Refusals a person can read.

Every rule that refuses a command raises `NotAllowed` with one sentence that names the rule, for example
"Only the Director may approve grants between USD 50,000 and 250,000 (delegation of authority)."
"""


class NotAllowed(Exception):
    """A command broke a governance rule. `str(error)` is the sentence shown to the person."""

    def __init__(self, sentence: str, rule: str | None = None) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.rule = rule


class UnknownCase(Exception):
    """The named case does not exist."""
