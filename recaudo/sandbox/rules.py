"""The providers' rules the sandbox reproduces, as plain classes.

Nothing here does I/O or reads a clock: every method that depends on time
takes ``now`` (seconds; monotonic for rates, wall clock for the WhatsApp
window), so the rules are tested with plain numbers. Every collection is
bounded, so a long benchmark cannot grow the process without limit.

The deterministic address rules (documented in docs/sandbox.md):

- WhatsApp: a number whose last three digits are ``999`` is not on
  WhatsApp; the send is accepted and its status webhook is ``failed`` with
  131026.
- SMS: a ``To`` that is not an E.164 number gets 21211; one whose last three
  digits are ``998`` is accepted and then ``undelivered`` with 30003.
- RCS: a number whose last digit is even has no RCS (404 NOT_FOUND).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Hashable

E164 = re.compile(r"^\+[1-9]\d{7,14}$")

# Twilio's default keywords, plus the Spanish ones the sandbox's Messaging
# Service is assumed to have configured through Advanced Opt-Out.
STOP_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "BAJA"}
)
START_KEYWORDS = frozenset({"START", "YES", "UNSTOP", "ALTA"})
HELP_KEYWORDS = frozenset({"HELP", "INFO", "AYUDA"})
# What a debtor can tap, per channel (the phone simulator's buttons and chips):
# WhatsApp reply buttons, list rows and template quick replies; RCS suggested
# replies and actions (a tap sends the chip's postbackData back to the agent).
TAP_KINDS: dict[str, tuple[str, ...]] = {
    "whatsapp": ("button_reply", "list_reply", "quick_reply"),
    "rcs": ("rcs_reply", "rcs_action"),
}


def digits(phone: str) -> str:
    return "".join(character for character in phone if character.isdigit())


def normalize_address(address: str) -> str:
    """An email in lower case, or a phone as ``+`` and its digits."""
    address = address.strip()
    if "@" in address:
        return address.lower()
    number = digits(address)
    return f"+{number}" if number else ""


def whatsapp_number_exists(phone: str) -> bool:
    return not digits(phone).endswith("999")


def sms_number_is_valid(phone: str) -> bool:
    return bool(E164.match(phone.strip()))


def sms_number_is_reachable(phone: str) -> bool:
    return not digits(phone).endswith("998")


def rcs_number_is_capable(phone: str) -> bool:
    number = digits(phone)
    return bool(number) and int(number[-1]) % 2 == 1


def opt_out_type(text: str) -> str:
    """Twilio's ``OptOutType`` for an inbound SMS: STOP, START, HELP or ""."""
    word = text.strip().strip(".!¡¿?").upper()
    if word in STOP_KEYWORDS:
        return "STOP"
    if word in START_KEYWORDS:
        return "START"
    if word in HELP_KEYWORDS:
        return "HELP"
    return ""


