"""Which past contacts count toward a country's caps and gaps: stated once, here.

Every place that asks "how often have we contacted this debtor lately?" (the
planner placing a step, ``notify`` placing a notice, the dispatcher at the
moment of sending, an agent about to call, a call-back being placed) reads
this module, so the answer cannot differ between them.

- Every outbound attempt counts, whether or not it reached the debtor (the
  conservative reading of the contact laws, docs/compliance.md "Attempts
  count"). So rows being sent, sent, delivered, read and in doubt
  (``unknown``) count, and a failed row counts when it had reached a provider
  (``sent_at``: the provider took it, then reported it failed). A row that
  failed before any provider saw it (no usable channel left, refused at once)
  and a cancelled row never left, and do not count.
- Its moment is when it was sent, else the start of its send window.
- A notice or a reply (``triggered``: something the debtor's own action
  called for, not one of the ``COLLECTION_NOTICES``) is marked as such
  (``PastContact.notice``); the country's pack
  says whether those count (``RulePack.notices_counted``, docs/compliance.md
  "Notices are not collection contacts").
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
from recaudo.outreach.tasks import CONVERSATION_OUTCOMES

Status = Outreach.Status

# As far back as the rules look: the weekly caps roll over 7 days, the gaps are shorter;
# twice that covers a week's rows whose moment moved (a retry sent days after its window).
HISTORY_DAYS = 14
# Contacts made or on their way to the provider (and FAILED ones that had reached it).
ATTEMPTED: tuple[str, ...] = (
    Status.SENDING,
    Status.SENT,
    Status.DELIVERED,
    Status.READ,
    Status.UNKNOWN,
)
# Rows the debtor's own action called for: notices (a receipt, "payment failed"...) and replies.
TRIGGERED: tuple[str, ...] = (Outreach.Action.NOTICE, Outreach.Action.REPLY)
# Notices that are collection attempts all the same: we send them on our own
# initiative to ask for money (a reminder of a promise or an instalment, "we
# have not received the payment"). They count and wait like any reminder.
# A payment link staff send from the debtor 360 (``payment_offer``) is one too.
COLLECTION_NOTICES = frozenset(
    {"promise_reminder", "promise_broken", "plan_broken", "payment_offer"}
)


def triggered(action: str, template_key: str) -> bool:
    """Whether a row is a notice the debtor triggered rather than a collection attempt."""
    return action in TRIGGERED and template_key not in COLLECTION_NOTICES
# What counts when a new contact is placed: the attempts and what is already planned.
PLACED: tuple[str, ...] = (Status.PLANNED, *ATTEMPTED)


def counted_statuses(*, placing: bool) -> tuple[str, ...]:
    """The statuses that count whatever else is true of the row (see ``counts``)."""
    return PLACED if placing else ATTEMPTED


def counts(status: str, sent_at: datetime | None, *, placing: bool) -> bool:
    """Whether a row in ``status`` (sent at ``sent_at``) counts toward the caps."""
    if status == Status.FAILED:
        return sent_at is not None
    return status in counted_statuses(placing=placing)


def counted(*, placing: bool) -> Q:
    """``counts`` as a query condition, for the ORM."""
    return Q(status__in=counted_statuses(placing=placing)) | Q(
        status=Status.FAILED, sent_at__isnull=False
    )


def counted_sql(alias: str, *, placing: bool) -> tuple[str, list[str]]:
    """``counts`` as SQL over table alias ``alias``, with its parameters (the planner's query)."""
    statuses = counted_statuses(placing=placing)
    marks = ", ".join(["%s"] * len(statuses))
    return (
        f"({alias}.status IN ({marks}) OR ({alias}.status = %s AND {alias}.sent_at IS NOT NULL))",
        [*statuses, Status.FAILED],
    )


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
        counted(placing=placing),
        debtor_id__any=sorted(set(debtor_ids)),
    )
    excluded = sorted(set(exclude_ids))
    if excluded:
        rows = rows.exclude(id__any=excluded)
    history: defaultdict[int, list[PastContact]] = defaultdict(list)
    for debtor_id, channel, sent_at, window_start, action, reason, template_key in (
        rows.values_list(
            "debtor_id", "channel", "sent_at", "window_start", "action", "status_reason",
            "template_key",
        )
    ):  # fmt: skip
        talked = action == Outreach.Action.CALL_TASK and reason in CONVERSATION_OUTCOMES
        history[debtor_id].append(
            PastContact(
                channel,
                contact_moment(sent_at, window_start),
                triggered(action, template_key),
                conversation=talked,
            )
        )
    return history


def debtor_history(debtor_id: int, now: datetime, *, placing: bool) -> list[PastContact]:
    """One debtor's contacts that count at ``now``."""
    return past_contacts([debtor_id], now, placing=placing)[debtor_id]
