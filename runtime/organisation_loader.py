"""Reading the organisation file from disk: the I/O edge in front of `domain.organisation_file`."""

from pathlib import Path

from domain.organisation import Organisation
from domain.organisation_file import OrganisationInvalid, parse_organisation
from runtime.file_loading import FileInvalid, invalid, read_text

WHAT = "the organisation file"


class OrganisationFileError(FileInvalid):
    """The file cannot be read or is invalid; the message lists every problem with its field path."""


def load_organisation(path: Path) -> Organisation:
    try:
        text = read_text(path, WHAT)
    except FileInvalid as error:
        raise OrganisationFileError(str(error)) from None
    try:
        return parse_organisation(text)
    except OrganisationInvalid as error:
        problem = invalid(WHAT, path, error.errors)
        raise OrganisationFileError(str(problem), problem.problems) from None
