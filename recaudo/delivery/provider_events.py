"""What the providers' webhooks tell us, applied to the outbox.

Plain functions over ``channels.base.Event`` and the models, so they are
tested without HTTP. The webhook views (``webhooks.py``) verify the
signature, call ``store_webhook`` and then ``process_webhook``.

Rules (see docs/webhooks.md):

- Status moves forward only: planned/sending/unknown -> sent -> delivered ->
  read. A repeated or late event changes nothing; "read" before "delivered"
  ends as read with ``delivered_at`` filled in too.
- "failed" on a row not yet delivered records the error, marks the contact
  point invalid (or unable to take that channel) when the code says the
  address is wrong, and falls back to the step's next channel.
- An opt-out revokes the channel's consent on every contact point with that
  address (all channels when the words mean everything) and cancels the
  planned outreach on them, in the same transaction.
- Other inbound messages are kept for the conversations app
  (``inbound_webhooks``).
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Literal

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

import recaudo.channels
from recaudo.outreach.contract import Event, PayloadError, WebhookRequest
from recaudo.outreach.fallback import fall_back
from recaudo.outreach.models import Outreach, WebhookEvent
from recaudo.portfolio.models import ChannelConsent, ContactPoint

Status = Outreach.Status
logger = logging.getLogger(__name__)

INBOUND_OUTCOME = "inbound: kept for the conversation"
OPT_OUT_OUTCOME = "opt-out"
UNREADABLE_OUTCOME = "unreadable"
DUPLICATE_OUTCOME = "duplicate"

# How far a message has gone; a status event only ever moves a row forward.
PROGRESS = {
    Status.PLANNED: 0,
    Status.SENDING: 0,
    Status.UNKNOWN: 0,
    Status.SENT: 1,
    Status.DELIVERED: 2,
    Status.READ: 3,
}
MILESTONES = (
    (Status.SENT, "sent_at"),
    (Status.DELIVERED, "delivered_at"),
    (Status.READ, "read_at"),
)
# A failure report counts only while the provider has not said it arrived.
FAILABLE = (Status.PLANNED, Status.SENDING, Status.UNKNOWN, Status.SENT)

# Opt-out words, compared with the whole message (upper case, no accents or
# punctuation), like Twilio does: "STOP" opts out, "STOP PLEASE" does not.
# Twilio's defaults plus our Spanish/Portuguese policy list
# (../shared/reference/channels-api.md §2.5).
CHANNEL_OPT_OUT_WORDS = frozenset(
    {
        "STOP", "END", "QUIT", "CANCEL", "UNSUBSCRIBE", "REVOKE", "OPTOUT", "OPT OUT",
        "BAJA", "DAR DE BAJA", "ALTO", "PARAR", "PARE", "CANCELAR", "DETENER", "FIN",
        "SALIR", "ARRET", "ARRETE", "SAIR", "PARAR MENSAGENS",
    }
)  # fmt: skip
# Words that ask us to stop contacting them at all (on this contact point).
ALL_OPT_OUT_WORDS = frozenset(
    {
        "STOPALL", "STOP ALL", "NO MAS", "NO ME CONTACTEN", "NO ME CONTACTEN MAS",
        "NO ME ESCRIBAN", "NO ME ESCRIBAN MAS", "NO ME LLAMEN", "BAJA TOTAL",
    }
)  # fmt: skip
# WebhookEvent.provider -> the channel that reads its webhooks.
PROVIDER_CHANNELS = recaudo.channels.PROVIDER_CHANNELS
REFERENCE = re.compile(r"^outreach-(\d+)-(\d+)$")


# --- Storing -----------------------------------------------------------------


def dedupe_key(provider: str, body: bytes, *, event_id: str = "") -> str:
    """The provider's event id when it has one, else a hash of provider and body."""
    if event_id:
        return event_id[:300]
    return "sha256:" + hashlib.sha256(provider.encode() + b"\n" + body).hexdigest()


