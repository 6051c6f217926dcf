"""The workflow sandbox govern's workers and replayers run: Temporal's, with the modules that are deterministic
passed through, its fixed snippets of code compiled once instead of on every call, and the two questions it asks
for every payload (which serialization context, which store context) answered without entering the sandbox.

The SDK's sandbox runs each activation (and would run each payload's serialization-context lookup) by `exec` of
a short constant string, which compiles it anew every time: on a busy worker that is several times per payload. Here
each distinct snippet is compiled once and the code object is executed instead, with the same globals, the same
file name and the same effect. The sandbox's restrictions and its isolation are Temporal's, unchanged.
"""

from functools import lru_cache
from typing import Any, cast

from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions
from temporalio.worker.workflow_sandbox import _runner as sandbox_runner

# The domain and its pydantic models are deterministic and free of I/O, so the sandbox may share them instead
# of re-importing them for every workflow run (which would also break pydantic class identity).
PASSED_THROUGH = (
    "domain",
    "pydantic",
    "pydantic_core",
    "annotated_types",
    "structlog",
    "activities",
    "runtime",
    "store",
    "sqlalchemy",
    "holidays",
    "yaml",
)


@lru_cache(maxsize=256)
def compiled(code: str) -> Any:
    """A snippet's code object, as `exec(code)` would compile it."""
    return compile(code, "<string>", "exec")


class _CompiledOnceInstance(sandbox_runner._Instance):
    def _run_code(self, code: str, **extra_globals: Any) -> None:
        # `exec`, in the SDK's own `_run_code`, takes a code object as it takes the text.
        super()._run_code(cast(str, compiled(code)), **extra_globals)

    # The SDK asks these two for every payload a workflow sends or receives, and answers each by entering the
    # sandbox (patching builtins and sys.modules, then restoring them). Both answers are built from the run's info
    # and its pending commands alone (`_WorkflowInstanceImpl.get_serialization_context` and
    # `.get_external_store_context`): no workflow code and no import runs, so they are asked of the sandboxed
    # instance directly. The workflow's own code still runs only inside the sandbox.

    def _in_sandbox(self) -> Any:
        return self.globals_and_locals["__temporal_in_sandbox"]

    def get_serialization_context(self, command_info: Any) -> Any:
        return self._in_sandbox().get_serialization_context(command_info)

    def get_external_store_context(self, command_info: Any) -> Any:
        return self._in_sandbox().get_external_store_context(command_info)


class CompiledSandboxRunner(SandboxedWorkflowRunner):
    """`SandboxedWorkflowRunner` whose instances compile each fixed snippet once."""

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _CompiledOnceInstance(det, self.runner_class, self.restrictions)


def workflow_runner() -> SandboxedWorkflowRunner:
    """The runner every govern worker and replayer uses."""
    return CompiledSandboxRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH))
