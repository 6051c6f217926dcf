"""What `govern policy list` prints: each instrument of the organisation file with its register's current version,
owner, next review date and what is overdue; and what `govern policy history INSTRUMENT` prints: each version of
one register. One definition for the full path (`cli.policy`) and the lean one (`cli.quick`); it loads neither
Typer, the settings nor SQLAlchemy."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.organisation import Organisation
from domain.policy_register import PolicyRegisterState, register_summary, unstarted_summary


def register_rows(
    organisation: Organisation, register_of: Callable[[str], PolicyRegisterState | None], now: datetime
) -> list[dict[str, Any]]:
    """A row per instrument, in the file's order; `register_of` gives an instrument's register (None: not started)."""
    rows = []
    for instrument in organisation.instruments:
        state = register_of(instrument.id)
        if state is None:
            rows.append({**unstarted_summary(instrument, now), "register": "not started"})
        else:
            rows.append({**register_summary(state, now), "register": "running"})
    return rows


def register_text(rows: list[dict[str, Any]]) -> str:
    lines = [
        f"{'OVERDUE ' if row['overdue'] else ''}{row['instrument']:<18} v{row['current_version']:<6} "
        f"owner {row['owner']:<20} next review {row['next_review_on']}"
        + (f"  review open: {row['open_review']}" if row.get("open_review") else "")
        for row in rows
    ]
    return "\n".join(lines) if lines else "The organisation file lists no instruments."


def history_text(rows: list[dict[str, Any]]) -> str:
    """A line per version (`domain.policy_register.version_history`), oldest first."""
    return "\n".join(
        f"v{row['version']:<6} published {row['published_on']}  sha256 {str(row.get('sha256') or '-')[:16]}  "
        f"approved by {row.get('approver') or '-'}  ref {row.get('decision_reference') or '-'}"
        + ("  (reaffirmed)" if row.get("reaffirmed") else "")
        for row in rows
    )