def store_webhook(
    provider: str, *, dedupe_key: str, headers: dict[str, str], body: str
) -> tuple[WebhookEvent, bool]:
    """Store a verified webhook request; a repeated delivery returns the stored one."""
    # PostgreSQL text cannot hold NUL; a signed body with one is still kept.
    body = body.replace("\x00", "\N{REPLACEMENT CHARACTER}")
    try:
        with transaction.atomic():
            stored = WebhookEvent.objects.create(
                provider=provider, dedupe_key=dedupe_key, headers=headers, body=body
            )
        return stored, True
    except IntegrityError:
        return WebhookEvent.objects.get(provider=provider, dedupe_key=dedupe_key), False


def process_webhook(stored: WebhookEvent, parse: Callable[[], list[Event]]) -> str:
    """Parse and apply a stored webhook once, in one transaction; return its outcome.

    The stored row is locked first: of two deliveries of the same webhook
    processed at once, the second finds it processed and does nothing. A
    webhook whose earlier processing failed (``processed_at`` still empty) is
    processed again when the provider retries.
    """
    with transaction.atomic():
        locked = WebhookEvent.objects.select_for_update().get(pk=stored.pk)
        if locked.processed_at is not None:
            return DUPLICATE_OUTCOME
        try:
            events = parse()
        except PayloadError as error:
            outcome = f"{UNREADABLE_OUTCOME}: {error}"
        else:
            outcome = process_events(events)
        locked.processed_at = timezone.now()
        locked.outcome = outcome[:200]
        locked.save(update_fields=["processed_at", "outcome"])
    return outcome


def record_failure(stored: WebhookEvent, error: BaseException) -> None:
    """Note why processing failed; ``processed_at`` stays empty so a retry processes it."""
    outcome = f"error: {type(error).__name__}: {error}"[:200]
    WebhookEvent.objects.filter(pk=stored.pk, processed_at__isnull=True).update(outcome=outcome)


def inbound_webhooks(since: datetime | None = None) -> QuerySet[WebhookEvent]:
    """Stored webhooks carrying messages from debtors (replies and opt-outs), oldest first.

    For the conversations app: it reads the events again from each row (the
    body as received and the headers that matter, including ``:path``).
    """
    rows = WebhookEvent.objects.filter(
        Q(outcome__startswith=INBOUND_OUTCOME) | Q(outcome__startswith=OPT_OUT_OUTCOME),
        processed_at__isnull=False,
    )
    if since is not None:
        rows = rows.filter(received_at__gte=since)
    return rows.order_by("received_at", "id")


def stored_events(stored: WebhookEvent) -> list[Event]:
    """The events of a stored webhook, read again by its channel (raises PayloadError)."""
    from recaudo.delivery.channels.registry import get_channel

    request = WebhookRequest(
        method="POST",
        path=stored.headers.get(":path", "/"),
        headers={name: value for name, value in stored.headers.items() if name != ":path"},
        body=stored.body.encode(),
    )
    return get_channel(PROVIDER_CHANNELS[stored.provider]).parse_webhook(request)


# --- Processing --------------------------------------------------------------


def process_events(events: Iterable[Event]) -> str:
    """Apply each event; the outcome lists what happened, messages from debtors first."""
    outcomes = [apply_event(event) for event in events]
    if not outcomes:
        return "no events"
    from_debtors = [o for o in outcomes if o.startswith((INBOUND_OUTCOME, OPT_OUT_OUTCOME))]
    others = [o for o in outcomes if o not in from_debtors]
    return "; ".join(dict.fromkeys(from_debtors + others))


def apply_event(event: Event) -> str:
    if event.kind in ("sent", "delivered", "read"):
        return apply_status(event)
    if event.kind == "failed":
        return apply_failure(event)
    if event.kind in ("opt_out", "inbound"):
        scope = opt_out_scope(event)
        if scope is not None:
            outcome = apply_opt_out(event, everything=scope == "all")
            _keep_in_conversation(event)
            return outcome
        from recaudo.conversations.inbound import receive

        receive(event)
        return INBOUND_OUTCOME
    return f"{event.kind}: kept"


