"""The lean path for the reads people run all day (filled in below as each one gets one)."""


def answer_quickly(argv: list[str], word: str, position: int) -> int | None:
    """The exit code when the command was answered here; None to take the full path."""
    return None
