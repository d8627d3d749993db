"""A debtor-behaviour simulator to measure the learning on (bench/learning.py).

Assumptions (docs/insights.md, "The simulator"), all seeded:

- Each debtor has a hidden propensity (log-odds) made of a country effect, a
  kind effect, a personal trait (normal), less the effect of how late and how
  large the debt is. Nothing observable reveals the trait exactly: the
  history (payments, their delays, promises kept or broken, reads, replies,
  link openings, reachable channels) is drawn from it with noise, so the
  model can only approach the *ceiling*, the AUC of the true probabilities.
- Each debtor pays attention at some hours: per channel a peak hour around
  their country's habit (sd 3 h, so many differ from it), read probability
  ``attention * exp(-(h - peak)^2 / 8) + 0.05`` at hour ``h``.
- Paying within 30 days: logistic in the propensity plus ``READ_EFFECT``
  per message read in the month, plus the tested variant's effect (tone or
  offer), minus nothing else. A holdout gets no messages.
- Messages are sent at hours the law allows, 8:00 to 19:00 local.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recaudo.learning.besttime import Contact
from recaudo.learning.features import Raw

COUNTRIES = np.array(["CO", "MX", "PE", "CL", "BR"], dtype=object)
COUNTRY_EFFECT = np.array([0.0, -0.2, -0.35, 0.25, 0.1])
COUNTRY_PEAK = np.array([19.0, 13.0, 9.0, 18.0, 12.0])  # local hour of most attention
CHANNELS = ("whatsapp", "sms")
LEGAL_HOURS = np.arange(8, 20)  # 8:00..19:00 starts
READ_EFFECT = 0.45


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class Population:
    raw: Raw  # the observable history, as the features module reads it from a database
    propensity: np.ndarray  # hidden log-odds of paying in 30 days without contacts
    attention: np.ndarray  # hidden, per debtor
    peaks: np.ndarray  # hidden, (debtors, channels) peak hours
    country_index: np.ndarray
    segment: np.ndarray  # the segment a planner would put each debtor in (by lateness)


def population(size: int, seed: int) -> Population:
    rng = np.random.default_rng(seed)
    country_index = rng.integers(0, len(COUNTRIES), size)
    company = rng.random(size) < 0.2
    trait = rng.normal(0.0, 1.0, size)
    dpd = np.round(rng.gamma(1.3, 35.0, size) - 10).astype(float)
    balance = np.round(rng.lognormal(6.5, 1.0, size), 2)
    propensity = (
        -0.3
        + COUNTRY_EFFECT[country_index]
        + 0.3 * company
        + 1.4 * trait
        - 0.009 * np.clip(dpd, 0, 400)
        - 0.25 * (np.log(balance) - 6.5)
    )
    history_rate = sigmoid(propensity)
    payments = rng.poisson(8.0 * history_rate)
    delay = np.where(payments > 0, rng.normal(45.0 * (1.0 - history_rate) - 5.0, 8.0, size), 0.0)
    promises = rng.poisson(1.5, size)
    kept = rng.binomial(promises, history_rate)
    broken = promises - kept
    sent = rng.poisson(5.0, size)
    attention = np.clip(rng.beta(2.0, 2.5, size) + 0.1 * trait, 0.02, 0.95)
    reads = rng.binomial(sent, np.clip(0.4 * attention + 0.1 * history_rate, 0.0, 1.0))
    replies = rng.poisson(1.5 * history_rate * (sent > 0))
    opens = rng.poisson(2.0 * history_rate * (sent > 0))
    reachable = rng.integers(1, 4, size).astype(float)
    peaks = np.clip(
        COUNTRY_PEAK[country_index][:, None] + rng.normal(0.0, 3.0, (size, len(CHANNELS))),
        6.0,
        22.0,
    )
    raw = Raw(
        debtor_ids=np.arange(1, size + 1, dtype=np.int64),
        days_past_due=dpd,
        balance=balance,
        open_debts=1.0 + rng.poisson(0.3, size),
        debt_age=np.clip(dpd + 30 + rng.integers(0, 60, size), 0, None).astype(float),
        payments_before=payments.astype(float),
        payment_delay=delay,
        promises_kept=kept.astype(float),
        promises_broken=broken.astype(float),
        sent=sent.astype(float),
        reads=reads.astype(float),
        replies=replies.astype(float),
        link_opens=opens.astype(float),
        reachable_channels=reachable,
        company=company.astype(float),
        country=COUNTRIES[country_index],
    )
    segment = np.digitize(dpd, [0, 30, 90])
    return Population(raw, propensity, attention, peaks, country_index, segment)


def read_probability(population: Population, channel: int, hours: np.ndarray) -> np.ndarray:
    distance = hours - population.peaks[:, channel]
    return np.clip(population.attention * np.exp(-(distance**2) / 8.0) + 0.05, 0.0, 1.0)


def paid_in_30_days(
    population: Population, rng: np.random.Generator, reads: np.ndarray, effect: np.ndarray
) -> np.ndarray:
    """1.0 where the debtor pays in the month, given reads and a variant's effect."""
    chance = sigmoid(population.propensity + READ_EFFECT * reads + effect)
    return (rng.random(len(chance)) < chance).astype(float)


def contact_history(population: Population, seed: int, per_debtor: float = 6.0) -> list[Contact]:
    """Past contacts at random legal hours with their responses (read within a day)."""
    rng = np.random.default_rng(seed)
    size = len(population.raw)
    counts = rng.poisson(per_debtor, size)
    debtor = np.repeat(np.arange(size), counts)
    channel = rng.integers(0, len(CHANNELS), len(debtor))
    hours = rng.choice(LEGAL_HOURS, len(debtor))
    distance = hours - population.peaks[debtor, channel]
    chance = np.clip(population.attention[debtor] * np.exp(-(distance**2) / 8.0) + 0.05, 0, 1)
    responded = rng.random(len(debtor)) < chance
    ids = population.raw.debtor_ids
    return [
        Contact(
            int(ids[d]),
            int(population.segment[d]),
            str(population.raw.country[d]),
            CHANNELS[c],
            int(h),
            bool(r),
        )
        for d, c, h, r in zip(debtor, channel, hours, responded, strict=True)
    ]


def month_of_reminders(
    population: Population,
    rng: np.random.Generator,
    hours: np.ndarray,
    messages: int = 3,
    channel: int = 0,
) -> np.ndarray:
    """Reads in a month of ``messages`` reminders, each sent at ``hours`` (per debtor)."""
    chance = read_probability(population, channel, hours.astype(float))
    return rng.binomial(messages, chance).astype(float)
