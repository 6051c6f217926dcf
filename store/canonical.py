"""Canonical encoding of an audit record, and its SHA-256 chain hash.

An auditor must be able to recompute every hash from an export with nothing but the Python standard
library, so the encoding is plain JSON with fixed rules, and this docstring is the specification
(``store/VERIFYING.md`` repeats it with a runnable snippet).

The procedure for one record
----------------------------
1. **Header.** A JSON object with exactly these 15 keys, all present, ``null`` when absent::

       actor, actor_role, event_id, occurred_at, on_behalf_of, outcome, prev_hash, reason,
       recorded_at, run_id, seq, stream_id, stream_version, type, workflow_id

   ``seq`` and ``stream_version`` are JSON integers; every other value is a JSON string or ``null``.
   ``occurred_at`` and ``recorded_at`` are UTC instants written ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always six
   digits of microseconds, always ``Z``). The store keeps them as exactly this text, so what is hashed is
   what is stored and exported.
2. **Canonical JSON** of the header: keys sorted, no whitespace (separators ``,`` and ``:``), non-ASCII
   characters written as themselves (not ``\\uXXXX``), i.e. Python's
   ``json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``.
3. **Payload.** The event payload as canonical JSON by the same rules (a JSON object; NaN and infinities are
   refused). The store keeps this exact text in the ``payload`` column.
4. **Bytes.** ``header_json + "\\n" + payload_json``, encoded as UTF-8.
5. **Hash.** The lower-case hex SHA-256 of those bytes.

The chain: the first record (``seq`` 1) has ``prev_hash`` = 64 zeros (``GENESIS_HASH``); every later record's
``prev_hash`` is the ``hash`` of the record with the previous ``seq``. Because ``seq`` and ``prev_hash`` are
inside the hashed bytes, an edited field, a moved (reordered) row or a row slipped in between all change a
hash that the next check recomputes.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from json.encoder import encode_basestring
from typing import Any
from uuid import UUID

from store.canonical_time import canonical_time, parse_canonical_time  # noqa: F401 - re-exported: the canonical forms live together

GENESIS_HASH = "0" * 64

# The hashed header, in canonical (sorted) key order. Verification and export select columns in this order.
HEADER_FIELDS: tuple[str, ...] = (
    "actor",
    "actor_role",
    "event_id",
    "occurred_at",
    "on_behalf_of",
    "outcome",
    "prev_hash",
    "reason",
    "recorded_at",
    "run_id",
    "seq",
    "stream_id",
    "stream_version",
    "type",
    "workflow_id",
)
INTEGER_FIELDS = frozenset({"seq", "stream_version"})
assert list(HEADER_FIELDS) == sorted(HEADER_FIELDS), "HEADER_FIELDS must stay in canonical (sorted) order"


class NotCanonicalisable(ValueError):
    """A payload value has no canonical JSON form (e.g. NaN, bytes, an arbitrary object)."""


def _payload_default(value: Any) -> Any:
    # Payloads come from pydantic models and domain code, so a few non-JSON types are common; each gets one
    # documented text form, which is what the auditor will then see and hash.
    if isinstance(value, datetime):
        return canonical_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NotCanonicalisable(f"{value} has no canonical JSON form")
        return str(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        raise NotCanonicalisable("sets have no canonical order; give the payload a list")
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise NotCanonicalisable(f"a {type(value).__name__} has no canonical JSON form")


# Built once: the C encoder, configured for the canonical rules.
_canonical_encoder = json.JSONEncoder(
    ensure_ascii=False,
    separators=(",", ":"),
    sort_keys=True,
    allow_nan=False,
    check_circular=True,
    default=_payload_default,
)


def canonical_json(value: Any) -> str:
    """Canonical JSON text of a JSON-like value (sorted keys, no spaces, UTF-8 characters as themselves)."""
    try:
        return _canonical_encoder.encode(value)
    except ValueError as error:  # allow_nan=False reports NaN/inf as ValueError
        if isinstance(error, NotCanonicalisable):
            raise
        raise NotCanonicalisable(str(error)) from None


def canonical_payload(payload: Mapping[str, Any]) -> str:
    """The payload's stored and hashed text."""
    if isinstance(payload, Mapping):
        for key in payload:
            if not isinstance(key, str):
                raise NotCanonicalisable("payload keys must be strings")
    text = canonical_json(payload)
    if not text.startswith("{"):
        raise NotCanonicalisable("the payload must be a JSON object")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise NotCanonicalisable("the payload holds text that is not valid Unicode (a lone surrogate)") from None
    return text


# The header object, precompiled. Its keys are fixed and sorted, so a %-template filled with each value
# encoded by the C string encoder that json.dumps itself uses gives byte-identical output to the specification
# in a third of the time. Any value outside the fast path's exact types (str, None, int for the two integers)
# raises TypeError and takes the literal specification instead, so the two can never disagree (tests check).
_HEADER_TEMPLATE = "{" + ",".join(f'"{name}":%s' for name in HEADER_FIELDS) + "}"
_NULL = "null"
_SEQ_POSITION = HEADER_FIELDS.index("seq")
_VERSION_POSITION = HEADER_FIELDS.index("stream_version")
assert (_SEQ_POSITION, _VERSION_POSITION) == (10, 12)


def _fast_header_json(v: Sequence[Any]) -> str:
    seq = v[10]
    version = v[12]
    if type(seq) is not int or type(version) is not int:
        raise TypeError("not an int")
    eb = encode_basestring
    return _HEADER_TEMPLATE % (
        eb(v[0]),
        _NULL if v[1] is None else eb(v[1]),
        eb(v[2]),
        eb(v[3]),
        _NULL if v[4] is None else eb(v[4]),
        _NULL if v[5] is None else eb(v[5]),
        eb(v[6]),
        _NULL if v[7] is None else eb(v[7]),
        eb(v[8]),
        _NULL if v[9] is None else eb(v[9]),
        seq,
        eb(v[11]),
        version,
        eb(v[13]),
        _NULL if v[14] is None else eb(v[14]),
    )


def reference_header_json(values: Sequence[Any]) -> str:
    """The specification, literally: json.dumps of the header (TypeError for non-JSON values)."""
    header = dict(zip(HEADER_FIELDS, values[: len(HEADER_FIELDS)], strict=True))
    return json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def header_json_from_row(values: Sequence[Any]) -> str:
    """Canonical header JSON from a row whose first 15 values are the header in `HEADER_FIELDS` order."""
    try:
        return _fast_header_json(values)
    except TypeError:
        return reference_header_json(values)


def record_hash_from_row(values: Sequence[Any], payload_json: str) -> str:
    """The chain hash from header values in `HEADER_FIELDS` order and the stored payload text."""
    try:
        header = _fast_header_json(values)
    except TypeError:
        header = reference_header_json(values)
    return hashlib.sha256(f"{header}\n{payload_json}".encode()).hexdigest()


def record_hash(header: Mapping[str, Any], payload_json: str) -> str:
    """The chain hash from a header mapping (the 15 fields by name) and the stored payload text."""
    missing = [name for name in HEADER_FIELDS if name not in header]
    if missing:
        raise ValueError(f"header lacks {', '.join(missing)}")
    return record_hash_from_row(tuple(header[name] for name in HEADER_FIELDS), payload_json)


def reference_record_hash(header: Mapping[str, Any], payload_json: str) -> str:
    """The specification, literally (slow): what `record_hash` must always equal."""
    text = json.dumps(
        {name: header[name] for name in HEADER_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((text + "\n" + payload_json).encode("utf-8")).hexdigest()
