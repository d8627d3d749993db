"""What the dispatcher does with one claimed contact, as plain functions.

``decide`` looks at what is true at the moment of sending (is anything still
owed, is the contact point usable, does the country's rule allow it now) and
says send, cancel, fall back to the next channel, or postpone. ``after_send``
turns the provider's answer into the row's next state. Both are pure: the
dispatcher loads the facts, calls them, and writes the result.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Literal

from recaudo.channels import VOICE_CHANNELS, consent_needed, find_channel
from recaudo.compliance.packs import RulePack
from recaudo.compliance.rules import PastContact, check_contact
from recaudo.outreach.contract import ProviderResult
from recaudo.outreach.models import COLLECTION_NOTICES
from recaudo.policies.planning import preferred_wait

# Backoff for transient failures: base * 2^(attempt-1), capped, with full jitter.
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_MAX_SECONDS = 3600.0


@dataclass(frozen=True)
class DebtState:
    id: int
    status: str  # open | paid | written_off | disputed | in_arrangement | promised
    balance: Decimal


@dataclass(frozen=True)
class PointState:
    id: int
    channels: frozenset[str]
    consented: frozenset[str]
    opted_out: bool
    invalid: bool


@dataclass(frozen=True)
class SendFacts:
    """Everything ``decide`` needs about one claimed row, read under the debtor's lock."""

    channel: str
    debts: Sequence[DebtState]
    point: PointState | None
    consent_required: frozenset[str]
    timezone: str
    history: Sequence[PastContact]  # the debtor's other contacts (sent or being sent)
    window_end: datetime
    # A notice (a thank-you, a promise reminder) follows an event: it is sent
    # whether or not anything is still owed.
    notice: bool = False
    # An answer to the debtor's own message: not held back by hours or caps.
    reply: bool = False
    # The last word to a point we stop using (opt-out confirmation, apology to
    # a wrong number): sent although the point is opted out or invalid.
    final: bool = False
    # For a reply: until when the debtor's own message opened the channel for
    # answers (``notify.queue_reply``); inside it no consent on file is needed.
    answer_until: datetime | None = None
    # The row's template: a notice that asks for money (``COLLECTION_NOTICES``)
    # is judged as a collection attempt.
    template_key: str = ""
    # The debtor's preferred local hours (from, to) and the row's window start:
    # a collection contact placed inside them is not sent outside them.
    preferred_hours: tuple[time, time] | None = None
    window_start: datetime | None = None


Verdict = Literal["send", "cancel", "fallback", "postpone"]
# Debt states in which a reminder of an agreement still has something to ask for.
AGREED_OR_OPEN = frozenset({"open", "promised", "in_arrangement"})


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str = ""
    not_before: datetime | None = None  # for postpone: the next allowed moment
    owed: Decimal = Decimal(0)  # what is still owed on the debts covered
    open_debt_ids: tuple[int, ...] = ()


