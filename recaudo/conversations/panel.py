"""The debtor side panel of a conversation: what an agent needs while answering.

Debts and balances, the last payments, the promises, the active plan and its
next instalment, the live payment link (read, never made here), and each
contact point's consents. Each list is short and read by the debtor's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from recaudo.languages import staff_money
from recaudo.payments.links import url_for
from recaudo.payments.models import Instalment, InstalmentPlan, PaymentLink, Promise
from recaudo.portfolio.models import ChannelConsent, ContactPoint, Debt, Debtor, Payment

SHOWN = 5


@dataclass(frozen=True)
class Panel:
    debts: list[tuple[Debt, str]]
    payments: list[tuple[Payment, str]]
    promises: list[tuple[Promise, str]]
    plan: InstalmentPlan | None
    next_instalment: tuple[Instalment, str] | None
    link: str
    points: list[tuple[ContactPoint, list[ChannelConsent]]]


def panel(debtor: Debtor) -> Panel:
    country = debtor.country

    def money(amount: Any, currency: str) -> str:
        return staff_money(amount, currency, country)

    debts = list(Debt.objects.filter(debtor=debtor).order_by("due_on", "pk")[:20])
    payments = list(Payment.objects.filter(debtor=debtor).order_by("-paid_at", "-pk")[:SHOWN])
    promises = list(Promise.objects.filter(debtor=debtor).order_by("-created_at", "-pk")[:SHOWN])
    plan = InstalmentPlan.objects.filter(debtor=debtor, status=InstalmentPlan.Status.ACTIVE).first()
    upcoming = (
        Instalment.objects.filter(plan=plan, status=Instalment.Status.PENDING)
        .order_by("number")
        .first()
        if plan
        else None
    )
    link = (
        PaymentLink.objects.filter(
            debtor=debtor, expires_at__gt=timezone.now(), revoked_at__isnull=True
        )
        .order_by("-expires_at")
        .first()
    )
    points = list(ContactPoint.objects.filter(debtor=debtor).order_by("kind", "pk"))
    consents: dict[int, list[ChannelConsent]] = {}
    for consent in ChannelConsent.objects.filter(contact_point__in=points).order_by("channel"):
        consents.setdefault(consent.contact_point_id, []).append(consent)
    return Panel(
        debts=[(debt, money(debt.balance, debt.currency)) for debt in debts],
        payments=[(payment, money(payment.amount, payment.currency)) for payment in payments],
        promises=[(promise, money(promise.amount, promise.currency)) for promise in promises],
        plan=plan,
        next_instalment=(upcoming, money(upcoming.amount, plan.currency))
        if upcoming is not None and plan is not None
        else None,
        link=url_for(link) if link is not None else "",
        points=[(point, consents.get(point.pk, [])) for point in points],
    )
