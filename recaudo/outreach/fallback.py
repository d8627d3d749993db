"""Moving a contact to the step's next channel after a final failure."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from recaudo.compliance.store import pack_for
from recaudo.outreach import outbound
from recaudo.outreach.models import Outreach
from recaudo.outreach.notify import usable_points
from recaudo.policies.planning import StepInfo, choose_channel


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
    now = now or timezone.now()
    failed_channel = outreach.channel
    pack = pack_for(outreach.creditor_id, outreach.debtor.country, outreach.debtor.region)
    # The same choice the planner makes, over the channels still left.
    step = StepInfo(0, 0, 0, outreach.action, tuple(outreach.fallback_channels or ()), "", "")
    choice = choose_channel(step, usable_points(outreach.debtor), pack.consent_required)
    if choice is not None:
        with transaction.atomic():
            outreach.channel = choice.channel
            outreach.contact_point_id = choice.contact_point_id
            outreach.fallback_channels = list(choice.fallbacks)
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
    with transaction.atomic():
        outreach.save()
        outbound.contacts(Outreach.Status.FAILED, [outbound.of(outreach)])
    return False
