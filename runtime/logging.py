"""structlog set-up: a console renderer in a terminal, JSON lines otherwise.

Both structlog loggers and the standard library (Temporal's replay-safe `workflow.logger` and
`activity.logger`) go through the same processors, so every line carries the workflow id, run id, activity
and actor where they are known (see `runtime.activity_logging`). Secrets never reach a line: `_redact` drops any key
that looks like one, and settings are never logged whole.
"""

import logging
import sys
from typing import Any

import structlog

_SECRET_KEYS = ("password", "secret", "api_key", "token", "private_key", "smtp_url")


def _redact(_: object, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key in list(event_dict):
        if any(marker in key.lower() for marker in _SECRET_KEYS):
            event_dict[key] = "[redacted]"
    return event_dict


def _flatten_temporal(_: object, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Temporal's loggers put their context in a nested `extra`; lift the ids to the top of the line."""
    event_dict.pop("temporal_log", None)  # the SDK core's raw entry; its text is already the message
    for key in ("temporal_workflow", "temporal_activity"):
        details = event_dict.pop(key, None)
        if isinstance(details, dict):
            for name in ("workflow_id", "run_id", "workflow_run_id", "activity_type", "workflow_type"):
                if name in details:
                    event_dict.setdefault("run_id" if name == "workflow_run_id" else name, details[name])
    return event_dict


def configure_logging(log_format: str = "auto", level: str = "info") -> None:
    use_console = log_format == "console" or (log_format == "auto" and sys.stderr.isatty())
    renderer: Any = structlog.dev.ConsoleRenderer() if use_console else structlog.processors.JSONRenderer()
    numeric_level = getattr(logging, level.upper(), logging.INFO)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _flatten_temporal,
        _redact,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric_level)
    # Python's warnings (deprecations from a dependency, say) take the same road to standard error.
    logging.captureWarnings(True)
