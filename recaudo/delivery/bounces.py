"""Email bounces and complaints applied: the address marked invalid, the consent revoked.

The email channel reads a DSN or ARF report (``channels/mail_reports.py``)
into ``bounce`` and ``complaint`` events, whether it came through the signed
``/webhooks/email`` relay or ``recaudo email bounces <mbox|maildir>``; both
store the report as a ``WebhookEvent`` first, so the same pipeline applies
it once, in the webhook's transaction (docs/channels.md "Bounces and
complaints").

- Each report is recorded once as an ``EmailBounce`` (unique ``dedupe_key``:
  the report, the recipient, the kind); a repeat changes nothing.
- A hard bounce whose status says the address is wrong (5.1.x, 5.2.1, 5.4.4)
  marks the email contact point invalid, with an audit event; the row it
  reports on then falls back to the step's next channel (``provider_events``).
- A soft bounce (4.x.x, or "delayed") is only counted.
- A complaint (ARF ``abuse``) revokes the email consent of the point and
  cancels its planned email, as an opt-out would (audited by ``optouts``).

The contact point is the one the reported message was sent to (found by its
Message-ID); without it, every email point with the recipient's address.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from recaudo.channels import EMAIL
from recaudo.outreach import optouts
from recaudo.outreach.contract import Event
from recaudo.outreach.models import EmailBounce, Outreach
from recaudo.portfolio import events as audit
from recaudo.portfolio.models import AuditEvent, ContactPoint

ACTOR = "mail"  # AuditEvent.actor: the mail system reported it
REFERENCE_PREFIX = "outreach-"


def bounce_key(report_id: str, recipient: str, kind: str) -> str:
    return hashlib.sha256(f"{report_id}\n{recipient.lower()}\n{kind}".encode()).hexdigest()


def reported_outreach(event: Event) -> Outreach | None:
    """The email the report is about: by its Message-ID, else by our reference in it."""
    rows = Outreach.objects.filter(channel=EMAIL.name)
    if event.provider_message_id:
        found = rows.filter(provider_message_id=event.provider_message_id).first()
        if found is not None:
            return found
    if event.reference.startswith(REFERENCE_PREFIX):
        parts = event.reference.split("-")
        if len(parts) == 3 and parts[1].isdigit():
            return rows.filter(pk=int(parts[1])).first()
    return None


def apply_mail_report(event: Event) -> tuple[str, bool]:
    """Record and apply one bounce or complaint; (outcome, whether it was new).

    Runs inside the webhook's transaction: the row, the contact point's
    change and its audit event commit together or not at all.
    """
    report = event.raw.get("report") if isinstance(event.raw, dict) else None
    report = report if isinstance(report, dict) else {}
    kind = str(report.get("kind") or ("complaint" if event.kind == "complaint" else "soft"))
    recipient = event.address.strip().lower()
    outreach = reported_outreach(event)
    points = _points(outreach, recipient)
    try:
        with transaction.atomic():
            bounce = EmailBounce.objects.create(
                dedupe_key=bounce_key(str(report.get("report_id") or ""), recipient, kind),
                kind=kind,
                recipient=recipient[:254],
                status=event.error_code[:20],
                action=str(report.get("action") or "")[:20],
                diagnostic=event.error_message[:300],
                original_message_id=event.provider_message_id[:300],
                outreach=outreach,
                contact_point=points[0] if len(points) == 1 else None,
            )
    except IntegrityError:
        return f"{kind} bounce for {_masked(recipient)}: already recorded", False
    when = event.occurred_at or timezone.now()
    if kind == "complaint":
        cancelled = sum(
            optouts.stop_channel(
                point,
                EMAIL.name,
                source="provider",
                actor=ACTOR,
                text=f"complaint ({bounce.action or 'abuse'})",
            )
            for point in points
        )
        return (
            f"complaint from {_masked(recipient)}: email consent revoked on {len(points)} "
            f"contact point(s), {cancelled} planned email cancelled",
            True,
        )
    if kind == "hard" and report.get("invalidates_address"):
        marked = sum(_invalidate(point, bounce, when) for point in points)
        return (
            f"hard bounce {bounce.status} for {_masked(recipient)}: "
            f"{marked} contact point(s) marked invalid",
            True,
        )
    counted = EmailBounce.objects.filter(recipient=recipient, kind=kind).count()
    return f"{kind} bounce {bounce.status} for {_masked(recipient)}: counted ({counted})", True


def _points(outreach: Outreach | None, recipient: str) -> list[ContactPoint]:
    rows = ContactPoint.objects.select_related("debtor").select_for_update(of=("self",))
    if outreach is not None and outreach.contact_point_id is not None:
        found = list(rows.filter(pk=outreach.contact_point_id, kind=ContactPoint.Kind.EMAIL))
        if found and found[0].value.strip().lower() == recipient:
            return found
    return list(rows.filter(kind=ContactPoint.Kind.EMAIL, value__iexact=recipient))


def _invalidate(point: ContactPoint, bounce: EmailBounce, when: datetime) -> int:
    if point.invalid_since is not None:
        return 0
    point.invalid_since = when
    point.invalid_reason = f"email {bounce.status}: {bounce.diagnostic or 'hard bounce'}"[:200]
    point.save(update_fields=["invalid_since", "invalid_reason"])
    audit.contact_point_event(
        point,
        AuditEvent.Kind.CONTACT_POINT_CHANGED,
        actor=ACTOR,
        data={
            "contact_point": point.pk,
            "change": "invalid",
            "value": point.masked_value,
            "reason": point.invalid_reason,
            "status": bounce.status,
            "bounce": bounce.pk,
            "occurred_at": when,
        },
    )
    return 1


def _masked(address: str) -> str:
    local, _at, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"
