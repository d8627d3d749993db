"""Best hour per channel: each debtor's response by local hour, shrunk toward the group's.

A contact *responds* when within ``RESPONSE_HOURS`` of being sent it is read,
or the debtor replies, opens a payment link or pays. Per channel and local
hour, rates are estimated at four levels, each shrunk toward the one above
(empirical Bayes with a beta prior whose strength is estimated from the
spread of the level's groups, method of moments):

    channel overall  <-  country x hour  <-  segment x hour  <-  debtor x hour

so a debtor with two contacts gets mostly their segment's and country's
behaviour, one with fifty gets mostly their own. The best hour is the one
with the highest estimate among the hours someone in the debtor's country was
actually contacted at (an hour nobody tried is never chosen).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from recaudo.conversations.models import Message
from recaudo.outreach.models import Outreach
from recaudo.payments.models import PaymentLinkOpen
from recaudo.portfolio.models import Debt, Debtor, Payment

RESPONSE_HOURS = 24
HISTORY_DAYS = 180
# Bounds of the estimated prior strength (pseudo-contacts).
MIN_STRENGTH, MAX_STRENGTH, DEFAULT_STRENGTH = 1.0, 500.0, 10.0


def shrink(successes: float, trials: float, prior_rate: float, strength: float) -> float:
    """The posterior mean rate: ``(s + m p) / (n + m)``."""
    return (successes + strength * prior_rate) / (trials + strength)


def prior_strength(groups: Iterable[tuple[float, float]]) -> float:
    """The beta prior's strength ``m`` from groups' (successes, trials), method of moments.

    With the pooled rate ``p`` and the variance of the groups' rates ``v``
    (less the binomial noise each group's size explains), ``m = p(1-p)/v - 1``;
    clipped to [MIN_STRENGTH, MAX_STRENGTH]; ``DEFAULT_STRENGTH`` with fewer
    than two groups with trials.
    """
    pairs = [(s, n) for s, n in groups if n > 0]
    if len(pairs) < 2:
        return DEFAULT_STRENGTH
    total_s = sum(s for s, _ in pairs)
    total_n = sum(n for _, n in pairs)
    pooled = total_s / total_n
    if pooled <= 0 or pooled >= 1:
        return MAX_STRENGTH
    rates = [s / n for s, n in pairs]
    mean_rate = sum(rates) / len(rates)
    observed = sum((rate - mean_rate) ** 2 for rate in rates) / (len(rates) - 1)
    noise = sum(pooled * (1 - pooled) / n for _, n in pairs) / len(pairs)
    between = observed - noise
    if between <= 0:
        return MAX_STRENGTH
    return min(MAX_STRENGTH, max(MIN_STRENGTH, pooled * (1 - pooled) / between - 1))


@dataclass
class Tally:
    """Successes and trials per key."""

    counts: defaultdict[tuple, list[float]] = field(
        default_factory=lambda: defaultdict(lambda: [0.0, 0.0])
    )

    def add(self, key: tuple, success: bool) -> None:
        entry = self.counts[key]
        entry[0] += success
        entry[1] += 1

    def get(self, key: tuple) -> tuple[float, float]:
        entry = self.counts.get(key)
        return (entry[0], entry[1]) if entry else (0.0, 0.0)


@dataclass(frozen=True)
class Contact:
    """One contact sent: who, where, when (local hour) and whether it got a response."""

    debtor: int
    segment: int | None
    country: str
    channel: str
    hour: int
    responded: bool


def best_hours(contacts: Iterable[Contact]) -> tuple[dict[int, dict[str, int]], dict]:
    """Each debtor's best hour per channel, and the country fallback {(country, channel): hour}.

    Pure: the same contacts give the same hours.
    """
    channel_tally, country_tally, segment_tally, debtor_tally = Tally(), Tally(), Tally(), Tally()
    seen: defaultdict[int, set[tuple[str, int | None, str]]] = defaultdict(set)
    for contact in contacts:
        c, h = contact.channel, contact.hour
        channel_tally.add((c,), contact.responded)
        country_tally.add((contact.country, c, h), contact.responded)
        segment_tally.add((contact.segment, contact.country, c, h), contact.responded)
        debtor_tally.add((contact.debtor, c, h), contact.responded)
        seen[contact.debtor].add((c, contact.segment, contact.country))
    m_country = prior_strength(country_tally.counts.values())  # type: ignore[arg-type]
    m_segment = prior_strength(segment_tally.counts.values())  # type: ignore[arg-type]
    m_debtor = prior_strength(debtor_tally.counts.values())  # type: ignore[arg-type]
    hours_tried: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
    for country, channel, hour in country_tally.counts:
        hours_tried[(country, channel)].add(hour)

    @cache
    def country_rate(country: str, channel: str, hour: int) -> float:
        s, n = channel_tally.get((channel,))
        overall = s / n if n else 0.0
        return shrink(*country_tally.get((country, channel, hour)), overall, m_country)

    @cache
    def segment_rate(segment: int | None, country: str, channel: str, hour: int) -> float:
        prior = country_rate(country, channel, hour)
        return shrink(*segment_tally.get((segment, country, channel, hour)), prior, m_segment)

    fallback = {
        key: max(sorted(hours), key=lambda hour: country_rate(key[0], key[1], hour))
        for key, hours in hours_tried.items()
    }
    found: dict[int, dict[str, int]] = {}
    for debtor, keys in seen.items():
        chosen: dict[str, tuple[float, int]] = {}
        for channel, segment, country in keys:
            for hour in sorted(hours_tried[(country, channel)]):
                rate = shrink(
                    *debtor_tally.get((debtor, channel, hour)),
                    segment_rate(segment, country, channel, hour),
                    m_debtor,
                )
                if channel not in chosen or rate > chosen[channel][0]:
                    chosen[channel] = (rate, hour)
        found[debtor] = {channel: hour for channel, (_, hour) in sorted(chosen.items())}
    return found, fallback


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _times(rows: Iterable[tuple[int, datetime]]) -> dict[int, list[datetime]]:
    found: defaultdict[int, list[datetime]] = defaultdict(list)
    for debtor_id, moment in rows:
        found[debtor_id].append(moment)
    for moments in found.values():
        moments.sort()
    return dict(found)


def load_contacts(creditor_id: int, now: datetime) -> list[Contact]:
    """The creditor's written contacts sent in the last ``HISTORY_DAYS`` days, with responses."""
    since = now - timedelta(days=HISTORY_DAYS)
    window = timedelta(hours=RESPONSE_HOURS)
    events = _times(
        Message.objects.filter(
            thread__creditor_id=creditor_id, direction="in", occurred_at__gte=since
        ).values_list("thread__debtor_id", "occurred_at")
    )
    for debtor_id, moments in _times(
        PaymentLinkOpen.objects.filter(
            link__creditor_id=creditor_id, opened_at__gte=since
        ).values_list("link__debtor_id", "opened_at")
    ).items():
        events[debtor_id] = sorted([*events.get(debtor_id, []), *moments])
    for debtor_id, moments in _times(
        Payment.objects.filter(creditor_id=creditor_id, paid_at__gte=since).values_list(
            "debtor_id", "paid_at"
        )
    ).items():
        events[debtor_id] = sorted([*events.get(debtor_id, []), *moments])
    contacts = []
    rows = (
        Outreach.objects.filter(creditor_id=creditor_id, sent_at__gte=since)
        .exclude(Q(action=Outreach.Action.CALL_TASK) | Q(channel="call"))
        .values_list(
            "debtor_id",
            "segment_id",
            "debtor__country",
            "debtor__timezone",
            "channel",
            "sent_at",
            "read_at",
        )
    )
    for debtor_id, segment_id, country, zone, channel, sent_at, read_at in rows.iterator(
        chunk_size=20000
    ):
        if sent_at is None:  # the filter excludes it; says so to the type checker
            continue
        responded = read_at is not None and read_at <= sent_at + window
        if not responded:
            moments = events.get(debtor_id, [])
            at = bisect.bisect_right(moments, sent_at)
            responded = at < len(moments) and moments[at] <= sent_at + window
        hour = sent_at.astimezone(_zone(zone)).hour
        contacts.append(Contact(debtor_id, segment_id, country, channel, hour, responded))
    return contacts


def refresh_best_hours(creditor_id: int, now: datetime | None = None) -> int:
    """Write ``Debtor.best_hours`` for the creditor's debtors with an open debt; how many."""
    now = now or timezone.now()
    found, fallback = best_hours(load_contacts(creditor_id, now))
    owing = (
        Debt.objects.filter(creditor_id=creditor_id, status=Debt.Status.OPEN)
        .values_list("debtor_id", flat=True)
        .distinct()
    )
    countries = dict(
        Debtor.objects.filter(creditor_id=creditor_id).values_list("id", "country").iterator()
    )
    groups: defaultdict[tuple[tuple[str, int], ...], list[int]] = defaultdict(list)
    for debtor_id in owing.iterator(chunk_size=20000):
        hours = {
            channel: hour
            for (country, channel), hour in fallback.items()
            if country == countries.get(debtor_id)
        }
        hours.update(found.get(debtor_id, {}))
        groups[tuple(sorted(hours.items()))].append(debtor_id)
    written = 0
    with transaction.atomic():
        Debtor.objects.filter(creditor_id=creditor_id, best_hours__isnull=False).update(
            best_hours=None
        )
        for hours_key, ids in groups.items():
            if not hours_key:
                continue
            for start in range(0, len(ids), 2000):
                written += Debtor.objects.filter(id__in=ids[start : start + 2000]).update(
                    best_hours=dict(hours_key)
                )
    return written
