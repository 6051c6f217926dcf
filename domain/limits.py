"""Size limits on what a person sends (size limits).

A command travels to its case as one Temporal payload and comes back in the events it causes, which carry its
text again (an application's title is also its screening task's title), so an oversized command would be
accepted by nobody and retried for ever against Temporal's 2 MB payload limit. These limits sit far below
that: no text a governance step needs comes near them, and a long text belongs in a document
(`document=PATH`, stored by its hash). They are checked before anything is sent, and again by every case's
Update validator, so a command above them is refused whole and nothing is recorded.
"""

import json
from collections.abc import Iterator, Mapping
from typing import Any

from domain.commands import Command
from domain.errors import NotAllowed

RULE = "size-limits"

#: A title (a grant application's `title`, or any field named `title`), in characters.
TITLE_MAX_CHARACTERS = 300
#: Any other text: a comment, a field value (objectives, a statement, a change summary), in characters.
TEXT_MAX_CHARACTERS = 20_000
#: The whole command (or a case's opening) as JSON, in bytes of UTF-8: an eighth of Temporal's 2 MB limit.
COMMAND_MAX_BYTES = 256 * 1024


def _texts(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every text in a field value, with the path a person would write to it (`tranches[1].title`)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _texts(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _texts(item, f"{path}[{index}]")


def _limit_for(path: str) -> int:
    name = path.rsplit(".", 1)[-1].split("[", 1)[0]
    return TITLE_MAX_CHARACTERS if name == "title" else TEXT_MAX_CHARACTERS


def _refuse_long(what: str, text: str, limit: int) -> None:
    if len(text) > limit:
        raise NotAllowed(
            f"{what} is {len(text):,} characters long; the limit is {limit:,} (size limits). Shorten it"
            + ("." if limit == TITLE_MAX_CHARACTERS else ", or attach it as a document where the action takes one."),
            rule=RULE,
        )


def refuse_oversized(
    fields: Mapping[str, Any], comment: str | None = None, what: str = "The command", **envelope: str
) -> None:
    """Refuse a text above its limit (naming its field) or content above the total limit, which counts the
    `envelope` too (the actor and the action)."""
    if comment is not None:
        _refuse_long("The comment", comment, TEXT_MAX_CHARACTERS)
    for path, text in _texts(fields, ""):
        _refuse_long(f"Field '{path}'", text, _limit_for(path))
    content = {**envelope, "fields": fields, "comment": comment}
    size = len(json.dumps(content, default=str, ensure_ascii=False).encode("utf-8"))
    if size > COMMAND_MAX_BYTES:
        raise NotAllowed(
            f"{what} is {size // 1024:,} KB in all; the limit is {COMMAND_MAX_BYTES // 1024:,} KB (size limits). "
            "Send less at once, or attach long text as a document where the action takes one.",
            rule=RULE,
        )


def refuse_oversized_command(command: Command) -> None:
    """A command's comment, every field value and the command as a whole, within the limits."""
    what = f"The '{command.action[:40]}' command"
    refuse_oversized(command.fields, command.comment, what, actor=command.actor, action=command.action)
