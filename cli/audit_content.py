"""What `govern audit log` shows of sealed (encrypted) content: opened with the configured key, or why not."""

import json
from typing import Any

from cli.context import fail
from runtime.sealing import SEALED_KEY, ContentKeyError, ContentSealer, sealed_key_id
from store.models import StoredEvent


class Unsealed:
    """Sealed content as `audit log` shows it: opened with the configured key, or why it is not shown.

    Unsealing happens only for display: records are printed and exported as stored, so they stay verifiable.
    """

    def __init__(self, sealer: ContentSealer | None) -> None:
        self.sealer = sealer
        self.failures: list[str] = []

    def content(self, event: StoredEvent) -> dict[str, Any] | None:
        """The content with a key that opens it; None when not sealed, not keyed, or not opened (noted)."""
        if self.sealer is None:
            return None
        try:
            return self.sealer.unseal(event)
        except ContentKeyError as error:
            self.failures.append(str(error))
            return None

    def note(self, event: StoredEvent) -> str | None:
        """The text after `content:` for a sealed event; None for an event without sealed content."""
        if SEALED_KEY not in event.payload:
            return None
        if self.sealer is None:
            return f"encrypted (key {sealed_key_id(event) or 'unnamed'}); set GOVERN_CODEC_KEYS to read it"
        try:
            content = self.sealer.unseal(event)
        except ContentKeyError as error:
            self.failures.append(str(error))
            return f"cannot be decrypted: {error}"
        return json.dumps(content, ensure_ascii=False, sort_keys=True)

    def json_line(self, event: StoredEvent) -> str:
        """The record as stored, plus a top-level `content` when the key opens its sealed content."""
        content = self.content(event)
        if content is None:
            return event.model_dump_json()
        record = {**event.model_dump(mode="json"), "content": content}
        return json.dumps(record, ensure_ascii=False, separators=(",", ":"))

    def settle(self) -> None:
        """After every row is printed: exit 1 with the first failure's sentence if any content did not open."""
        if not self.failures:
            return
        first, more = self.failures[0], len(self.failures) - 1
        events = "event" if more == 1 else "events"
        fail(first if not more else f"{first.rstrip('.')}; {more} more {events} cannot be decrypted either.")
