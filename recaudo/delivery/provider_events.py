"""What the providers' webhooks tell us, applied to the outbox.

Plain functions over ``outreach.contract.Event`` and the models, so they are
tested without HTTP. The webhook views (``webhooks.py``) verify the
signature, call ``store_webhook`` and then ``process_webhook``.

Rules (see docs/webhooks.md):

- Status moves forward only (the outbox's rule, outreach/progress.py):
  planned/sending/unknown -> sent -> delivered -> read. A repeated or late
  event changes nothing; "read" before "delivered" ends as read with
  ``delivered_at`` filled in too.
- "failed" on a row not yet delivered records the error, marks the contact
  point invalid (or unable to take that channel) when the code says the
  address is wrong, and falls back to the step's next channel.
- An inbound message is an opt-out when ``outreach.optouts.opt_out_scope``
  (the one lexicon, which the bot's NLU also uses) or the provider says so;
  ``optouts.apply_opt_out`` then revokes the channel's consent on every
  contact point with that address (all channels when the words mean
  everything), cancels the planned outreach on them and writes the audit
  event, in the same transaction.
- Other inbound messages are kept for the conversations app
  (``inbound_webhooks``).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from functools import partial

from django.db import connections, router, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

import recaudo.channels
from recaudo.conversations import debt_reports
from recaudo.conversations.inbound import receive
from recaudo.conversations.models import Message
from recaudo.delivery import bounces
from recaudo.delivery.accounts import Routed, channel_for, route, whatsapp_parts
from recaudo.delivery.channels.registry import MediaError
from recaudo.inputs import storable
from recaudo.outreach import optouts
from recaudo.outreach.contract import Event, PayloadError, WebhookRequest
from recaudo.outreach.fallback import fall_back
from recaudo.outreach.models import Outreach, WebhookEvent
from recaudo.outreach.optouts import OPT_OUT_OUTCOME
from recaudo.outreach.progress import record_failure_report, record_progress
from recaudo.payments.reports import MAX_RECEIPT_BYTES, receipt_type
from recaudo.payments.rules import AgreementError
from recaudo.portfolio.models import ContactPoint
from recaudo.portfolio.rules import InputError, datetime_in_range

Status = Outreach.Status
logger = logging.getLogger(__name__)

INBOUND_OUTCOME = "inbound: kept for the conversation"
UNREADABLE_OUTCOME = "unreadable"
# Stored with a WhatsApp batch that names creditors' numbers: the numbers whose
# changes were trusted when it was verified (accounts.authenticate).
KEPT_NUMBERS_HEADER = ":numbers"
DUPLICATE_OUTCOME = "duplicate"

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
    """Store a verified webhook request; a repeated delivery returns the stored one.

    One statement, ``INSERT … ON CONFLICT DO NOTHING RETURNING id``: outside a
    transaction it is one round trip and one commit (the ORM's create in a
    savepoint took four round trips; docs/benchmarks.md, "Web server and
    webhooks"). A conflict means the provider delivered it before.
    """
    # PostgreSQL text cannot hold NUL (nor a lone surrogate); a signed request with one is kept.
    values = {
        "provider": provider,
        "dedupe_key": storable(dedupe_key),
        "received_at": timezone.now(),
        "headers": storable(headers),
        "body": storable(body),
        "outcome": "",
    }
    connection = connections[router.db_for_write(WebhookEvent)]
    fields = [field for field in WebhookEvent._meta.concrete_fields if field.name in values]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(WebhookEvent._meta.db_table)}"
            f" ({', '.join(quote(field.column) for field in fields)})"
            f" VALUES ({', '.join(['%s'] * len(fields))})"
            " ON CONFLICT (provider, dedupe_key) DO NOTHING RETURNING id",
            [field.get_db_prep_save(values[field.name], connection) for field in fields],
        )
        row = cursor.fetchone()
    if row is None:
        return WebhookEvent.objects.get(provider=provider, dedupe_key=values["dedupe_key"]), False
    stored = WebhookEvent(id=row[0], **values)
    stored._state.adding = False
    stored._state.db = connection.alias
    return stored, True


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


def process_pending(limit: int = 500) -> int:
    """Process stored webhooks not yet tried, oldest first (WEBHOOK_PROCESSING=deferred).

    Run by ``recaudo worker``. Several workers may pick the same rows:
    ``process_webhook`` locks each, so the second finds it processed. A row
    whose processing failed keeps its error as its outcome and is not tried
    again until the provider delivers it again (the view then clears it) or
    staff process it again from the admin (listed under "Fallidos" there and
    counted in /metrics).
    Returns how many were tried.
    """
    pending = list(
        WebhookEvent.objects.filter(processed_at__isnull=True, outcome="").order_by(
            "received_at", "id"
        )[:limit]
    )
    for stored in pending:
        process_stored(stored)
    return len(pending)


def process_stored(stored: WebhookEvent) -> bool:
    """Apply a stored webhook from its kept body; False (error noted on the row) if it failed."""
    try:
        process_webhook(stored, partial(stored_events, stored))
    except Exception as error:
        logger.exception("webhook %s: processing event %s failed", stored.provider, stored.pk)
        record_failure(stored, error)
        return False
    return True


def retry_later(stored: WebhookEvent) -> None:
    """A repeated delivery of a webhook whose processing failed: the worker tries it again."""
    WebhookEvent.objects.filter(pk=stored.pk, processed_at__isnull=True).exclude(outcome="").update(
        outcome=""
    )


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
    request = WebhookRequest(
        method="POST",
        path=stored.headers.get(":path", "/"),
        headers={name: value for name, value in stored.headers.items() if name[:1] != ":"},
        body=stored.body.encode(),
    )
    # Verified when it was stored: routed again by the same identifiers (a WhatsApp
    # batch: only the numbers that were trusted then).
    numbers = stored.headers.get(KEPT_NUMBERS_HEADER)
    if numbers is not None:
        return parsed_parts(whatsapp_parts(request, set(filter(None, numbers.split(",")))))
    return parsed_for(route(PROVIDER_CHANNELS[stored.provider], request), request)


def parsed_parts(parts: Iterable[tuple[Routed, WebhookRequest]]) -> list[Event]:
    """The events of each part of a verified webhook, each with its account's creditor."""
    return [event for routed, request in parts for event in parsed_for(routed, request)]


def parsed_for(routed: Routed, request: WebhookRequest) -> list[Event]:
    """The request's events, each naming the creditor whose account received it."""
    events = routed.channel.parse_webhook(request)
    if routed.creditor_id is None:
        return events
    return [replace(event, creditor_id=routed.creditor_id) for event in events]


# --- Processing --------------------------------------------------------------


def process_events(events: Iterable[Event]) -> str:
    """Apply each event in its own savepoint; the outcome lists what happened, debtors' first.

    One event's fault never loses the others of its batch: it is logged, noted
    in the outcome (``error: ...``) and rolled back alone.
    """
    outcomes = [_apply_alone(storable_event(event)) for event in events]
    if not outcomes:
        return "no events"
    from_debtors = [o for o in outcomes if o.startswith((INBOUND_OUTCOME, OPT_OUT_OUTCOME))]
    others = [o for o in outcomes if o not in from_debtors]
    return "; ".join(dict.fromkeys(from_debtors + others))


def storable_event(event: Event) -> Event:
    """The event as the database can keep it: the one place provider events are cleaned.

    A signed body may still carry NUL or lone surrogates (PostgreSQL refuses
    both): they become U+FFFD in every text. A time outside DATE_RANGE is
    dropped (the moment of processing stands in for it).
    """
    texts = {
        name: storable(getattr(event, name))
        for name in (
            "channel",
            "provider_message_id",
            "provider_event_id",
            "reference",
            "address",
            "text",
            "error_code",
            "error_message",
        )
    }
    occurred_at = event.occurred_at
    if occurred_at is not None:
        try:
            datetime_in_range(occurred_at, "occurred_at")
        except InputError:
            occurred_at = None
    return replace(event, **texts, occurred_at=occurred_at, raw=storable(event.raw))


def _apply_alone(event: Event) -> str:
    try:
        with transaction.atomic():
            return apply_event(event)
    except Exception as error:
        logger.exception(
            "webhook event %s (%s) not applied", event.provider_event_id or "-", event.kind
        )
        return f"error: {event.kind} {event.provider_message_id}: {type(error).__name__}"


def apply_event(event: Event) -> str:
    if event.kind in ("sent", "delivered", "read"):
        return apply_status(event)
    if event.kind == "failed":
        return apply_failure(event)
    if event.kind in ("bounce", "complaint"):
        return apply_mail_report(event)
    if event.kind in ("opt_out", "inbound"):
        stop = optouts.provider_says_stop(event)
        scope = optouts.opt_out_scope(event.text, provider_says_stop=stop)
        if scope is not None:
            outcome = optouts.apply_opt_out(
                event,
                scope=scope,
                source="webhook",
                actor=recaudo.channels.provider_of(event.channel),
            )
            _keep_in_conversation(event)
            return outcome
        message = receive(event)
        if message is not None and message.attachment:
            keep_receipt(message, event.channel, event.creditor_id)
        return INBOUND_OUTCOME
    return f"{event.kind}: kept"


def apply_mail_report(event: Event) -> str:
    """A DSN bounce or an ARF complaint (``delivery/bounces.py``); a new hard bounce
    also fails the email it reports on, which falls back to the step's next channel."""
    outcome, new = bounces.apply_mail_report(event)
    report = event.raw.get("report") if isinstance(event.raw, dict) else None
    if new and isinstance(report, dict) and report.get("kind") == "hard":
        failed = apply_failure(replace(event, kind="failed"))
        if not failed.startswith("failed: no outreach"):
            outcome = f"{outcome}; {failed}"
    return outcome


def keep_receipt(message: Message, channel_name: str, creditor_id: int | None = None) -> None:
    """Download the image or document the debtor sent and hand it to their reports.

    Part of processing the stored webhook (the provider's media API, with the
    channel's credentials). Only files whose first bytes prove an image or a
    PDF within the receipt size are kept; otherwise the attachment records why.
    """
    attachment = dict(message.attachment or {})
    # The media API wants the credentials of the account that received the message.
    download = getattr(channel_for(channel_name, creditor_id), "download_media", None)
    reference = attachment.get("id") or attachment.get("url")  # WhatsApp's media id, an MMS URL
    if download is None or not reference:
        return
    try:
        content, _declared = download(str(reference), MAX_RECEIPT_BYTES)
        media_type = receipt_type(content)
    except (MediaError, AgreementError) as error:
        attachment["error"] = str(error)[:200]
        message.attachment = attachment
        message.save(update_fields=["attachment"])
        return
    debt_reports.receipt_arrived(message, content, media_type)


def _keep_in_conversation(event: Event) -> None:
    """Record an opt-out in the debtor's thread (and confirm it once); never undo the opt-out."""
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


def apply_status(event: Event) -> str:
    outreach = find_outreach(event)
    if outreach is None:
        return f"{event.kind}: no outreach for {event.provider_message_id or event.reference}"
    previous = outreach.status
    status = record_progress(
        outreach,
        event.kind,
        when=event.occurred_at or timezone.now(),
        provider_message_id=event.provider_message_id,
    )
    if status is None:
        return f"outreach {outreach.pk}: {event.kind} ignored ({previous})"
    return f"outreach {outreach.pk}: {previous} -> {status}"


def apply_failure(event: Event) -> str:
    outreach = find_outreach(event)
    if outreach is None:
        return f"failed: no outreach for {event.provider_message_id or event.reference}"
    channel = outreach.channel
    code = event.error_code or ""
    reason = event.error_message or code or "failed"
    if not record_failure_report(
        outreach, code=code, reason=reason, provider_message_id=event.provider_message_id
    ):
        return f"outreach {outreach.pk}: failed ignored ({outreach.status})"
    invalidated = _invalidate_contact_point(outreach, code, reason, event.occurred_at)
    moved = fall_back(outreach, reason, error_code=code)
    result = f"outreach {outreach.pk}: {channel} failed ({code or 'no code'})"
    if invalidated:
        result += f", contact point {invalidated}"
    return result + (f", fallback to {outreach.channel}" if moved else ", no channel left")


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
