"""Opt-outs: the one lexicon that says when a message means "stop", and the one way it is honoured.

Both readers of a debtor's message ask ``opt_out_scope``: the webhook layer
(``delivery.provider_events``, before anything else, for every inbound
message) and the bot's NLU (``conversations.nlu.understand``: a message is
``opt_out`` whenever the answer is not None). Both read the text through the
same ``outreach.text.normalize``. The lexicon itself is plain rules in
``optout_lexicon`` (re-exported here), so the NLU imports it without Django.

Every way of stopping contact goes through the actions below, each in one
transaction, each writing one audit event per contact point it touches
(``AuditEvent.Kind.OPT_OUT``, or ``CONSENT_CHANGED`` for a refusal the
provider reported): who (``actor``), which channel, the scope, where it came
from (``source``), the debtor's words (trimmed), the contact point (id and
masked value, never the full phone or email) and how many planned contacts
were cancelled.

- ``apply_opt_out``: a message said stop (the webhook layer, or the bot);
- ``opt_out_point``: the one-click unsubscribe link of an email;
- ``stop_channel`` and ``opt_out_debtor``: the portal's "how to contact you";
- ``record_provider_refusal``: a send was refused because the person opted
  out with the provider (Twilio 21610).

What an opt-out does to one contact point: scope ``"channel"`` withdraws the
consent for that channel (recording a refusal where none was given, so the
channel stays off in countries that need no consent) and cancels the planned
contacts on it; scope ``"all"`` withdraws every channel of the point, marks
the point opted out and cancels everything planned on it. Rows already being
sent are left to the dispatcher, which re-checks the point before sending.
The debtor's other contact points are not touched.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from recaudo.outreach.contract import Event
from recaudo.outreach.models import Outreach
from recaudo.outreach.optout_lexicon import (
    KEYWORD_SCOPES,
    KEYWORDS,
    PATTERNS,
    Scope,
    keyword_form,
    keyword_scope,
    opt_out_scope,
)
from recaudo.portfolio import events
from recaudo.portfolio.models import AuditEvent, ChannelConsent, ContactPoint, Debtor

__all__ = [
    "KEYWORDS",
    "KEYWORD_SCOPES",
    "OPT_OUT_OUTCOME",
    "PATTERNS",
    "Scope",
    "apply_opt_out",
    "keyword_form",
    "keyword_scope",
    "opt_out_debtor",
    "opt_out_point",
    "opt_out_scope",
    "points_for",
    "provider_says_stop",
    "record_provider_refusal",
    "stop_channel",
]

Source = Literal["webhook", "bot", "unsubscribe page", "portal", "provider"]

OPT_OUT_OUTCOME = "opt-out"
TEXT_LIMIT = 200  # the debtor's words kept in the audit event


# --- Honouring it ----------------------------------------------------------------

# ChannelConsent.source of a refusal recorded where no consent existed.
REFUSAL_SOURCES: dict[Source, str] = {
    "webhook": "opt-out",
    "bot": "opt-out",
    "unsubscribe page": "opt-out",
    "portal": "portal",
    "provider": "opt-out",
}


def provider_says_stop(event: Event) -> bool:
    """The provider decided it is an opt-out (Twilio's Advanced Opt-Out knows its keywords).

    Such a provider also answers the debtor itself: our own confirmation would
    be a second text.
    """
    raw_type = event.raw.get("OptOutType") if isinstance(event.raw, dict) else None
    return event.kind == "opt_out" or str(raw_type or "").upper() == "STOP"


def points_for(address: str) -> QuerySet[ContactPoint]:
    """Every contact point with this phone or email (any debtor, any creditor)."""
    address = address.strip()
    if "@" in address:
        return ContactPoint.objects.filter(kind=ContactPoint.Kind.EMAIL, value__iexact=address)
    if address and not address.startswith("+"):
        address = "+" + address  # WhatsApp's wa_id has no plus sign
    return ContactPoint.objects.filter(kind=ContactPoint.Kind.PHONE, value=address)


def apply_opt_out(event: Event, *, scope: Scope, source: Source, actor: str) -> str:
    """A message said stop: honour it on every contact point with the sender's address.

    Every point with that number (any debtor, any creditor): the provider
    blocks the number, and over-stopping is the safe side. Returns the outcome
    the webhook layer records.
    """
    when = event.occurred_at or timezone.now()
    with transaction.atomic():
        points = list(
            points_for(event.address).select_related("debtor").select_for_update(of=("self",))
        )
        cancelled = sum(
            _withdraw(
                point,
                channel=event.channel,
                scope=scope,
                when=when,
                source=source,
                actor=actor,
                text=event.text,
            )
            for point in points
        )
    if not points:
        return f"{OPT_OUT_OUTCOME}: no contact point for this address"
    label = "all channels" if scope == "all" else event.channel
    return (
        f"{OPT_OUT_OUTCOME}: {label} on {len(points)} contact point(s), "
        f"{cancelled} planned outreach cancelled"
    )


def opt_out_point(
    point: ContactPoint, *, channel: str | None, source: Source, actor: str, text: str = ""
) -> int:
    """Stop using ``point`` on every channel; the number of planned contacts cancelled."""
    with transaction.atomic():
        locked = _locked(point.pk)
        return _withdraw(
            locked,
            channel=channel,
            scope="all",
            when=timezone.now(),
            source=source,
            actor=actor,
            text=text,
        )


def stop_channel(
    point: ContactPoint, channel: str, *, source: Source, actor: str, text: str = ""
) -> int:
    """Stop one channel on ``point``; the number of planned contacts cancelled."""
    with transaction.atomic():
        locked = _locked(point.pk)
        return _withdraw(
            locked,
            channel=channel,
            scope="channel",
            when=timezone.now(),
            source=source,
            actor=actor,
            text=text,
        )


def opt_out_debtor(debtor: Debtor, *, source: Source, actor: str, text: str = "") -> int:
    """Stop every contact point of ``debtor`` not yet opted out; planned contacts cancelled."""
    when = timezone.now()
    with transaction.atomic():
        points = (
            ContactPoint.objects.filter(debtor=debtor, opted_out_at__isnull=True)
            .select_related("debtor")
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        return sum(
            _withdraw(
                point,
                channel=None,
                scope="all",
                when=when,
                source=source,
                actor=actor,
                text=text,
            )
            for point in points
        )


def record_provider_refusal(
    point_id: int, channel: str, *, actor: str, reason: str, when: datetime
) -> None:
    """The provider refused a send: the person opted out with it (Twilio 21610).

    The consent for that channel is withdrawn (a refusal recorded where there
    was none). Nothing planned is cancelled: the debtor did not ask us, the
    provider blocks the channel, so each row falls back to the step's next
    channel when the dispatcher meets it.
    """
    with transaction.atomic():
        point = ContactPoint.objects.select_related("debtor").filter(pk=point_id).first()
        if point is None:
            return
        _withdraw(
            point,
            channel=channel,
            scope="channel",
            when=when,
            source="provider",
            actor=actor,
            text=reason,
            kind=AuditEvent.Kind.CONSENT_CHANGED,
            cancel=False,
        )


def _locked(point_id: int) -> ContactPoint:
    return (
        ContactPoint.objects.select_related("debtor")
        .select_for_update(of=("self",))
        .get(pk=point_id)
    )


def _withdraw(
    point: ContactPoint,
    *,
    channel: str | None,
    scope: Scope,
    when: datetime,
    source: Source,
    actor: str,
    text: str,
    kind: str = AuditEvent.Kind.OPT_OUT,
    cancel: bool = True,
) -> int:
    """Withdraw ``point``'s consent (one channel or all), cancel what it stops, audit it.

    The same request again (a mail scanner posting the unsubscribe link twice,
    a second STOP) changes nothing and writes no second audit event.
    """
    if scope == "channel" and channel:
        channels = [channel]
    else:
        channels = sorted({*(point.channels or ()), *([channel] if channel else [])})
    refusal_source = REFUSAL_SOURCES[source]
    changed = sum(_revoke_consent(point, name, when, refusal_source) for name in channels)
    if scope == "all":
        changed += ChannelConsent.objects.filter(
            contact_point=point, revoked_at__isnull=True
        ).update(revoked_at=when)
        if point.opted_out_at is None:
            point.opted_out_at = when
            point.save(update_fields=["opted_out_at"])
            changed += 1
    cancelled = 0
    if cancel:
        planned = Outreach.objects.planned().filter(contact_point=point)
        if point.opted_out_at is None:
            planned = planned.filter(channel__in=channels)
        cancelled = planned.update(
            status=Outreach.Status.CANCELLED,
            status_reason=_cancel_reason(source, channel, text)[:200],
            updated_at=timezone.now(),
        )
    if not changed and not cancelled:
        return 0
    events.contact_point_event(
        point,
        kind,
        actor=actor,
        data={
            "channel": channel,
            "scope": scope,
            "source": source,
            "text": text.strip()[:TEXT_LIMIT],
            "contact_point": point.pk,
            "address": point.masked_value,
            "channels": channels,
            "cancelled": cancelled,
            "occurred_at": when,
        },
    )
    return cancelled


def _revoke_consent(point: ContactPoint, channel: str, when: datetime, source: str) -> bool:
    """Whether anything changed: a live consent revoked, or a refusal recorded."""
    updated = ChannelConsent.objects.filter(
        contact_point=point, channel=channel, revoked_at__isnull=True
    ).update(revoked_at=when)
    if updated:
        return True
    # No consent on record (a channel the country lets us use without one):
    # keep the refusal anyway, so it is never asked for again by mistake.
    _consent, created = ChannelConsent.objects.get_or_create(
        contact_point=point,
        channel=channel,
        defaults={"source": source, "granted_at": when, "revoked_at": when},
    )
    return created


def _cancel_reason(source: Source, channel: str | None, text: str) -> str:
    if source == "portal":
        return f"opted out on portal ({channel or 'all'})"
    if source == "unsubscribe page":
        return f"opted out ({channel or 'all'})"
    return f"opt-out by {channel}: {text[:50]}"
