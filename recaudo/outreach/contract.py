"""What every channel offers the dispatcher and the webhook views.

A channel turns a rendered ``OutboundMessage`` into one provider request
(``send``), and a provider's webhook request into ``Event``s
(``verify_signature`` first, then ``parse_webhook``). Webhooks arrive as a
``WebhookRequest`` (plain data: method, path, headers, body), the same for
message channels and payment providers (``WebhookAdapter``). Base URLs and
credentials come from settings (``settings.CHANNELS[name]``), so the same
client talks to the real provider or to the sandbox.

``send`` never raises for a provider's answer: it returns a
``ProviderResult`` whose ``outcome`` tells the dispatcher what to do:

- ``accepted``: the provider took it; ``provider_message_id`` is set.
- ``retry``: transient (timeout, connection error, 5xx, rate limit); try the
  same channel again later (``retry_after`` seconds when the provider said).
- ``fallback``: this channel cannot carry this message to this person now
  (WhatsApp outside the 24-hour window, RCS not supported by the phone,
  template missing); try the step's next channel.
- ``permanent``: the address is wrong or refuses (undeliverable number,
  opted out at the provider, hard bounce); ``invalidates_contact_point``
  says whether the contact point must be marked invalid. Then the next
  channel is tried, if any.
- ``unknown``: the request may or may not have reached the provider
  (timeout after sending the body). Never retried blindly: at most once.
  Status webhooks reconcile it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar, Literal, Protocol, TypeVar

from django.http import HttpRequest, QueryDict
from django.utils.datastructures import CaseInsensitiveMapping

Outcome = Literal["accepted", "retry", "fallback", "permanent", "unknown"]
# "bounce" and "complaint": an email report (DSN, ARF) about a message we sent.
EventKind = Literal[
    "sent", "delivered", "read", "failed", "inbound", "opt_out", "bounce", "complaint", "other"
]


@dataclass(frozen=True)
class Suggestion:
    """A tap-to-answer chip: a reply (``postback`` comes back to us) or, with ``url``, a link.

    Channels that have them (RCS suggested replies and actions) send them;
    the others ignore them. ``postback`` is what the debtor's tap sends back
    (``conversations.choices.postback_intent`` reads it).
    """

    text: str
    postback: str
    url: str = ""


@dataclass(frozen=True)
class OutboundMessage:
    """A rendered message for one contact point on one channel."""

    outreach_id: int | None  # None for messages outside the outbox (bot, agent)
    channel: str  # whatsapp | sms | rcs | email | call
    to: str  # E.164 phone or email address
    text: str  # the rendered body (free-form text; preview of a template)
    subject: str = ""  # email only
    html: str | None = None  # email only
    # WhatsApp templates: the approved name, language and body parameters in
    # order ({{1}}, {{2}}, ...); a URL button parameter (the payment-link suffix).
    template_name: str = ""
    template_language: str = ""
    template_parameters: tuple[str, ...] = ()
    button_url_suffix: str = ""
    # Our reference for this send, "outreach-<id>-<attempt>". Each channel puts
    # it where the provider echoes it back in status webhooks (WhatsApp
    # biz_opaque_callback_data, a query parameter of Twilio's StatusCallback
    # URL, RBM's messageId, the email Message-ID), so a row whose send outcome
    # was never written (a worker killed mid-send) is still matched.
    idempotency_key: str = ""
    # Email: the one-click unsubscribe URL (List-Unsubscribe).
    unsubscribe_url: str = ""
    # The template it was rendered from, "<id> v<version>" (empty for free text).
    template_version: str = ""
    # Answers the debtor can tap instead of typing (WhatsApp reply buttons, or a
    # list when ``choices_label`` names its button); other channels send ``text``
    # alone, which says the same in words. See conversations/choices.py.
    choices: tuple[Choice, ...] = ()
    choices_label: str = ""
    # A document that goes with the message: the statement of account. WhatsApp
    # templates carry its URL as their document header; email attaches the file.
    document_url: str = ""
    document_filename: str = ""
    attachments: tuple[Attachment, ...] = ()
    # WhatsApp templates: the payload of each quick-reply button, in the order
    # the approved template lists them (what comes back when one is tapped).
    quick_replies: tuple[str, ...] = ()
    # RCS: a card title (a rich card with the text as its description) and
    # the chips under it (the payment link to open, the answers to tap).
    card_title: str = ""
    suggestions: tuple[Suggestion, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Choice:
    """One answer offered as a button or a list row: ``id`` comes back when it is tapped."""

    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/pdf"


@dataclass(frozen=True)
class ProviderResult:
    outcome: Outcome
    provider_message_id: str = ""
    error_code: str = ""  # the provider's code, e.g. "131047", "21610", "NOT_FOUND"
    error_message: str = ""
    retry_after: float | None = None  # seconds, when the provider said
    invalidates_contact_point: bool = False
    raw: dict[str, Any] = field(default_factory=dict)  # the provider's answer, for the record


@dataclass(frozen=True)
class LookupResult:
    """What a provider says about a message whose send answer was lost (see delivery/reconcile.py).

    ``found``: it has it (``provider_message_id``); ``absent``: it never got
    it, so the request never arrived; ``unclear``: it cannot tell (several
    candidates, an error), and the row stays ``unknown`` for staff.
    """

    answer: Literal["found", "absent", "unclear"]
    provider_message_id: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Event:
    """One thing a provider told us: a status change or an inbound message."""

    channel: str
    kind: EventKind
    provider_message_id: str = ""  # for status events: the message it is about
    provider_event_id: str = ""  # the provider's id for the event, when it has one
    reference: str = ""  # our idempotency_key echoed back, when the provider does
    occurred_at: datetime | None = None
    address: str = ""  # the debtor's phone (E.164) or email
    text: str = ""  # inbound text (or the title of the button or list row tapped)
    # The id of a reply button or list row, or a template quick-reply payload, the
    # debtor tapped ("" when they typed): our own id, understood without the NLU.
    choice: str = ""
    error_code: str = ""
    error_message: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    # The creditor whose own account (number, sender, agent) received it; None: the
    # global account (docs/channels.md#accounts-per-creditor).
    creditor_id: int | None = None


@dataclass(frozen=True)
class WebhookRequest:
    """A webhook request as plain data: what every webhook adapter verifies and parses.

    The views build it once from Django's request (``from_http``); a stored
    webhook is rebuilt from its row. Header names match whatever their case.
    """

    method: str = "POST"
    path: str = "/"  # with the query string, as received (``HttpRequest.get_full_path()``)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", CaseInsensitiveMapping(self.headers))

    @classmethod
    def from_http(cls, request: HttpRequest) -> WebhookRequest:
        return cls(
            method=request.method or "POST",
            path=request.get_full_path(),
            headers=dict(request.headers),
            body=request.body,
        )

    @property
    def query_string(self) -> str:
        return self.path.partition("?")[2]

    @cached_property
    def query(self) -> QueryDict:
        """The query string's parameters (``HttpRequest.GET``)."""
        return QueryDict(self.query_string)

    @cached_property
    def form(self) -> QueryDict:
        """A url-encoded POST body's fields, empty for any other body (``HttpRequest.POST``)."""
        content_type = self.headers.get("Content-Type", "").partition(";")[0].strip().lower()
        if self.method != "POST" or content_type != "application/x-www-form-urlencoded":
            return QueryDict()
        return QueryDict(self.body, encoding="utf-8")


class SignatureError(Exception):
    """The webhook is not from the provider: the signature is ``missing`` or wrong."""

    def __init__(self, message: str = "", *, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing


class PayloadError(Exception):
    """The webhook is signed but cannot be read (not JSON, missing fields)."""


Notice_co = TypeVar("Notice_co", covariant=True)


class WebhookAdapter(Protocol[Notice_co]):
    """What message channels and payment providers both offer for their webhooks."""

    def verify_signature(self, request: WebhookRequest) -> None:
        """Raise SignatureError unless the request is signed by the provider."""
        ...

    def parse_webhook(self, request: WebhookRequest) -> Notice_co:
        """What a verified webhook request says (raise PayloadError if unreadable)."""
        ...


class Channel(WebhookAdapter[list[Event]], Protocol):
    name: ClassVar[str]
    signature_header: ClassVar[str]  # "" for a channel without webhooks

    def send(self, message: OutboundMessage) -> ProviderResult: ...

    def webhook_id(self, request: WebhookRequest) -> str:
        """The provider's own id for this delivery of a webhook, or "" when it has none."""
        ...
