"""`python -m bench.today_simulate [govern options] simulate SCENARIO`: `govern simulate` as it ran before the read
projections (issue 10), the baseline of `simulate.strategic_plan_vs_today`. It is today's code with the three
things put back that issue 10 changed on this path:

- the settle loop queries every case's `view` after every step, closed or not (so each closed case's whole history
  is replayed in a fresh sandbox, every time);
- the worker has no explicit build id (the SDK hashes the bytecode of every loaded module when it starts);
- appends keep no projections, and every read folds the case from its whole trail.
"""

import shutil
from pathlib import Path

from temporalio.service import RPCError

import cli.simulate
import simulation.runner as runner
import worker
from runtime.settings import Settings
from store.engine import create_store_engine
from store.event_store import EventStore
from store.migrate import upgrade
from workflows.messages import CaseView


async def _settled_before(self: runner.ScenarioRun) -> bool:
    now = await self.scenario_now()
    pending = [*self.cases, *self.children]
    seen: set[str] = set()
    while pending:
        case_id = pending.pop()
        if case_id in seen:
            continue
        seen.add(case_id)
        try:
            view = await self.client.get_workflow_handle(case_id).query("view", result_type=CaseView)
        except RPCError:
            return False
        if view.version == 0 or self.store.current_version(case_id) != view.version:
            return False
        if not view.closed and view.next_wake is not None and view.next_wake <= now:
            return False
        pending.extend(view.children)
        self.children.update(view.children)
    return True


def _store_without_projections(settings: Settings, name: str) -> tuple[EventStore, Path]:
    folder = settings.data_dir / "simulations" / name
    if settings.database_url:
        url = settings.database_url
    else:
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        url = f"sqlite:///{(folder / 'audit.db').resolve()}"
    engine = create_store_engine(url)
    upgrade(engine)
    return EventStore(engine, owns_engine=True, projections=False), folder


def main() -> None:
    runner.ScenarioRun._settled = _settled_before  # type: ignore[method-assign]
    worker.build_id = lambda: None  # type: ignore[assignment]
    runner.simulation_store = _store_without_projections
    cli.simulate.simulation_store = _store_without_projections
    from cli.main import entry

    entry()


if __name__ == "__main__":
    main()
