"""My tasks: the person's open steps, and those they hold as an absent colleague's substitute, overdue first,
due dates on their own clock."""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.notice import case_path, task_path
from store.projections import tasks_for
from web.guards import page, viewer_of, web_of
from web.rendering import render


@page()
async def my_tasks(request: Request) -> Response:
    web = web_of(request)
    viewer = viewer_of(request)
    rows = await run_in_threadpool(tasks_for, web.store, web.clock(), viewer.person_id, web.organisation)
    return render(request, "tasks.html", rows=rows, case_path=case_path, task_path=task_path)


routes = [Route("/tasks", my_tasks, methods=["GET"])]
