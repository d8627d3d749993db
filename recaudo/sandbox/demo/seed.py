"""A realistic, reproducible demo portfolio across six Latin American countries.

``generate`` is pure: the same debtor count, seed and reference date give the
same plain records (names, ids, phones, amounts, dates), using only its own
``random.Random``; nothing here touches the database. ``write.write``
saves the records; ``people`` and ``ids`` make the people and their
documents, ``data`` holds the word lists and the creditors' catalogues.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from recaudo.portfolio import rules
from recaudo.portfolio.models import ContactPoint, Debt, Debtor
from recaudo.sandbox.demo import people as seed_people
from recaudo.sandbox.demo.data import (
    CHILEAN_STORES,
    COUNTRY_WEIGHTS,
    LEGAL_SUFFIXES,
    MONTHS_ES,
    MONTHS_PT,
    PAYMENT_METHODS,
    PROFILE_BY_COUNTRY,
    PROFILES,
    CreditorProfile,
    Product,
)
from recaudo.sandbox.demo.ids import company_id

ACTOR = "seed"
COUNTRIES = tuple(profile.country for profile in PROFILES)
# Oldest issue date and latest due date, in days from the reference date.
ISSUED_FROM_DAYS = -90
DUE_UNTIL_DAYS = 30


@dataclass(frozen=True)
class CreditorRecord:
    name: str
    legal_name: str
    tax_id: str
    country: str
    default_currency: str
    brand_name: str
    support_email: str
    support_phone: str


@dataclass(frozen=True)
class ContactRecord:
    kind: str
    value: str
    preferred: bool
    whatsapp_consent_at: datetime | None = None
    # The contract's authorisation to contact on this point's other channels
    # (Colombia's Ley 2300 requires one for every channel).
    contract_consent_at: datetime | None = None
    opted_out_at: datetime | None = None
    invalid_since: datetime | None = None
    invalid_reason: str = ""


@dataclass(frozen=True)
class DebtorRecord:
    creditor_name: str
    external_id: str
    kind: str
    full_name: str
    first_name: str
    national_id_type: str
    national_id_number: str
    country: str
    timezone: str
    language: str
    contacts: tuple[ContactRecord, ...]


@dataclass(frozen=True)
class DebtRecord:
    creditor_name: str
    debtor_external_id: str
    external_id: str
    invoice_number: str
    description: str
    currency: str
    amount: Decimal
    issued_on: date
    due_on: date
    status: str


@dataclass(frozen=True)
class PaymentRecord:
    creditor_name: str
    debtor_external_id: str
    external_id: str
    debt_external_id: str | None  # None: applied oldest debt first
    amount: Decimal
    currency: str
    paid_at: datetime
    method: str


@dataclass(frozen=True)
class Portfolio:
    seed: int
    creditors: tuple[CreditorRecord, ...]
    debtors: tuple[DebtorRecord, ...]
    debts: tuple[DebtRecord, ...]
    payments: tuple[PaymentRecord, ...]

    @property
    def id_prefixes(self) -> tuple[str, str]:
        return f"CLI-{self.seed}-", f"FAC-{self.seed}-"


def values_of(record: Any, *skip: str) -> dict[str, Any]:
    # dataclasses.asdict deep-copies every field; this is a plain shallow read.
    return {
        item.name: getattr(record, item.name) for item in fields(record) if item.name not in skip
    }


def spread(total: int, weights: dict[str, int]) -> dict[str, int]:
    """Split ``total`` by ``weights`` (largest remainder); every key gets one when it can."""
    weight_sum = sum(weights.values())
    shares = {key: total * weight / weight_sum for key, weight in weights.items()}
    counts = {key: int(share) for key, share in shares.items()}
    by_remainder = sorted(weights, key=lambda key: (-(shares[key] - counts[key]), key))
    for key in by_remainder[: total - sum(counts.values())]:
        counts[key] += 1
    if total >= len(weights):
        for key in weights:
            while counts[key] == 0:
                donor = max(counts, key=lambda other: (counts[other], other))
                counts[donor] -= 1
                counts[key] += 1
    return counts


def creditor_record(profile: CreditorProfile, name: str | None = None) -> CreditorRecord:
    # Creditors do not depend on the seed, so that several seeds share them.
    rng = random.Random(f"creditor-{profile.country}")
    legal_name = (
        profile.legal_name if name is None else f"{name} {LEGAL_SUFFIXES[profile.country][0]}"
    )
    return CreditorRecord(
        name=name or profile.name,
        legal_name=legal_name,
        tax_id=company_id(rng, profile.country, legal_name, date(2012, 1, 1))[1],
        country=profile.country,
        default_currency=profile.currency,
        brand_name=name or profile.name,
        support_email=profile.support_mailbox,
        support_phone=seed_people.fixed_line(profile.country),
    )


@dataclass
class _Context:
    rng: random.Random
    seed: int
    today: date
    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    debt_number: int = 0
    payment_number: int = 0
    invoice_numbers: Counter[str] = field(default_factory=Counter)

    def moment(self, days_back: tuple[int, int]) -> datetime:
        day = self.today - timedelta(days=self.rng.randint(*days_back))
        return datetime.combine(day, time(12), tzinfo=UTC)


def generate(
    debtor_count: int,
    *,
    seed: int,
    today: date,
    creditor_name: str | None = None,
    country: str | None = None,
) -> Portfolio:
    """The plain records of a portfolio; no database access.

    Without ``creditor_name`` the debtors are spread over one creditor per
    country; with it, they all belong to that creditor, in ``country``.
    """
    context = _Context(random.Random(seed), seed, today)
    if creditor_name:
        profiles = [PROFILE_BY_COUNTRY[country or COUNTRIES[0]]]
        creditors = [creditor_record(profiles[0], creditor_name)]
        countries = [profiles[0].country] * debtor_count
    else:
        creditors = [creditor_record(profile) for profile in PROFILES]
        counts = spread(debtor_count, COUNTRY_WEIGHTS)
        countries = [code for code in COUNTRIES for _ in range(counts[code])]
        context.rng.shuffle(countries)
    names = {record.country: record.name for record in creditors}
    for profile in PROFILES:
        context.invoice_numbers[profile.country] = context.rng.randrange(10_000, 900_000)
    debtors: list[DebtorRecord] = []
    debts: list[DebtRecord] = []
    payments: list[PaymentRecord] = []
    for index, code in enumerate(countries, start=1):
        profile = PROFILE_BY_COUNTRY[code]
        debtor = _debtor(context, profile, names[code], f"CLI-{seed}-{index:06d}")
        own_debts = _debts(context, profile, debtor)
        debtors.append(debtor)
        debts.extend(own_debts)
        payments.extend(_payments(context, profile, debtor, own_debts))
    return Portfolio(seed, tuple(creditors), tuple(debtors), tuple(debts), tuple(payments))


def _debtor(
    context: _Context, profile: CreditorProfile, creditor_name: str, external_id: str
) -> DebtorRecord:
    rng = context.rng
    country = profile.country
    kind = Debtor.Kind.COMPANY if rng.random() < 0.15 else Debtor.Kind.PERSON
    build = seed_people.company if kind == Debtor.Kind.COMPANY else seed_people.person
    who = build(rng, country, context.today, context.emails)
    phone = seed_people.mobile_number(rng, country, context.phones) if rng.random() < 0.95 else None
    contacts = []
    if phone:
        contacts.append(
            ContactRecord(
                ContactPoint.Kind.PHONE,
                phone,
                preferred=True,
                whatsapp_consent_at=context.moment((30, 1500)) if rng.random() < 0.85 else None,
                contract_consent_at=context.moment((60, 2000)) if rng.random() < 0.9 else None,
                invalid_since=context.moment((1, 60)) if rng.random() < 0.02 else None,
            )
        )
        if contacts[0].invalid_since:
            contacts[0] = ContactRecord(
                **{**values_of(contacts[0]), "invalid_reason": "número inexistente"}
            )
    if not phone or rng.random() < 0.75:
        contacts.append(
            ContactRecord(
                ContactPoint.Kind.EMAIL,
                who.email,
                preferred=not phone,
                contract_consent_at=context.moment((60, 2000)) if rng.random() < 0.9 else None,
                opted_out_at=context.moment((1, 90)) if rng.random() < 0.03 else None,
            )
        )
    return DebtorRecord(
        creditor_name=creditor_name,
        external_id=external_id,
        kind=kind,
        full_name=who.full_name,
        first_name=who.first_name,
        national_id_type=who.national_id_type,
        national_id_number=who.national_id_number,
        country=country,
        timezone=rules.timezone_for(country, phone),
        language=rules.language_for(country),
        contacts=tuple(contacts),
    )


def money(amount: Decimal, currency: str) -> Decimal:
    """``amount`` written with exactly the currency's decimals (799.00 MXN, 49990 CLP)."""
    return amount.quantize(Decimal(1).scaleb(-rules.currency_decimals(currency)))