class BoundedDict(OrderedDict):
    """A dict that forgets its least recently written key beyond ``limit``."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: Hashable, value: object) -> None:
        if key in self:
            self.move_to_end(key)
        super().__setitem__(key, value)
        if len(self) > self.limit:
            self.popitem(last=False)


class TokenBucket:
    """``rate`` tokens per second, holding at most ``capacity``; starts full."""

    __slots__ = ("capacity", "rate", "tokens", "updated")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.updated = now

    def take(self, now: float) -> bool:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class RateLimiter:
    """One token bucket per key (a business number, or a business-user pair)."""

    def __init__(self, rate: float, capacity: float, max_keys: int = 100_000) -> None:
        self.rate = rate
        self.capacity = capacity
        self.buckets: BoundedDict = BoundedDict(max_keys)

    def allow(self, key: Hashable, now: float) -> bool:
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = TokenBucket(self.rate, self.capacity, now)
            self.buckets[key] = bucket
        return bucket.take(now)

    def reconfigure(self, rate: float, capacity: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.buckets.clear()


class ConversationWindows:
    """WhatsApp's customer-service window: 24 h from the user's last message.

    Only the user's messages open or refresh it; the business's do not.
    """

    LENGTH_SECONDS = 24 * 3600

    def __init__(self, max_keys: int = 200_000) -> None:
        self.last_inbound: BoundedDict = BoundedDict(max_keys)

    def user_wrote(self, phone_number_id: str, wa_id: str, now: float) -> None:
        self.last_inbound[(phone_number_id, digits(wa_id))] = now

    def is_open(self, phone_number_id: str, wa_id: str, now: float) -> bool:
        last = self.last_inbound.get((phone_number_id, digits(wa_id)))
        return last is not None and now - last <= self.LENGTH_SECONDS


class TemplateCatalog:
    """Approved WhatsApp templates: (name, language) -> number of body parameters."""

    def __init__(self) -> None:
        self.templates: dict[tuple[str, str], int] = {}
        # The approved text with Meta's {{1}}, {{2}}... markers, when known.
        self.bodies: dict[tuple[str, str], str] = {}
        # The media format of the approved header ("document"); none when absent.
        self.headers: dict[tuple[str, str], str] = {}
        # The approved buttons' kinds by index ("url", "quick_reply"), when known.
        self.buttons: dict[tuple[str, str], tuple[str, ...]] = {}

    def register(
        self,
        name: str,
        language: str,
        parameter_count: int,
        body: str = "",
        *,
        header: str = "",
        buttons: tuple[str, ...] | None = None,
    ) -> None:
        key = (name, language)
        self.templates[key] = parameter_count
        if body:
            self.bodies[key] = body
        self.headers.pop(key, None)
        self.buttons.pop(key, None)
        if header:
            self.headers[key] = header
        if buttons is not None:
            self.buttons[key] = tuple(buttons)

    def text(self, name: str, language: str, values: list[str]) -> str | None:
        """The message as the phone shows it: the approved text with the values in."""
        body = self.bodies.get((name, language))
        if body is None:
            return None
        return re.sub(
            r"\{\{(\d+)\}\}",
            lambda m: values[int(m.group(1)) - 1] if 0 < int(m.group(1)) <= len(values) else "",
            body,
        )

    def check(self, name: str, language: str, parameter_count: int) -> int | None:
        """The WhatsApp error code for this template send, or None if it is fine."""
        expected = self.templates.get((name, language))
        if expected is None:
            return 132001
        if expected != parameter_count:
            return 132000
        return None

    def as_list(self) -> list[dict[str, object]]:
        listed: list[dict[str, object]] = []
        for (name, language), count in sorted(self.templates.items()):
            entry: dict[str, object] = {
                "name": name,
                "language": language,
                "parameter_count": count,
            }
            if (name, language) in self.headers:
                entry["header"] = self.headers[(name, language)]
            if (name, language) in self.buttons:
                entry["buttons"] = list(self.buttons[(name, language)])
            listed.append(entry)
        return listed


class OptOuts:
    """Phones that sent STOP to the sandbox's (single) Twilio sender."""

    def __init__(self, max_keys: int = 200_000) -> None:
        self.phones: BoundedDict = BoundedDict(max_keys)

    def user_wrote(self, phone: str, text: str) -> str:
        """Record an inbound SMS; return its OptOutType ("" when none)."""
        kind = opt_out_type(text)
        key = normalize_address(phone)
        if kind == "STOP":
            self.phones[key] = True
        elif kind == "START":
            self.phones.pop(key, None)
        return kind

    def is_opted_out(self, phone: str) -> bool:
        return normalize_address(phone) in self.phones


class SeenIds:
    """Ids already used (RBM's messageId per agent)."""

    def __init__(self, max_keys: int = 500_000) -> None:
        self.ids: BoundedDict = BoundedDict(max_keys)

    def add(self, key: Hashable) -> bool:
        """Remember ``key``; False if it was already there."""
        if key in self.ids:
            return False
        self.ids[key] = True
        return True
