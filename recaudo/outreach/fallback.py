"""Moving a contact to the step's next channel after a final failure."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from recaudo.outreach.models import Outreach
from recaudo.portfolio.models import ChannelConsent, ContactPoint

PHONE_CHANNELS = frozenset(ContactPoint.PHONE_CHANNELS)
CONSENT_ALWAYS = frozenset({"whatsapp"})


def fall_back(
    outreach: Outreach, reason: str, *, error_code: str = "", now: datetime | None = None
) -> bool:
    """Plan ``outreach`` again on its next fallback channel the debtor can take.

    Called with the row locked (or freshly claimed) inside a transaction. The
    failed channel is recorded in ``status_reason``; the row goes back to
    ``planned`` on the next channel of ``fallback_channels`` for which the
    debtor has a usable contact point (not opted out, not invalid, with the
    consent WhatsApp or the country needs; the dispatcher re-checks the
    country's rules before sending). Returns False, and marks the row
    ``failed``, when no channel is left.
    """
    from recaudo.compliance.store import pack_for

    now = now or timezone.now()
    remaining = list(outreach.fallback_channels or [])
    pack = pack_for(outreach.creditor_id, outreach.debtor.country)
    needs_consent = pack.consent_required | CONSENT_ALWAYS
    points = list(
        ContactPoint.objects.filter(
            debtor_id=outreach.debtor_id, opted_out_at__isnull=True, invalid_since__isnull=True
        ).order_by("-preferred", "id")
    )
    consents: set[tuple[int, str]] = set()
    withdrawn: set[tuple[int, str]] = set()
    for point_id, channel, revoked_at in ChannelConsent.objects.filter(
        contact_point__in=points
    ).values_list("contact_point_id", "channel", "revoked_at"):
        (withdrawn if revoked_at else consents).add((point_id, channel))
    failed_channel = outreach.channel
    while remaining:
        channel = remaining.pop(0)
        for point in points:
            if channel not in (point.channels or []) or (point.pk, channel) in withdrawn:
                continue
            if channel in needs_consent and (point.pk, channel) not in consents:
                continue
            with transaction.atomic():
                outreach.channel = channel
                outreach.contact_point = point
                outreach.fallback_channels = remaining
                outreach.status = Outreach.Status.PLANNED
                outreach.status_reason = f"{failed_channel}: {reason}"[:200]
                outreach.last_error_code = error_code[:50]
                outreach.lease_until = None
                outreach.claimed_by = ""
                outreach.provider_message_id = ""
                outreach.next_attempt_at = now
                outreach.save()
            return True
    outreach.status = Outreach.Status.FAILED
    outreach.status_reason = f"{failed_channel}: {reason}"[:200]
    outreach.last_error_code = error_code[:50]
    outreach.failed_at = now
    outreach.lease_until = None
    outreach.save()
    return False
