"""Saving a generated demo portfolio (see seed.py) in one transaction.

Debtors, contact points, consents, debts and their audit events are inserted
in bulk; payments go through ``actions.record_payment`` so that allocations,
balances, statuses and payment events are exactly what a real payment leaves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Count

from recaudo.portfolio import actions
from recaudo.portfolio.events import build_event
from recaudo.portfolio.models import (
    AuditEvent,
    ChannelConsent,
    ContactPoint,
    Creditor,
    Debt,
    Debtor,
)
from recaudo.sandbox.demo.seed import ACTOR, DebtorRecord, DebtRecord, Portfolio, values_of


class SeedConflict(Exception):
    """The database already holds what this seed would create."""


def write(portfolio: Portfolio, *, actor: str = ACTOR) -> Counter[str]:
    """Save the portfolio in one transaction; refuse (writing nothing) if it is already there."""
    counts: Counter[str] = Counter()
    with transaction.atomic():
        creditors = _creditors(portfolio, counts)
        debtors = _bulk_debtors(portfolio.debtors, creditors, counts, actor)
        debts = _bulk_debts(portfolio.debts, creditors, debtors, counts, actor)
        for record in portfolio.payments:
            actions.record_payment(
                creditor=creditors[record.creditor_name],
                debtor=debtors[record.debtor_external_id],
                external_id=record.external_id,
                amount=record.amount,
                currency=record.currency,
                paid_at=record.paid_at,
                method=record.method,
                debt=debts[record.debt_external_id] if record.debt_external_id else None,
                actor=actor,
            )
            counts["payments"] += 1
        statuses = (
            Debt.objects.filter(
                creditor__in=creditors.values(), external_id__startswith=portfolio.id_prefixes[1]
            )
            .values_list("status")
            .annotate(total=Count("id"))
        )
        counts.update({f"debts_{status}": total for status, total in statuses})
    return counts


def _creditors(portfolio: Portfolio, counts: Counter[str]) -> dict[str, Creditor]:
    creditors = {}
    debtor_prefix, debt_prefix = portfolio.id_prefixes
    for record in portfolio.creditors:
        values = values_of(record, "name")
        creditor, created = Creditor.objects.get_or_create(name=record.name, defaults=values)
        counts["creditors_created" if created else "creditors_reused"] += 1
        if (
            creditor.country != record.country
            or creditor.default_currency != record.default_currency
        ):
            raise SeedConflict(
                f"creditor '{creditor.name}' is in {creditor.country}/{creditor.default_currency}, "
                f"not {record.country}/{record.default_currency}"
            )
        if (
            Debtor.objects.filter(creditor=creditor, external_id__startswith=debtor_prefix).exists()
            or Debt.objects.filter(creditor=creditor, external_id__startswith=debt_prefix).exists()
        ):
            raise SeedConflict(
                f"seed {portfolio.seed} was already loaded for creditor '{creditor.name}'; "
                "use another --seed"
            )
        creditors[creditor.name] = creditor
    return creditors


def _bulk_debtors(
    records: Iterable[DebtorRecord],
    creditors: dict[str, Creditor],
    counts: Counter[str],
    actor: str,
) -> dict[str, Debtor]:
    records = list(records)
    debtors = [
        Debtor(
            creditor=creditors[record.creditor_name],
            **values_of(record, "creditor_name", "contacts"),
        )
        for record in records
    ]
    Debtor.objects.bulk_create(debtors, batch_size=1000)
    points: list[ContactPoint] = []
    wanted_consents: list[tuple[ContactPoint, str, str, datetime]] = []
    for debtor, record in zip(debtors, records, strict=True):
        for contact in record.contacts:
            is_phone = contact.kind == ContactPoint.Kind.PHONE
            point = ContactPoint(
                debtor=debtor,
                kind=contact.kind,
                value=contact.value,
                preferred=contact.preferred,
                channels=list(
                    ContactPoint.PHONE_CHANNELS if is_phone else ContactPoint.EMAIL_CHANNELS
                ),
                opted_out_at=contact.opted_out_at,
                invalid_since=contact.invalid_since,
                invalid_reason=contact.invalid_reason,
            )
            points.append(point)
            if contact.whatsapp_consent_at:
                wanted_consents.append(
                    (point, ContactPoint.Channel.WHATSAPP, actor, contact.whatsapp_consent_at)
                )
            if contact.contract_consent_at:
                wanted_consents.extend(
                    (point, channel, f"{actor}: contrato", contact.contract_consent_at)
                    for channel in point.channels
                    if channel != ContactPoint.Channel.WHATSAPP
                )
    ContactPoint.objects.bulk_create(points, batch_size=1000)
    ChannelConsent.objects.bulk_create(
        [
            ChannelConsent(contact_point=point, channel=channel, source=source, granted_at=at)
            for point, channel, source, at in wanted_consents
        ],
        batch_size=1000,
    )
    AuditEvent.objects.bulk_create(
        [
            build_event(
                AuditEvent.Kind.DEBTOR_CREATED,
                creditor_id=debtor.creditor_id,
                debtor_id=debtor.pk,
                actor=actor,
                data={"external_id": debtor.external_id},
            )
            for debtor in debtors
        ],
        batch_size=1000,
    )
    counts.update(debtors=len(debtors), contact_points=len(points), consents=len(wanted_consents))
    return {debtor.external_id: debtor for debtor in debtors}


def _bulk_debts(
    records: Iterable[DebtRecord],
    creditors: dict[str, Creditor],
    debtors: dict[str, Debtor],
    counts: Counter[str],
    actor: str,
) -> dict[str, Debt]:
    debts = []
    for record in records:
        values = values_of(record, "creditor_name", "debtor_external_id")
        debtor = debtors[record.debtor_external_id]
        debts.append(Debt(creditor=creditors[record.creditor_name], debtor=debtor, **values))
    Debt.objects.bulk_create(debts, batch_size=1000)
    AuditEvent.objects.bulk_create(
        [
            build_event(
                AuditEvent.Kind.DEBT_CREATED,
                creditor_id=debt.creditor_id,
                debtor_id=debt.debtor_id,
                debt_id=debt.pk,
                actor=actor,
                data={
                    "external_id": debt.external_id,
                    "amount": debt.amount,
                    "currency": debt.currency,
                    "due_on": debt.due_on,
                    "status": debt.status,
                },
            )
            for debt in debts
        ],
        batch_size=1000,
    )
    counts["debts"] += len(debts)
    return {debt.external_id: debt for debt in debts}
