"""The Board: each open procedure the person sits on (filled in with the catalogue)."""

from starlette.routing import Route

routes: list[Route] = []
