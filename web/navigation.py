"""The links in every page's header: what this person has a page for."""

from pydantic import BaseModel, ConfigDict

from domain.organisation import Organisation
from domain.visibility import is_auditor, is_board_person


class NavLink(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str
    label: str


def navigation_for(organisation: Organisation, person_id: str) -> list[NavLink]:
    links = [NavLink(path="/tasks", label="My tasks"), NavLink(path="/cases", label="My cases")]
    if is_board_person(organisation, person_id):
        links.append(NavLink(path="/board", label="Board"))
    if is_auditor(organisation, person_id):
        links.append(NavLink(path="/audit", label="Audit"))
    return links
