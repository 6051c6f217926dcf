"""What can go wrong with the audit store, each carrying one sentence a person can act on."""


class StoreError(Exception):
    """Base class: the message is one complete sentence."""


class StoreUnavailable(StoreError):
    """The store cannot be opened: bad URL, unsupported backend, unreachable or unwritable database."""


class ConcurrencyConflict(StoreError):
    """The stream moved on since the caller read it; nothing was written."""

    def __init__(self, stream_id: str, expected_version: int, actual_version: int) -> None:
        self.stream_id = stream_id
        self.expected_version = expected_version
        self.actual_version = actual_version
        super().__init__(
            f"Case {stream_id} is at version {actual_version}, not {expected_version} as expected: "
            "someone else changed it first, so nothing was written; reload the case and try again."
        )


class AppendRejected(StoreError):
    """The batch itself is not acceptable (wrong stream, duplicate or reused event ids, bad values)."""


class CheckpointError(StoreError):
    """A checkpoint or its key cannot be read, written or trusted."""


class ProjectionsBehind(StoreUnavailable):
    """The read projections have not caught up with the log, so what they would show is out of date."""

    def __init__(self, reached: int, head: int, where: str) -> None:
        self.reached = reached
        self.head = head
        super().__init__(
            f"The read projections of the audit store at {where} stop at sequence {reached} but its log reaches "
            f"{head}, so lists read from them would be out of date; run `govern projections rebuild` "
            "(or start a worker, which catches up)."
        )
