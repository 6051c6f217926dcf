"""A time as a person reads it on their own clock: 'Friday 12 March 2027, 17:00 (Europe/Brussels)'.

Mail, the web pages and the command line all print due dates this way (`domain.notice.format_local` turns an
instant into its zone's time first). Standard library only, and no zone database, so that the command line's
lean reads (`cli.quick`) can print a time the projections already hold on the assignee's clock.
"""

from datetime import datetime

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def format_wall_clock(local: datetime, time_zone: str) -> str:
    """A time already on its zone's clock (e.g. `2027-03-12T17:00:00+01:00`), named by its zone.

    Names are spelled out here rather than with `strftime('%A')`, which follows the process locale and would
    make the text depend on the machine that happens to run the worker.
    """
    return (
        f"{_WEEKDAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year}, {local:%H:%M} ({time_zone})"
    )
