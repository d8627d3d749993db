"""The channels and what each one can do, as data: the one list of channels.

Every app reads the channel list, a channel's capabilities (templates, the
customer-service window, media, status callbacks), the provider that carries
its webhooks and what its provider's error codes mean from here; nothing
restates them. The provider code that reads these facts (requests, payloads,
signatures) stays in ``recaudo/delivery/channels/``, whose registry is the one
place that maps a name to its class.

Why a module of the project package and not of an app: portfolio, the lowest
app, needs the list (``ContactPoint.Channel``), and so do compliance,
policies, outreach, conversations and delivery above it. A module that
imports nothing of Recaudo (and no Django) can be imported by every layer
without running back up the stack, like ``recaudo.bulk`` and ``recaudo.env``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

AddressKind = Literal["phone", "email"]
# How the laws group channels: Chile caps phone calls and written messages apart.
Medium = Literal["written", "voice"]
# What a failure says about the contact point (see ``ErrorMeanings.invalidation``).
Invalidation = Literal["address", "channel"]


@dataclass(frozen=True)
class ErrorMeanings:
    """What a provider's error codes mean, spelled as ``ProviderResult.error_code`` has them.

    The same code means the same thing in an answer to a send and in a status
    webhook; a code a provider only ever reports one way is harmless in the
    other.
    """

    # The address itself is wrong: the contact point is marked invalid.
    invalid_address: frozenset[str] = frozenset()
    # This channel cannot reach this address, the others may: the send is
    # final, and a status webhook takes the channel off the contact point.
    unreachable: frozenset[str] = frozenset()
    # This message is refused for this address for good, but that says
    # nothing sure about the address or the channel: the point is left as it is.
    refused: frozenset[str] = frozenset()
    # The recipient opted out at the provider: the channel's consent is revoked.
    opted_out: frozenset[str] = frozenset()
    # Throughput, rate or maintenance limits: the same send works later.
    temporary: frozenset[str] = frozenset()
    # This channel cannot carry this message to this person now (a closed
    # window, a per-user cap): the next channel is tried.
    not_now: frozenset[str] = frozenset()
    # The template or its parameters are wrong: a bug or a configuration problem.
    template: frozenset[str] = frozenset()
    # Our credentials, account or sender are wrong: an operator must act.
    operator: frozenset[str] = frozenset()

    def invalidation(self, code: str) -> Invalidation | None:
        """What a failure with ``code`` does to the contact point, if anything."""
        if code in self.invalid_address:
            return "address"
        if code in self.unreachable:
            return "channel"
        return None


@dataclass(frozen=True)
class ChannelFacts:
    name: str
    label: str  # as staff read it, in Spanish (the source language); wrap in gettext to show
    address_kind: AddressKind  # the kind of contact point that carries it
    medium: Medium
    # ``WebhookEvent.provider`` of the webhooks that report on it; "" when none do.
    provider: str = ""
    status_callbacks: bool = False  # the provider reports sent/delivered/read/failed
    templates_outside_window: bool = False  # only approved templates outside ``service_window``
    # After the debtor's last message, free-form messages are allowed for this long.
    service_window: timedelta | None = None
    media: bool = False  # the provider carries images and files with a message
    # Never used without the debtor's opt-in, whatever the country (a provider's policy).
    requires_opt_in: bool = False
    errors: ErrorMeanings = ErrorMeanings()


def _codes(*codes: int | str) -> frozenset[str]:
    return frozenset(str(code) for code in codes)


WHATSAPP = ChannelFacts(
    name="whatsapp",
    label="WhatsApp",
    address_kind="phone",
    medium="written",
    provider="whatsapp",
    status_callbacks=True,
    templates_outside_window=True,
    service_window=timedelta(hours=24),
    media=True,
    requires_opt_in=True,  # Meta's WhatsApp Business policy
    errors=ErrorMeanings(
        # 131026: not a WhatsApp number (or an old app, terms not accepted);
        # the phone may still take SMS or calls.
        unreachable=_codes(131026),
        temporary=_codes(4, 80007, 130429, 131048, 131056, 131057),
        not_now=_codes(
            131047,  # more than 24 hours since the debtor's last message
            131049,  # per-user marketing cap
            131050,  # debtor stopped marketing messages
            130472,  # number is part of a Meta experiment
        ),
        template=_codes(100, 131008, 131009, 132000, 132001, 132005, 132007, 132008, 132012)
        | _codes(132015, 132016),  # paused / disabled by Meta
        # Token expired, permissions, account locked or unpaid.
        operator=_codes(0, 3, 10, 190, 368, 131031, 131042, *range(200, 300)),
    ),
)
SMS = ChannelFacts(
    name="sms",
    label="SMS",
    address_kind="phone",
    medium="written",
    provider="twilio",
    status_callbacks=True,
    media=False,  # MMS exists only in the US and Canada
    errors=ErrorMeanings(
        # 21211: "To" is not a valid phone number; 30005: unknown destination handset.
        invalid_address=_codes(21211, 30005),
        # 21614: "To" is not a mobile number; 30006: landline or unreachable
        # carrier. No texts; the same phone may still take calls.
        unreachable=_codes(21614, 30006),
        # 21612: not currently reachable by SMS (unroutable); 21635: a landline.
        refused=_codes(21612, 21635),
        opted_out=_codes(21610),  # the debtor sent STOP: refused until they send START
        # 30003 ("handset unreachable": switched off, out of coverage) is
        # temporary too, but only ever comes in a status webhook, where a
        # failure falls back without touching the point; it is not listed.
        temporary=_codes(20429, 14107),
        operator=_codes(20003, 20005, 21212, 21606, 21659, 21703, 21704),
    ),
)
RCS = ChannelFacts(
    name="rcs",
    label="RCS",
    address_kind="phone",
    medium="written",
    provider="rbm",
    status_callbacks=True,
    media=True,
    errors=ErrorMeanings(
        # The phone is not RCS-capable, or the message could not be delivered for good.
        unreachable=_codes("NOT_FOUND", "PERMANENT", "INVALID_ARGUMENT"),
    ),
)
EMAIL = ChannelFacts(
    name="email",
    label="correo",
    address_kind="email",
    medium="written",
    # Inbound mail: the relay that posts each message (raw MIME, signed) to
    # /webhooks/email (docs/webhooks.md). SMTP itself reports no statuses.
    provider="mail",
    media=True,
    # SMTP reply codes: mailbox unknown (550), user not local (551), mailbox
    # name not allowed (553). Bounces would come from an ESP's webhooks.
    errors=ErrorMeanings(invalid_address=_codes(550, 551, 553)),
)
# A phone call by an agent (a call task): no provider sends it.
CALL = ChannelFacts(name="call", label="llamada", address_kind="phone", medium="voice")

# In this order wherever channels are listed.
ALL_CHANNELS: tuple[ChannelFacts, ...] = (WHATSAPP, SMS, RCS, EMAIL, CALL)
CHANNEL_NAMES = tuple(channel.name for channel in ALL_CHANNELS)
PHONE_CHANNELS = tuple(c.name for c in ALL_CHANNELS if c.address_kind == "phone")
EMAIL_CHANNELS = tuple(c.name for c in ALL_CHANNELS if c.address_kind == "email")
WRITTEN_CHANNELS = tuple(c.name for c in ALL_CHANNELS if c.medium == "written")
VOICE_CHANNELS = tuple(c.name for c in ALL_CHANNELS if c.medium == "voice")
OPT_IN_CHANNELS = tuple(c.name for c in ALL_CHANNELS if c.requires_opt_in)
# WebhookEvent.provider -> the channel whose webhooks it sends.
PROVIDER_CHANNELS = {c.provider: c.name for c in ALL_CHANNELS if c.provider}

_BY_NAME = {channel.name: channel for channel in ALL_CHANNELS}


def channel_facts(name: str) -> ChannelFacts:
    """The facts of channel ``name`` (KeyError, naming the known ones, if there is none)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown channel {name!r}; one of {', '.join(CHANNEL_NAMES)}") from None