def decide(pack: RulePack, facts: SendFacts, now: datetime) -> Decision:
    """Send, cancel, fall back or postpone one contact at ``now``."""
    open_debts = [d for d in facts.debts if d.status == "open" and d.balance > 0]
    # A reminder of a promise or a plan asks for money on the agreement's debts
    # (promised or in the plan): once none of them is owed, it has nothing to say.
    about_agreement = facts.notice and facts.template_key in COLLECTION_NOTICES
    agreed = [d for d in facts.debts if d.status in AGREED_OR_OPEN and d.balance > 0]
    if about_agreement and facts.debts and not agreed:
        disputed = any(d.status == "disputed" for d in facts.debts)
        return Decision("cancel", "disputed" if disputed else "nothing_owed")
    if not open_debts and not (facts.notice or facts.reply):
        statuses = {d.status for d in facts.debts}
        if "disputed" in statuses:
            reason = "disputed"
        elif "promised" in statuses:
            reason = "promise_pending"
        elif "in_arrangement" in statuses:
            reason = "in_arrangement"
        else:
            reason = "nothing_owed"
        return Decision("cancel", reason)
    owed = sum((d.balance for d in open_debts), Decimal(0))
    ids = tuple(d.id for d in open_debts)
    point = facts.point
    if facts.reply and facts.final and point is not None:
        return Decision("send", owed=owed, open_debt_ids=ids)
    if point is None or point.invalid:
        return Decision("fallback", "contact_point_invalid", owed=owed, open_debt_ids=ids)
    if point.opted_out:
        return Decision("fallback", "opted_out", owed=owed, open_debt_ids=ids)
    # A call is made by an agent on any usable phone; a written channel must be on the point.
    if facts.channel not in VOICE_CHANNELS and facts.channel not in point.channels:
        return Decision("fallback", "channel_not_on_point", owed=owed, open_debt_ids=ids)
    needs_consent = consent_needed(facts.consent_required)
    # A debtor who wrote first asked for the answer: their message is the
    # permission on that channel while it lasts (an opt-out still stops it, above).
    asked = facts.reply and facts.answer_until is not None and now < facts.answer_until
    if facts.channel in needs_consent and facts.channel not in point.consented and not asked:
        return Decision("fallback", "no_consent", owed=owed, open_debt_ids=ids)
    if facts.reply:
        return Decision("send", owed=owed, open_debt_ids=ids)
    asked_for = facts.notice and facts.template_key not in COLLECTION_NOTICES
    verdict = check_contact(
        pack,
        timezone=facts.timezone,
        channel=facts.channel,
        at=now,
        history=facts.history,
        notice=asked_for,
    )
    if not verdict.allowed:
        if "opted_out" in verdict.reasons:
            return Decision("fallback", "opted_out", owed=owed, open_debt_ids=ids)
        return Decision(
            "postpone",
            ",".join(verdict.reasons),
            not_before=verdict.next_allowed_at,
            owed=owed,
            open_debt_ids=ids,
        )
    if facts.preferred_hours is not None and facts.window_start is not None and not asked_for:
        # Late (a worker was down) or put off by the rules: still inside the debtor's hours.
        wait = preferred_wait(
            now, facts.window_start, facts.window_end, facts.preferred_hours, facts.timezone
        )
        if wait is not None:
            return Decision(
                "postpone", "preferred_hours", not_before=wait, owed=owed, open_debt_ids=ids
            )
    return Decision("send", owed=owed, open_debt_ids=ids)


Next = Literal["sent", "retry", "fallback", "failed", "unknown"]


@dataclass(frozen=True)
class AfterSend:
    next: Next
    retry_at: datetime | None = None
    invalidate_point: bool = False
    opted_out: bool = False  # the provider says the person opted out (e.g. Twilio 21610)


def backoff_seconds(attempt: int, rng: random.Random) -> float:
    """Exponential backoff with full jitter: uniform in [base/2, base * 2^(attempt-1)]."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1))
    return rng.uniform(min(ceiling, BACKOFF_BASE_SECONDS / 2), ceiling)


def after_send(
    result: ProviderResult,
    *,
    channel: str,
    attempts: int,
    max_attempts: int,
    now: datetime,
    rng: random.Random,
) -> AfterSend:
    """The row's next state from ``channel``'s answer."""
    if result.outcome == "accepted":
        return AfterSend("sent")
    if result.outcome == "unknown":
        return AfterSend("unknown")
    if result.outcome == "retry":
        if attempts >= max_attempts:
            return AfterSend("fallback")
        wait = backoff_seconds(attempts, rng)
        if result.retry_after:
            wait = max(wait, result.retry_after)
        return AfterSend("retry", retry_at=now + timedelta(seconds=wait))
    if result.outcome == "fallback":
        return AfterSend("fallback")
    facts = find_channel(channel)
    return AfterSend(
        "fallback",
        invalidate_point=result.invalidates_contact_point,
        opted_out=facts is not None and result.error_code in facts.errors.opted_out,
    )
