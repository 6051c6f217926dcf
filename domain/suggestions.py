"""'Did you mean …': the names a person probably meant when they mistyped one.

A refusal that only says "unknown" leaves the reader to find the right spelling in a file; the close names
(by the standard library's `difflib`, the same ratio a spell-checker would use) usually are the answer.
"""

from collections.abc import Iterable
from difflib import SequenceMatcher, get_close_matches

#: How alike two names must be (0..1) to be suggested; difflib's own default, which ignores unrelated names.
CUTOFF = 0.6
MOST = 3
#: Names clearly further than the closest one are noise ("programme-officer-hano" means Hanoi, not Pretoria).
MARGIN = 0.1


def close_names(word: str, names: Iterable[str]) -> list[str]:
    """Up to three of `names` close to `word`, closest first; compared without regard to case."""
    known = list(dict.fromkeys(names))
    by_folded: dict[str, str] = {}
    for name in known:
        by_folded.setdefault(name.casefold(), name)
    folded = word.casefold()
    matches = get_close_matches(folded, list(by_folded), n=MOST, cutoff=CUTOFF)
    if not matches:
        return []
    best = SequenceMatcher(None, folded, matches[0]).ratio()
    near = [match for match in matches if SequenceMatcher(None, folded, match).ratio() >= best - MARGIN]
    return [by_folded[match] for match in near if by_folded[match] != word]


def did_you_mean(word: str, names: Iterable[str]) -> str:
    """ "did you mean 'a'?" (or "'a' or 'b'?") for the close names, or '' when none is close."""
    matches = close_names(word, names)
    if not matches:
        return ""
    quoted = [f"'{match}'" for match in matches]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f"did you mean {listed}?"
