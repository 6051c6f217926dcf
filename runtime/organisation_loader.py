"""Reading the organisation file from disk: the I/O edge in front of `domain.organisation_file`."""

from pathlib import Path

from domain.organisation import Organisation
from domain.organisation_file import OrganisationInvalid, parse_organisation


class OrganisationFileError(Exception):
    """The file cannot be read or is invalid; the message lists every problem with its field path."""


def load_organisation(path: Path) -> Organisation:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise OrganisationFileError(f"Cannot read the organisation file {path}: {error.strerror}.") from None
    try:
        return parse_organisation(text)
    except OrganisationInvalid as error:
        raise OrganisationFileError(f"The organisation file {path} is invalid:\n{error}") from None
