"""Recompute the hash chain and say where, if anywhere, it first breaks.

The walk checks, for each record in sequence order:
1. contiguity: the next seq is the previous + 1 (a gap is a deleted record);
2. the record's hash, recomputed from its stored fields and payload (an edited field or payload, a row moved
   to another seq, or a row slipped in and renumbered all fail here, because seq is hashed);
3. the link: its prev_hash is the previous record's hash;
4. with a signed checkpoint, that the record at the checkpoint's seq still has the signed hash, and that the
   log reaches that far (a tail rewritten with consistent hashes passes 1-3 but fails here).

It stops at the first break and names its sequence number.

From a checkpoint (`verify(..., from_checkpoint=FILE)`) the walk starts at the checkpoint's own record instead
of the first: that record must hash to itself and to the signed head hash, and every record after it is checked
as above. Whatever was appended since the checkpoint is then proven to extend it, at the cost of those records
only. It trusts the records before the checkpoint to be as they were when it was signed (signing verified the
whole chain first): an edit there that was not re-hashed forward goes unseen until the next full verification,
while one that was re-hashed forward changes the checkpoint's record and fails.
"""

import itertools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy.engine import URL, Engine

from store.canonical import GENESIS_HASH, record_hash_from_row
from store.event_store import EventStore
from store.rows import HASH_INDEX, PAYLOAD_INDEX, PREV_HASH_INDEX, SEQ_INDEX
from store.scan import DEFAULT_BATCH_SIZE, chain_rows


class VerifyResult(BaseModel):
    """The verdict on the chain. `count` is the number of records that verified (all of them when ok)."""

    ok: bool
    count: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None
    checkpoint_seq: int | None = None
    from_checkpoint: bool = False

    def sentence(self) -> str:
        """One line for a person: the verdict and, when broken, where and why."""
        if not self.ok:
            return self.problem or "Audit chain broken."
        if self.from_checkpoint:
            appended = self.head_seq - (self.checkpoint_seq or 0)
            return (
                f"Audit chain intact since the signed checkpoint at sequence {self.checkpoint_seq}: {appended} events "
                f"appended since, head {self.head_hash[:12]}… at sequence {self.head_seq}."
            )
        sentence = f"Audit chain intact: {self.count} events, head {self.head_hash[:12]}…"
        if self.checkpoint_seq is not None:
            sentence += f"; it extends the signed checkpoint at sequence {self.checkpoint_seq}."
        return sentence


def verify(
    target: EventStore | Engine | str | URL,
    checkpoint: Path | None = None,
    key_path: Path | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    from_checkpoint: Path | None = None,
) -> VerifyResult:
    """Verify the whole chain; with `checkpoint`, also prove the log still extends that signed checkpoint; with
    `from_checkpoint` instead, verify only the checkpoint's record and what was appended after it.

    The checkpoint's signature is checked with the public key of the configured key at `key_path` (its private
    PEM, or the public `.pub` PEM an auditor holds), never with anything found in the checkpoint file.
    Raises CheckpointError when the checkpoint or key cannot be read; a bad signature is a failed verdict.
    """
    if isinstance(target, EventStore):
        store, owned = target, False
    elif isinstance(target, Engine):
        store, owned = EventStore(target), False
    else:
        store, owned = EventStore.open(target), True
    if checkpoint is not None and from_checkpoint is not None:
        raise ValueError("give either checkpoint or from_checkpoint, not both")
    try:
        checkpoint_seq: int | None = None
        checkpoint_hash: str | None = None
        signed_file = checkpoint or from_checkpoint
        if signed_file is not None:
            from store.checkpoint import check_checkpoint, read_checkpoint  # cryptography, only when asked

            signed = read_checkpoint(signed_file)
            refusal = check_checkpoint(signed, key_path, store.log_id())
            if refusal is not None:
                head = store.head()
                return VerifyResult(ok=False, count=0, head_seq=head.seq, head_hash=head.hash, problem=refusal)
            checkpoint_seq, checkpoint_hash = signed.statement.seq, signed.statement.head_hash
        if from_checkpoint is not None and checkpoint_seq:
            return _walk_from(store, checkpoint_seq, signed.statement.head_hash, batch_size)
        result = _walk(store, checkpoint_seq, checkpoint_hash, batch_size)
        return result.model_copy(update={"from_checkpoint": from_checkpoint is not None and result.ok})
    finally:
        if owned:
            store.close()


