"""Which past contacts count toward a country's caps and gaps: stated once, here.

Every place that asks "how often have we contacted this debtor lately?" (the
planner placing a step, ``notify`` placing a notice, the dispatcher at the
moment of sending, an agent about to call, a call-back being placed) reads
this module, so the answer cannot differ between them.

- A contact counts from the moment it was attempted: every outbound attempt,
  whether or not it reached the debtor, is a contact (the conservative reading
  of the contact laws: see docs/compliance.md). So rows being sent, sent,
  delivered, read, in doubt (``unknown``) and failed count; cancelled rows
  never left and do not.
- Its moment is when it was sent, else the start of its send window.
- When a *new* contact is being placed, what is already planned counts too:
  deliberately, so that two steps planned for the same day never both fit
  under a cap of one. At the moment of sending, planned rows do not count
  (they have not happened; the row being sent is the one being judged).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Q

from recaudo.compliance.rules import PastContact
from recaudo.outreach.models import Outreach

Status = Outreach.Status

# As far back as the rules look: the weekly caps roll over 7 days, the gaps are shorter;
# twice that covers a week's rows whose moment moved (a retry sent days after its window).
HISTORY_DAYS = 14
# Contacts made or on their way to the provider.
ATTEMPTED: tuple[str, ...] = (
    Status.SENDING,
    Status.SENT,
    Status.DELIVERED,
    Status.READ,
    Status.UNKNOWN,
    Status.FAILED,
)
# What counts when a new contact is placed: the attempts and what is already planned.
PLACED: tuple[str, ...] = (Status.PLANNED, *ATTEMPTED)


def counted_statuses(*, placing: bool) -> tuple[str, ...]:
    """The statuses that count: with planned rows when a new contact is being placed."""
    return PLACED if placing else ATTEMPTED


def history_since(now: datetime) -> datetime:
    return now - timedelta(days=HISTORY_DAYS)


def contact_moment(sent_at: datetime | None, window_start: datetime) -> datetime:
    return sent_at or window_start


def past_contacts(
    debtor_ids: Iterable[int],
    now: datetime,
    *,
    placing: bool,
    exclude_ids: Iterable[int] = (),
) -> defaultdict[int, list[PastContact]]:
    """Each debtor's contacts that count at ``now`` (see the module's rules), by debtor."""
    since = history_since(now)
    rows = Outreach.objects.filter(
        Q(sent_at__gte=since) | Q(sent_at__isnull=True, window_start__gte=since),
        debtor_id__any=sorted(set(debtor_ids)),
        status__in=counted_statuses(placing=placing),
    )
    excluded = sorted(set(exclude_ids))
    if excluded:
        rows = rows.exclude(id__any=excluded)
    history: defaultdict[int, list[PastContact]] = defaultdict(list)
    for debtor_id, channel, sent_at, window_start in rows.values_list(
        "debtor_id", "channel", "sent_at", "window_start"
    ):
        history[debtor_id].append(PastContact(channel, contact_moment(sent_at, window_start)))
    return history


def debtor_history(debtor_id: int, now: datetime, *, placing: bool) -> list[PastContact]:
    """One debtor's contacts that count at ``now``."""
    return past_contacts([debtor_id], now, placing=placing)[debtor_id]