def find_channel(name: str) -> ChannelFacts | None:
    """The facts of channel ``name``, or None for a name that is not a channel."""
    return _BY_NAME.get(name)


def provider_of(name: str) -> str:
    """Who carries channel ``name`` (the actor of what it reports), or the name itself."""
    channel = _BY_NAME.get(name)
    return channel.provider if channel is not None and channel.provider else name


# A debtor who writes first opens the channel they wrote on for our answers
# for this long, consent or not (docs/conversations.md "Answers need no
# consent"): WhatsApp's own customer-service window where the channel has
# one, else 24 hours (our choice for an SMS, RCS or email reply).
ANSWER_WINDOW = timedelta(hours=24)


def answer_window(name: str) -> timedelta:
    """How long after the debtor's message an answer on channel ``name`` may go out."""
    channel = _BY_NAME.get(name)
    if channel is not None and channel.service_window is not None:
        return channel.service_window
    return ANSWER_WINDOW


def consent_needed(consent_required: frozenset[str] | set[str]) -> frozenset[str]:
    """The channels that need the debtor's consent: the country's, and every opt-in channel.

    ``consent_required`` is the country's rule pack's list. The planner's
    channel choice and the dispatcher's re-check both ask this.
    """
    return frozenset(consent_required) | frozenset(OPT_IN_CHANNELS)
