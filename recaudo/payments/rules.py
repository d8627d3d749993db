"""Pure decisions about paying and agreeing: plain values in, a decision out.

Money is exact: amounts are split in the currency's minor unit (centavos for
COP and MXN, whole pesos for CLP) and the last instalment takes what the
equal split leaves over.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal

from django.utils.translation import gettext as _

from recaudo.portfolio.rules import currency_decimals


class AgreementError(ValueError):
    """What the debtor asked for is outside what the creditor allows; the message says why."""


@dataclass(frozen=True)
class ScheduledInstalment:
    number: int  # 0 is the down payment
    due_on: date
    amount: Decimal


@dataclass(frozen=True)
class PlanLimits:
    max_instalments: int
    min_down_payment_percent: Decimal


def minor_units(amount: Decimal, currency: str) -> int:
    """``amount`` in the currency's minor unit; refuses amounts finer than it."""
    scaled = Decimal(amount).scaleb(currency_decimals(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more decimals than {currency} allows")
    return int(scaled)


def from_minor_units(units: int, currency: str) -> Decimal:
    decimals = currency_decimals(currency)
    return Decimal(units).scaleb(-decimals).quantize(Decimal(1).scaleb(-decimals))


def round_up(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded up to the currency's minor unit (a minimum is never undercut)."""
    step = Decimal(1).scaleb(-currency_decimals(currency))
    return Decimal(amount).quantize(step, rounding=ROUND_CEILING)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has none (31 -> 28/30)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def minimum_down_payment(total: Decimal, currency: str, percent: Decimal) -> Decimal:
    return round_up(Decimal(total) * Decimal(percent) / 100, currency)


def instalment_schedule(
    *,
    total: Decimal,
    currency: str,
    down_payment: Decimal,
    count: int,
    first_day: date,
    down_payment_name: str = "",
) -> list[ScheduledInstalment]:
    """The down payment on ``first_day``, then ``count`` monthly instalments.

    The rest is split in equal minor units; the last instalment takes the
    remainder, so the amounts always add up to ``total`` exactly. A zero
    down payment is left out (number 0 is then absent).
    """
    if count < 1:
        raise AgreementError(_("Elija al menos una cuota."))
    total_units = minor_units(total, currency)
    down_units = minor_units(down_payment, currency)
    if not 0 <= down_units < total_units:
        raise AgreementError(
            _("%(down_payment)s: debe ser menor que el total.")
            % {"down_payment": down_payment_name or _("Pago inicial")}
        )
    rest = total_units - down_units
    if rest < count:
        raise AgreementError(_("El monto es demasiado pequeño para tantas cuotas."))
    each, remainder = divmod(rest, count)
    schedule = []
    if down_units:
        schedule.append(ScheduledInstalment(0, first_day, from_minor_units(down_units, currency)))
    for number in range(1, count + 1):
        units = each + (remainder if number == count else 0)
        schedule.append(
            ScheduledInstalment(
                number, add_months(first_day, number), from_minor_units(units, currency)
            )
        )
    return schedule


def instalments_covered(amounts: list[Decimal], paid: Decimal) -> int:
    """How many instalments, oldest first, what was paid toward the plan covers in full.

    A payment counts toward the plan whatever route it took; an amount short
    of the next instalment leaves it pending until more arrives.
    """
    covered = 0
    running = Decimal(0)
    for amount in amounts:
        running += amount
        if running > paid:
            break
        covered += 1
    return covered


@dataclass(frozen=True)
class PlanChoice:
    count: int  # monthly instalments after the down payment
    schedule: tuple[ScheduledInstalment, ...]


def plan_choices(
    *, total: Decimal, currency: str, limits: PlanLimits, first_day: date
) -> list[PlanChoice]:
    """Every plan the limits allow for ``total``: the minimum down payment, 1..max instalments.

    What the portal offers and the bot lists; ``agree_plan`` makes the same
    schedule. Stops at the first count the amount is too small for.
    """
    down = minimum_down_payment(total, currency, limits.min_down_payment_percent)
    choices = []
    for count in range(1, limits.max_instalments + 1):
        try:
            schedule = instalment_schedule(
                total=total, currency=currency, down_payment=down, count=count, first_day=first_day
            )
        except AgreementError:
            break
        choices.append(PlanChoice(count, tuple(schedule)))
    return choices


def check_plan(
    *,
    total: Decimal,
    currency: str,
    down_payment: Decimal,
    count: int,
    limits: PlanLimits,
    down_payment_name: str = "",
) -> None:
    """Raise ``AgreementError`` when the plan is outside the segment's limits.

    ``down_payment_name``: the country's word for it ("Enganche"), languages.py.
    """
    if count > limits.max_instalments:
        raise AgreementError(
            _("Puede elegir hasta %(count)s cuotas.") % {"count": limits.max_instalments}
        )
    minimum = minimum_down_payment(total, currency, limits.min_down_payment_percent)
    if down_payment < minimum:
        raise AgreementError(
            _("%(down_payment)s: el mínimo es %(percent)s%% del total.")
            % {
                "down_payment": down_payment_name or _("Pago inicial"),
                "percent": f"{limits.min_down_payment_percent.normalize():f}",
            }
        )


def minimum_partial(total: Decimal, currency: str, percent: Decimal) -> Decimal:
    """The smallest part payment accepted; never more than what is owed."""
    return min(Decimal(total), round_up(Decimal(total) * Decimal(percent) / 100, currency))


def check_partial(amount: Decimal, total: Decimal, minimum: Decimal) -> None:
    if amount < minimum:
        raise AgreementError(_("El monto es menor que el mínimo permitido."))
    if amount > total:
        raise AgreementError(_("El monto no puede superar lo adeudado."))


def promise_window(today: date, max_days: int) -> tuple[date, date]:
    """The dates a promise may name: from today to ``max_days`` ahead."""
    return today, today + timedelta(days=max_days)


def check_promise(day: date, today: date, max_days: int) -> None:
    first, last = promise_window(today, max_days)
    if not first <= day <= last:
        raise AgreementError(
            _("Elija una fecha entre hoy y dentro de %(days)s días.") % {"days": max_days}
        )


def extension_allowed(new_due_on: date, due_on: date, today: date, max_days: int) -> bool:
    """Whether a new due date is within the segment's extension (else a supervisor decides).

    Counted from the later of the current due date and today, so an overdue
    debt gets the same room as one not yet due. Raises for a date not after today.
    """
    if new_due_on <= today:
        raise AgreementError(_("Elija una fecha posterior a hoy."))
    return (new_due_on - max(due_on, today)).days <= max_days


def settlement_minimum(owed: Decimal, currency: str, max_discount_percent: Decimal) -> Decimal:
    """The least that settles ``owed`` with the segment's largest discount (rounded up)."""
    return round_up(Decimal(owed) * (100 - Decimal(max_discount_percent)) / 100, currency)


def discount_percent(owed: Decimal, amount: Decimal) -> Decimal:
    """The discount, in percent with two decimals, that paying ``amount`` for ``owed`` means."""
    if amount <= 0 or amount >= owed:
        raise AgreementError(_("Escriba un monto mayor que cero y menor que lo adeudado."))
    return ((owed - amount) * 100 / owed).quantize(Decimal("0.01"), rounding=ROUND_CEILING)


def link_is_live(expires_at: datetime, revoked_at: datetime | None, now: datetime) -> bool:
    return revoked_at is None and now < expires_at


def _luminance(colour: str) -> float:
    value = colour.lstrip("#")
    channels = [int(value[index : index + 2], 16) / 255 for index in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio of two ``#rrggbb`` colours (AA text needs 4.5)."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def debit_attempt_day(due_on: date, number: int, retry_days: Sequence[int]) -> date | None:
    """The day direct-debit attempt ``number`` (1: the due date) may run; None past the last.

    ``retry_days`` are days after the due date: ``[1, 3]`` tries on the due date,
    the day after and three days after, then stops.
    """
    if number < 1:
        raise ValueError("attempts count from 1")
    if number == 1:
        return due_on
    if number - 2 < len(retry_days):
        return due_on + timedelta(days=int(retry_days[number - 2]))
    return None