def _broken(
    seq: int,
    problem: str,
    verified: int,
    last_good_hash: str,
    checkpoint_seq: int | None,
    last_good_seq: int | None = None,
) -> VerifyResult:
    return VerifyResult(
        ok=False,
        count=verified,
        head_seq=verified if last_good_seq is None else last_good_seq,
        head_hash=last_good_hash,
        first_bad_seq=seq,
        problem=f"Audit chain broken at sequence {seq}: {problem}.",
        checkpoint_seq=checkpoint_seq,
    )


def _walk(store: EventStore, checkpoint_seq: int | None, checkpoint_hash: str | None, batch_size: int) -> VerifyResult:
    with chain_rows(store.engine, batch_size) as batches:
        return _walk_rows(batches, 1, GENESIS_HASH, checkpoint_seq, checkpoint_hash, 0)


def _walk_rows(
    batches: Iterable[list[tuple[Any, ...]]],
    expected: int,
    prev_hash: str,
    checkpoint_seq: int | None,
    checkpoint_hash: str | None,
    before: int,
) -> VerifyResult:
    """Check the records from `expected` on, the first linking to `prev_hash`; `before` records precede them."""
    # Locals, not attribute or global look-ups, inside the loop that runs once per record.
    seq_at, prev_at, payload_at, hash_at = SEQ_INDEX, PREV_HASH_INDEX, PAYLOAD_INDEX, HASH_INDEX
    rehash = record_hash_from_row
    watch = checkpoint_seq if checkpoint_seq is not None else -1
    problem = ""
    for batch in batches:
        for row in batch:
            seq = row[seq_at]
            if seq != expected:
                seq, problem = expected, f"the record is missing (deleted); the next stored is {seq}"
                break
            stored_hash = row[hash_at]
            try:
                intact = rehash(row, row[payload_at]) == stored_hash
            except (TypeError, UnicodeEncodeError):
                intact = False  # a value no honest write produces: a tampered row
            if not intact:
                problem = "the stored hash does not match the record (edited, reordered or inserted)"
                break
            if row[prev_at] != prev_hash:
                problem = f"its prev_hash is not the hash of sequence {seq - 1} (broken link)"
                break
            if seq == watch and stored_hash != checkpoint_hash:
                problem = (
                    "the record no longer has the hash signed in the checkpoint "
                    "(the log was rewritten at or before this point)"
                )
                break
            prev_hash = stored_hash
            expected += 1
        if problem:
            return _broken(seq, problem, expected - 1 - before, prev_hash, checkpoint_seq, expected - 1)
    count = expected - 1
    if checkpoint_seq is not None and count < checkpoint_seq:
        problem = f"the signed checkpoint covers {checkpoint_seq} events but the log ends at {count} (truncated)"
        return _broken(count + 1, problem, count - before, prev_hash, checkpoint_seq, count)
    return VerifyResult(
        ok=True, count=count - before, head_seq=count, head_hash=prev_hash, checkpoint_seq=checkpoint_seq
    )


def _walk_from(store: EventStore, checkpoint_seq: int, checkpoint_hash: str, batch_size: int) -> VerifyResult:
    """The checkpoint's record, then every record after it."""
    with chain_rows(store.engine, batch_size, from_seq=checkpoint_seq) as batches:
        first = next(batches, [])
        if not first or first[0][SEQ_INDEX] != checkpoint_seq:
            head = store.head()
            problem = (
                f"the signed checkpoint covers {checkpoint_seq} events but the log ends at {head.seq} (truncated)"
                if head.seq < checkpoint_seq
                else "the record is missing (deleted)"
            )
            return _broken(checkpoint_seq, problem, 0, GENESIS_HASH, checkpoint_seq)
        anchor = first[0]
        try:
            intact = record_hash_from_row(anchor, anchor[PAYLOAD_INDEX]) == anchor[HASH_INDEX]
        except (TypeError, UnicodeEncodeError):
            intact = False
        if not intact:
            return _broken(
                checkpoint_seq,
                "the stored hash does not match the record (edited, reordered or inserted)",
                0,
                GENESIS_HASH,
                checkpoint_seq,
            )
        if anchor[HASH_INDEX] != checkpoint_hash:
            problem = (
                "the record no longer has the hash signed in the checkpoint (the log was rewritten at or before "
                "this point)"
            )
            return _broken(checkpoint_seq, problem, 0, GENESIS_HASH, checkpoint_seq)
        return _walk_rows(
            itertools.chain([first[1:]], batches), checkpoint_seq + 1, checkpoint_hash, None, None, checkpoint_seq
        ).model_copy(update={"from_checkpoint": True, "checkpoint_seq": checkpoint_seq})
