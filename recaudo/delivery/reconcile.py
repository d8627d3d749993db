"""Unknown contacts: ask the provider what became of them, or leave them for staff.

A row is ``unknown`` when its request may have reached the provider but the
answer was lost (a timeout after sending, a worker killed after the
send-started mark). It is never resent blindly: a duplicate reminder is
harassment. Three things settle it:

- a late status webhook (outreach/progress.py moves ``unknown`` forward);
- here, the provider's own record, where the provider can be asked
  (``channel.lookup``: Twilio's Messages list, and the sandbox's fake of
  it): found → ``sent`` with the provider's id; absent → the request never
  arrived, so the row goes back to the queue; unclear → left as it is;
- otherwise staff: the rows stay ``unknown``, counted in ``/metrics`` and
  listed in the admin's outbox (filter "status: unknown") for a person to
  decide. WhatsApp, RCS and email cannot be asked; a late status webhook
  still settles the first two.

Run by ``recaudo worker`` between batches (about once a minute) and by
``recaudo reconcile``.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings

from recaudo.delivery.accounts import channel_for
from recaudo.outreach import sending
from recaudo.outreach.models import Outreach

log = logging.getLogger(__name__)


def reconcile_unknown(now: datetime, *, limit: int = 500) -> Counter[str]:
    """Ask the providers about ``unknown`` rows started more than RECONCILE_AFTER_SECONDS ago."""
    counts: Counter[str] = Counter()
    settled_before = now - timedelta(seconds=settings.RECONCILE_AFTER_SECONDS)
    rows = list(
        Outreach.objects.filter(
            status=Outreach.Status.UNKNOWN,
            send_started_at__lte=settled_before,
            provider_message_id="",
        )
        .select_related("contact_point")
        .order_by("send_started_at")[:limit]
    )
    for row in rows:
        channel = channel_for(row.channel, row.creditor_id)  # the account that sent it
        lookup = getattr(channel, "lookup", None)
        if lookup is None or row.contact_point is None or row.send_started_at is None:
            counts["left_for_staff"] += 1
            continue
        try:
            answer = lookup(row.contact_point.value, row.send_started_at, row.sent_text)
        except Exception:
            log.exception("lookup failed for outreach %s", row.pk)
            counts["unclear"] += 1
            continue
        if answer.answer == "found":
            moved = sending.reconciled_sent(row.pk, answer.provider_message_id, now)
            counts["found" if moved else "moved_on"] += 1
        elif answer.answer == "absent":
            moved = sending.reconciled_absent(row.pk, now)
            counts["requeued" if moved else "moved_on"] += 1
        else:
            log.info("outreach %s stays unknown: %s", row.pk, answer.detail)
            counts["unclear"] += 1
    return counts