def _keep_in_conversation(event: Event) -> None:
    """Record an opt-out in the debtor's thread (and confirm it once); never undo the opt-out."""
    from recaudo.conversations.inbound import receive

    try:
        with transaction.atomic():
            receive(event, opted_out=True)
    except Exception:  # the opt-out above must stand whatever the conversation does
        logger.exception("could not record the opt-out in the conversation")


def find_outreach(event: Event) -> Outreach | None:
    """The row the event is about, locked: by the provider's id, else by our reference."""
    rows = Outreach.objects.select_for_update()
    if event.provider_message_id:
        found = rows.filter(
            channel=event.channel, provider_message_id=event.provider_message_id
        ).first()
        if found is not None:
            return found
    match = REFERENCE.match(event.reference or "")
    if match is None:
        return None
    found = rows.filter(pk=int(match.group(1))).first()
    # The row may have moved on to another channel (fallback) since: an old
    # channel's report is not about the current send.
    if found is None or found.channel != event.channel:
        return None
    if (
        found.provider_message_id
        and event.provider_message_id
        and found.provider_message_id != event.provider_message_id
    ):
        return None
    return found


def next_status(current: str, reported: str) -> str | None:
    """The status after a provider's report, or None when it changes nothing."""
    if current not in PROGRESS or reported not in PROGRESS:
        return None
    return reported if PROGRESS[reported] > PROGRESS[current] else None


def apply_status(event: Event) -> str:
    outreach = find_outreach(event)
    if outreach is None:
        return f"{event.kind}: no outreach for {event.provider_message_id or event.reference}"
    previous = outreach.status
    status = next_status(previous, event.kind)
    if status is None:
        return f"outreach {outreach.pk}: {event.kind} ignored ({previous})"
    when = event.occurred_at or timezone.now()
    changed = ["status", "updated_at"]
    outreach.status = status
    # A later milestone implies the earlier ones (a "read" may come first).
    for milestone, field in MILESTONES:
        if getattr(outreach, field) is None:
            setattr(outreach, field, when)
            changed.append(field)
        if milestone == status:
            break
    changed += _reconcile(outreach, event)
    outreach.save(update_fields=changed)
    return f"outreach {outreach.pk}: {previous} -> {status}"


def apply_failure(event: Event) -> str:
    outreach = find_outreach(event)
    if outreach is None:
        return f"failed: no outreach for {event.provider_message_id or event.reference}"
    if outreach.status not in FAILABLE:
        return f"outreach {outreach.pk}: failed ignored ({outreach.status})"
    channel = outreach.channel
    code = event.error_code or ""
    reason = event.error_message or code or "failed"
    changed = ["last_error_code", "last_error", "updated_at", *_reconcile(outreach, event)]
    outreach.last_error_code = code[:50]
    outreach.last_error = reason[:500]
    outreach.save(update_fields=changed)
    invalidated = _invalidate_contact_point(outreach, code, reason, event.occurred_at)
    moved = fall_back(outreach, reason, error_code=code)
    result = f"outreach {outreach.pk}: {channel} failed ({code or 'no code'})"
    if invalidated:
        result += f", contact point {invalidated}"
    return result + (f", fallback to {outreach.channel}" if moved else ", no channel left")


def _reconcile(outreach: Outreach, event: Event) -> list[str]:
    """Record the provider's id on a row whose send outcome was never written."""
    if event.provider_message_id and not outreach.provider_message_id:
        outreach.provider_message_id = event.provider_message_id[:200]
        return ["provider_message_id"]
    return []


