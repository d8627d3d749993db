"""The summary figures of a period, per creditor scope: the weekly e-mail's and the API's.

- recovered: payments received (not reversed) with ``paid_at`` in the period, per currency;
- payments: how many of them;
- promises made: promises created in the period; kept: promises that became
  ``kept`` in the period (``settled_at``);
- open balance: what is owed now on open, disputed and in-arrangement debts, per currency;
- contacts sent: outbox rows sent in the period (messages, notices, replies, calls made);
- reasons: reasons for non-payment heard in the period, per code.

A period is ``[start, end)`` in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Sum

from recaudo.conversations.scope import Scope, scoped
from recaudo.outreach.models import Outreach
from recaudo.payments.models import NonPaymentReason, Promise
from recaudo.portfolio.models import Debt, Payment
from recaudo.reports.datasets import quantum


@dataclass(frozen=True)
class Money:
    currency: str
    recovered: Decimal
    open_balance: Decimal


@dataclass(frozen=True)
class Summary:
    start: datetime
    end: datetime
    payments: int
    promises_made: int
    promises_kept: int
    contacts_sent: int
    money: list[Money] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "period_start": self.start.isoformat(),
            "period_end": self.end.isoformat(),
            "payments": self.payments,
            "promises_made": self.promises_made,
            "promises_kept": self.promises_kept,
            "contacts_sent": self.contacts_sent,
            "money": [
                {
                    "currency": item.currency,
                    "recovered": str(item.recovered),
                    "open_balance": str(item.open_balance),
                }
                for item in self.money
            ],
            "reasons": dict(self.reasons),
        }


def summary(scope: Scope, start: datetime, end: datetime) -> Summary:
    payments = scoped(
        Payment.objects.filter(status=Payment.Status.RECEIVED, paid_at__gte=start, paid_at__lt=end),
        scope,
    )
    recovered = {
        row["currency"]: (row["total"] or Decimal(0), row["count"])
        for row in payments.values("currency").annotate(total=Sum("amount"), count=Count("pk"))
    }
    open_rows = (
        scoped(Debt.objects.filter(status__in=Debt.COLLECTIBLE), scope)
        .values("currency")
        .annotate(total=Sum(F("amount") - F("amount_paid")))
    )
    owed = {row["currency"]: row["total"] or Decimal(0) for row in open_rows}
    promises = scoped(Promise.objects.all(), scope)
    reasons = (
        scoped(NonPaymentReason.objects.filter(occurred_at__gte=start, occurred_at__lt=end), scope)
        .values("code")
        .annotate(count=Count("pk"))
    )
    money = [
        Money(
            currency,
            recovered.get(currency, (Decimal(0), 0))[0].quantize(quantum(currency)),
            owed.get(currency, Decimal(0)).quantize(quantum(currency)),
        )
        for currency in sorted(set(recovered) | set(owed))
    ]
    return Summary(
        start=start,
        end=end,
        payments=sum(count for _total, count in recovered.values()),
        promises_made=promises.filter(created_at__gte=start, created_at__lt=end).count(),
        promises_kept=promises.filter(
            status=Promise.Status.KEPT, settled_at__gte=start, settled_at__lt=end
        ).count(),
        contacts_sent=scoped(
            Outreach.objects.filter(sent_at__gte=start, sent_at__lt=end), scope
        ).count(),
        money=money,
        reasons={row["code"]: row["count"] for row in reasons.order_by("code")},
    )