def _amount(rng: random.Random, product: Product, currency: str) -> Decimal:
    if product.units:
        return money(product.low * rng.randint(*product.units), currency)
    steps = rng.randint(int(product.low / product.step), int(product.high / product.step))
    return money(steps * product.step - product.ending, currency)


def _debts(context: _Context, profile: CreditorProfile, debtor: DebtorRecord) -> list[DebtRecord]:
    """1 to 4 consecutive monthly bills of one product, issued 90 days ago at most."""
    rng = context.rng
    products = (
        profile.company_products if debtor.kind == Debtor.Kind.COMPANY else profile.person_products
    )
    product = rng.choice(products)
    count = rng.choice((1, 1, 1, 2, 2, 3, 4))
    last_start = -30 * (count - 1)
    first_issue = context.today + timedelta(days=rng.randint(ISSUED_FROM_DAYS, last_start))
    price = _amount(rng, product, profile.currency)
    first_installment = rng.randint(1, max(1, product.installments - count + 1))
    details = {
        "prestamo": f"{rng.randrange(10**7):07d}",
        "tienda": rng.choice(CHILEAN_STORES),
        "unidades": int(price / product.low) if product.units else 0,
        "plazo": product.installments,
    }
    term = rng.choice((10, 15, 20, 30))
    months = MONTHS_PT if profile.country == "BR" else MONTHS_ES
    records = []
    for number in range(count):
        issued_on = first_issue + timedelta(days=30 * number)
        previous = issued_on.replace(day=1) - timedelta(days=1)
        amount = price if product.fixed else _amount(rng, product, profile.currency)
        context.debt_number += 1
        context.invoice_numbers[profile.country] += 1
        serie = "F" if debtor.kind == Debtor.Kind.COMPANY else "B"
        records.append(
            DebtRecord(
                creditor_name=debtor.creditor_name,
                debtor_external_id=debtor.external_id,
                external_id=f"FAC-{context.seed}-{context.debt_number:07d}",
                invoice_number=profile.invoice_format.format(
                    n=context.invoice_numbers[profile.country], serie=serie
                ),
                description=product.description.format(
                    mes=months[issued_on.month - 1],
                    anio=issued_on.year,
                    periodo=f"{previous:%m/%Y}",
                    cuota=first_installment + number,
                    **details,
                ),
                currency=profile.currency,
                amount=amount,
                issued_on=issued_on,
                due_on=min(
                    issued_on + timedelta(days=term), context.today + timedelta(days=DUE_UNTIL_DAYS)
                ),
                status=Debt.Status.DISPUTED if rng.random() < 0.03 else Debt.Status.OPEN,
            )
        )
    return records


