"""Why a policy review opens: early, because someone asked before it fell due, or due. Any other reason a
register carries is read as due."""

from typing import Literal

ReviewReason = Literal["due", "early"]


def review_reason(requested: str) -> ReviewReason:
    return "early" if requested == "early" else "due"
