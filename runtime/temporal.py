"""Connecting to Temporal, and the embedded dev server that `govern up` runs."""

import functools
import logging
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.runtime import LogForwardingConfig, LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.service import TLSConfig

from runtime.binaries import temporal_cli
from runtime.codec import data_converter
from runtime.logging import configure_logging
from runtime.settings import SettingError, Settings

if TYPE_CHECKING:
    from temporalio.testing import WorkflowEnvironment


class TemporalUnavailable(Exception):
    pass


def _split_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _converter(settings: Settings) -> DataConverter:
    """The data converter the settings ask for; a bad codec setting is one line, like any other bad setting."""
    try:
        return data_converter(settings)
    except SettingError as error:
        raise TemporalUnavailable(str(error)) from None


def _tls(settings: Settings) -> TLSConfig | bool:
    if settings.temporal_tls_cert is None:
        return bool(settings.temporal_api_key)  # Temporal Cloud API keys need TLS.
    if settings.temporal_tls_key is None:
        raise TemporalUnavailable("GOVERN_TEMPORAL_TLS_KEY must be set together with GOVERN_TEMPORAL_TLS_CERT.")
    return TLSConfig(
        client_cert=Path(settings.temporal_tls_cert).read_bytes(),
        client_private_key=Path(settings.temporal_tls_key).read_bytes(),
    )


@functools.cache
def sdk_runtime(level: str) -> Runtime:
    """The SDK's runtime, with the core's own log lines (retries, warnings) forwarded to Python logging, and so
    through structlog to standard error: never onto standard output, where `--json` output goes."""
    core_level = {"debug": "DEBUG", "info": "INFO", "warning": "WARN", "error": "ERROR"}.get(level, "WARN")
    return Runtime(
        telemetry=TelemetryConfig(
            logging=LoggingConfig(
                filter=TelemetryFilter(core_level=core_level, other_level=core_level),
                forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
            )
        )
    )


def route_logs_to_stderr(settings: Settings) -> None:
    """Once per process, for commands that talk to Temporal: SDK and Python warnings go to standard error."""
    if not logging.getLogger().handlers:
        configure_logging(settings.log_format, settings.log_level if settings.log_level != "info" else "warning")


async def connect(settings: Settings) -> Client:
    """A client for the configured Temporal; one clear sentence if nobody answers."""
    route_logs_to_stderr(settings)
    try:
        return await Client.connect(
            settings.temporal_address,
            namespace=settings.temporal_namespace,
            data_converter=_converter(settings),
            tls=_tls(settings),
            api_key=settings.temporal_api_key,
            runtime=sdk_runtime(settings.log_level),
        )
    except TemporalUnavailable:
        raise
    except Exception as error:  # the SDK raises RuntimeError with a long transport message
        raise TemporalUnavailable(
            f"Temporal is not reachable at {settings.temporal_address} (namespace "
            f"{settings.temporal_namespace}); start it with `govern up` or set GOVERN_TEMPORAL_ADDRESS."
        ) from error


#: How long a Temporal server started here (the embedded dev server, the simulation's time-skipping server) may take
#: to answer. The SDK's own wait is 5 s, which a busy shared machine can exceed on a cold start.
SERVER_STARTUP_TIMEOUT = timedelta(seconds=60)


async def start_embedded(settings: Settings) -> "WorkflowEnvironment":
    """The Temporal dev server with its state in a SQLite file under the data dir, and its Web UI."""
    from temporalio.testing import WorkflowEnvironment  # the server's SDK, for `govern up` alone

    host, port = _split_address(settings.temporal_address)
    for name, number in (("GOVERN_TEMPORAL_ADDRESS", port), ("GOVERN_UI_PORT", settings.ui_port)):
        if not port_is_free(host, number):
            raise TemporalUnavailable(
                f"Port {number} on {host} is already in use ({name}); is another `govern up` running?"
            )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return await WorkflowEnvironment.start_local(
        namespace=settings.temporal_namespace,
        data_converter=_converter(settings),
        ip=host,
        port=port,
        ui=True,
        ui_port=settings.ui_port,
        dev_server_existing_path=temporal_cli(),
        dev_server_database_filename=str((settings.data_dir / "temporal.db").resolve()),
        dev_server_log_level="warn",
        # The Web UI has no login and offers Cancel and Terminate: it listens on loopback only, whatever
        # address the server itself is given.
        dev_server_extra_args=["--ui-ip", "127.0.0.1"],
        dev_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        runtime=sdk_runtime(settings.log_level),
    )


#: A live worker renews its long poll well within this; Temporal keeps listing a dead worker's poller for about
#: five minutes, so a poller is only taken as a worker when it was last seen this recently.
POLLER_FRESHNESS = timedelta(seconds=70)


async def worker_is_polling(client: Client, task_queue: str) -> bool:
    """Whether a worker has polled the task queue recently: a poller seen within `POLLER_FRESHNESS`."""
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    response = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    now = datetime.now(UTC)
    return any(
        not poller.HasField("last_access_time")
        or now - poller.last_access_time.ToDatetime(tzinfo=UTC) <= POLLER_FRESHNESS
        for poller in response.pollers
    )
