"""Recompute the hash chain and say where, if anywhere, it first breaks.

The walk checks, for each record in sequence order:
1. contiguity: the next seq is the previous + 1 (a gap is a deleted record);
2. the record's hash, recomputed from its stored fields and payload (an edited field or payload, a row moved
   to another seq, or a row slipped in and renumbered all fail here, because seq is hashed);
3. the link: its prev_hash is the previous record's hash;
4. with a signed checkpoint, that the record at the checkpoint's seq still has the signed hash, and that the
   log reaches that far (a tail rewritten with consistent hashes passes 1-3 but fails here).

It stops at the first break and names its sequence number.
"""

from pathlib import Path

from pydantic import BaseModel
from sqlalchemy.engine import URL, Engine

from store.canonical import GENESIS_HASH, record_hash_from_row
from store.checkpoint import check_checkpoint, read_checkpoint
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

    def sentence(self) -> str:
        """One line for a person: the verdict and, when broken, where and why."""
        if not self.ok:
            return self.problem or "Audit chain broken."
        sentence = f"Audit chain intact: {self.count} events, head {self.head_hash[:12]}…"
        if self.checkpoint_seq is not None:
            sentence += f"; it extends the signed checkpoint at sequence {self.checkpoint_seq}."
        return sentence


def verify(
    target: EventStore | Engine | str | URL,
    checkpoint: Path | None = None,
    key_path: Path | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> VerifyResult:
    """Verify the whole chain; with `checkpoint`, also prove the log still extends that signed checkpoint.

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
    try:
        checkpoint_seq: int | None = None
        checkpoint_hash: str | None = None
        if checkpoint is not None:
            signed = read_checkpoint(checkpoint)
            refusal = check_checkpoint(signed, key_path, store.log_id())
            if refusal is not None:
                head = store.head()
                return VerifyResult(ok=False, count=0, head_seq=head.seq, head_hash=head.hash, problem=refusal)
            checkpoint_seq, checkpoint_hash = signed.statement.seq, signed.statement.head_hash
        return _walk(store, checkpoint_seq, checkpoint_hash, batch_size)
    finally:
        if owned:
            store.close()


def _broken(seq: int, problem: str, verified: int, last_good_hash: str, checkpoint_seq: int | None) -> VerifyResult:
    return VerifyResult(
        ok=False,
        count=verified,
        head_seq=verified,
        head_hash=last_good_hash,
        first_bad_seq=seq,
        problem=f"Audit chain broken at sequence {seq}: {problem}.",
        checkpoint_seq=checkpoint_seq,
    )


def _walk(store: EventStore, checkpoint_seq: int | None, checkpoint_hash: str | None, batch_size: int) -> VerifyResult:
    expected = 1
    prev_hash = GENESIS_HASH
    # Locals, not attribute or global look-ups, inside the loop that runs once per record.
    seq_at, prev_at, payload_at, hash_at = SEQ_INDEX, PREV_HASH_INDEX, PAYLOAD_INDEX, HASH_INDEX
    rehash = record_hash_from_row
    watch = checkpoint_seq if checkpoint_seq is not None else -1
    problem = ""
    with chain_rows(store.engine, batch_size) as batches:
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
                return _broken(seq, problem, expected - 1, prev_hash, checkpoint_seq)
    count = expected - 1
    if checkpoint_seq is not None and count < checkpoint_seq:
        problem = f"the signed checkpoint covers {checkpoint_seq} events but the log ends at {count} (truncated)"
        return _broken(count + 1, problem, count, prev_hash, checkpoint_seq)
    return VerifyResult(ok=True, count=count, head_seq=count, head_hash=prev_hash, checkpoint_seq=checkpoint_seq)
