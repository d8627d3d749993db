"""One dispatcher pass with a channel that accepts and records every message."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from recaudo.delivery.dispatcher import Dispatcher
from recaudo.outreach.contract import ProviderResult


class RecordingChannels:
    """Every channel at once: accepts each message and keeps it, in order."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def get(self, name: str) -> RecordingChannels:
        return self

    def send(self, message: Any) -> ProviderResult:
        self.sent.append(message)
        return ProviderResult("accepted", provider_message_id=f"id-{len(self.sent)}")


def dispatch_and_record(at: datetime) -> list[Any]:
    """The messages one dispatcher pass at ``at`` sends."""
    channels = RecordingChannels()
    worker = Dispatcher(channels=channels, name="t", rng=random.Random(1))
    worker.run_once(at)
    worker.close()
    return channels.sent