def _payments(
    context: _Context, profile: CreditorProfile, debtor: DebtorRecord, debts: list[DebtRecord]
) -> list[PaymentRecord]:
    """At most one payment per debtor: part of a bill, a whole bill, or everything owed."""
    rng = context.rng
    payable = [d for d in debts if d.status == Debt.Status.OPEN and d.issued_on < context.today]
    if not payable:
        return []
    choice = rng.random()
    oldest = payable[0]
    if choice < 0.12:
        share = Decimal(rng.randint(20, 70)) / 100
        amount = (oldest.amount * share / profile.payment_grain).to_integral_value(ROUND_DOWN)
        amount = money(amount * profile.payment_grain, profile.currency)
        if not 0 < amount < oldest.amount:
            return []
        target, after = oldest.external_id, oldest.issued_on
    elif choice < 0.24:
        amount, target, after = oldest.amount, oldest.external_id, oldest.issued_on
    elif choice < 0.30 and len(payable) == len([d for d in debts if d.status == Debt.Status.OPEN]):
        amount, target, after = (
            sum((d.amount for d in payable), Decimal(0)),
            None,
            payable[-1].issued_on,
        )
    else:
        return []
    days_available = (context.today - after).days - 1
    paid_on = after + timedelta(days=rng.randint(0, max(0, days_available)))
    local = datetime.combine(
        paid_on, time(rng.randint(8, 20), rng.randint(0, 59)), ZoneInfo(debtor.timezone)
    )
    context.payment_number += 1
    return [
        PaymentRecord(
            creditor_name=debtor.creditor_name,
            debtor_external_id=debtor.external_id,
            external_id=f"PAG-{context.seed}-{context.payment_number:06d}",
            debt_external_id=target,
            amount=amount,
            currency=profile.currency,
            paid_at=local.astimezone(UTC),
            method=rng.choice(PAYMENT_METHODS[profile.country]),
        )
    ]