def _invalidate_contact_point(
    outreach: Outreach, code: str, reason: str, when: datetime | None
) -> str:
    facts = recaudo.channels.find_channel(outreach.channel)
    scope = facts.errors.invalidation(code) if facts is not None else None
    if scope is None or outreach.contact_point_id is None:
        return ""
    point = ContactPoint.objects.select_for_update().filter(pk=outreach.contact_point_id).first()
    if point is None:
        return ""
    if scope == "address":
        if point.invalid_since is None:
            point.invalid_since = when or timezone.now()
            point.invalid_reason = f"{outreach.channel} {code}: {reason}"[:200]
            point.save(update_fields=["invalid_since", "invalid_reason"])
        return "invalid"
    channels = [name for name in point.channels or [] if name != outreach.channel]
    if channels != point.channels:
        point.channels = channels
        point.save(update_fields=["channels"])
    return f"without {outreach.channel}"


# --- Opt-outs ----------------------------------------------------------------


def normalize_words(text: str) -> str:
    """Upper case, no accents, no punctuation, single spaces: how keywords are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.sub(r"[^\w\s]", " ", plain.upper())
    return " ".join(words.split())


def opt_out_scope(event: Event) -> Literal["channel", "all"] | None:
    """Whether an inbound message opts out of this channel, of everything, or not at all."""
    words = normalize_words(event.text)
    if words in ALL_OPT_OUT_WORDS:
        return "all"
    # Twilio's Advanced Opt-Out already decided (it knows the configured keywords).
    raw_type = event.raw.get("OptOutType") if isinstance(event.raw, dict) else None
    if event.kind == "opt_out" or str(raw_type or "").upper() == "STOP":
        return "channel"
    if words in CHANNEL_OPT_OUT_WORDS:
        return "channel"
    return None


def apply_opt_out(event: Event, *, everything: bool) -> str:
    """Revoke the channel (or everything) on every contact point with this address."""
    when = event.occurred_at or timezone.now()
    points = list(_points_for(event).select_related("debtor").select_for_update(of=("self",)))
    if not points:
        return f"{OPT_OUT_OUTCOME}: no contact point for this address"
    cancelled = 0
    for point in points:
        channels = list(point.channels or []) if everything else [event.channel]
        if event.channel not in channels:
            channels.append(event.channel)
        for channel in channels:
            _revoke_consent(point, channel, when)
        # A revoked consent takes the channel off the point in every country
        # (planner, dispatcher and fallback all honour it); "everything" also
        # opts the whole point out.
        if everything and point.opted_out_at is None:
            point.opted_out_at = when
            point.save(update_fields=["opted_out_at"])
        planned = Outreach.objects.filter(contact_point=point, status=Status.PLANNED)
        if point.opted_out_at is None:
            planned = planned.filter(channel__in=channels)
        cancelled += planned.update(
            status=Status.CANCELLED,
            status_reason=f"opt-out by {event.channel}: {event.text[:50]}"[:200],
            updated_at=timezone.now(),
        )
    scope = "all channels" if everything else event.channel
    return (
        f"{OPT_OUT_OUTCOME}: {scope} on {len(points)} contact point(s), "
        f"{cancelled} planned outreach cancelled"
    )


def _points_for(event: Event) -> QuerySet[ContactPoint]:
    address = event.address.strip()
    if "@" in address:
        return ContactPoint.objects.filter(kind=ContactPoint.Kind.EMAIL, value__iexact=address)
    if address and not address.startswith("+"):
        address = "+" + address  # WhatsApp's wa_id has no plus sign
    return ContactPoint.objects.filter(kind=ContactPoint.Kind.PHONE, value=address)


def _revoke_consent(point: ContactPoint, channel: str, when: datetime) -> None:
    updated = ChannelConsent.objects.filter(
        contact_point=point, channel=channel, revoked_at__isnull=True
    ).update(revoked_at=when)
    if updated:
        return
    # No consent on record (a channel the country lets us use without one):
    # keep the refusal anyway, so it is never asked for again by mistake.
    ChannelConsent.objects.get_or_create(
        contact_point=point,
        channel=channel,
        defaults={"source": "opt-out", "granted_at": when, "revoked_at": when},
    )
