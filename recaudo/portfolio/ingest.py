"""Upserting debtors, debts and payments in bulk, all or nothing.

The same code serves ``recaudo import`` (files) and the REST API's bulk
endpoints. Rows are cleaned one by one, written a chunk at a time inside one
transaction, and the transaction is rolled back when any row is wrong (or on a
dry run), so a bad file leaves nothing behind.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from recaudo.bulk import RawJSON, insert_rows, reserve_ids
from recaudo.portfolio import actions
from recaudo.portfolio.columns import (
    DebtInput,
    DebtorInput,
    Defaults,
    PaymentInput,
)
from recaudo.portfolio.erased import erased_matches
from recaudo.portfolio.events import EventRow, changes, event_row, save_events
from recaudo.portfolio.models import (
    AuditEvent,
    ChannelConsent,
    ContactPoint,
    Creditor,
    Debt,
    Debtor,
)
from recaudo.portfolio.references import reference_for
from recaudo.portfolio.rules import InputError, clean_amount

CHUNK_ROWS = 2000


@dataclass(frozen=True)
class RowError:
    line: int | str  # a file line, or an item index for the API
    field: str
    message: str

    def __str__(self) -> str:
        return gettext("línea %(line)s: %(column)s: %(message)s") % {
            "line": self.line,
            "column": self.field,
            "message": self.message,
        }


@dataclass
class Outcome:
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[RowError] = field(default_factory=list)
    # Work a writer leaves for the end of the transaction (batched audit events).
    finishers: list[Callable[[], None]] = field(default_factory=list)

    def error(self, line: int | str, error: InputError) -> None:
        self.errors.append(RowError(line, error.field, error.message))


def _appears_again(external_id: str, first: int | str) -> str:
    return gettext("'%(id)s' aparece otra vez (primero en la línea %(line)s)") % {
        "id": external_id,
        "line": first,
    }


class _Stop(Exception):
    """Raised inside the transaction to roll it back."""


def run_in_transaction(work: Callable[[Outcome], None], *, dry_run: bool) -> Outcome:
    """Run ``work``; keep its writes only when it found no error and this is not a dry run."""
    outcome = Outcome()
    try:
        with transaction.atomic():
            if connection.vendor == "sqlite":
                # Large imports touch big indexes; a bigger page cache for this
                # connection keeps them in memory (about 128 MB at most).
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA cache_size=-131072")
            work(outcome)
            for finish in outcome.finishers:
                finish()
            if outcome.errors or dry_run:
                raise _Stop
    except _Stop:
        pass
    return outcome


def _contact_values(info: DebtorInput) -> list[tuple[str, str]]:
    points: list[tuple[str, str]] = []
    if info.phone:
        points.append((ContactPoint.Kind.PHONE, info.phone))
    if info.email:
        points.append((ContactPoint.Kind.EMAIL, info.email))
    return points


class DebtorSync:
    """Finds, creates and updates a creditor's debtors, a chunk at a time."""

    def __init__(self, creditor: Creditor, actor: str, outcome: Outcome, *, unique: bool):
        self.creditor = creditor
        self.actor = actor
        self.outcome = outcome
        self.unique = unique  # a debtors file lists each debtor once
        self.ids: dict[str, int] = {}
        self.seen: dict[str, tuple[int | str, int]] = {}  # external id -> (line, hash of details)
        self.now = timezone.now()
        # A creditor's first load finds nothing to update: skip the lookups.
        # (A concurrent import of the same ids fails on the unique constraints.)
        self.had_debtors = Debtor.objects.filter(creditor=creditor).exists()
        # Erased debtors are never written again (docs/privacy.md): only looked for when any is.
        self.has_erased = (
            self.had_debtors
            and Debtor.objects.filter(creditor=creditor, erased_at__isnull=False).exists()
        )
        # When set, the owner writes the "created" events (with what else it created).
        self.defer_created_events = False
        self.created: dict[int, str] = {}

    def sync(self, items: Iterable[tuple[int | str, str, DebtorInput | None]]) -> None:
        pending: dict[str, tuple[int | str, DebtorInput | None]] = {}
        for line, external_id, info in items:
            first = self.seen.get(external_id)
            if first is not None:
                if self.unique:
                    self.outcome.error(
                        line,
                        InputError(
                            "debtor_external_id",
                            _appears_again(external_id, first[0]),
                        ),
                    )
                elif info is not None and hash(info) != first[1]:
                    self.outcome.error(
                        line,
                        InputError(
                            "debtor_external_id",
                            gettext(
                                "los datos del deudor '%(id)s' difieren de los de la línea %(line)s"
                            )
                            % {"id": external_id, "line": first[0]},
                        ),
                    )
                elif info is not None and first[1] == 0:
                    # The first mention had no details; this one brings them.
                    self.seen[external_id] = (first[0], hash(info))
                    pending[external_id] = (line, info)
                continue
            self.seen[external_id] = (line, hash(info) if info is not None else 0)
            pending[external_id] = (line, info)
        if pending:
            self._write(pending)

    def _erased(self, external_ids: list[str]) -> dict[str, datetime]:
        """Which of these unknown ids belonged to an erased debtor -> when it was erased."""
        if not self.has_erased or not external_ids:
            return {}
        references = erased_matches(self.creditor.pk, external_ids)
        return {
            references[reference]: erased_at
            for reference, erased_at in Debtor.objects.filter(
                creditor=self.creditor, external_id__in=list(references), erased_at__isnull=False
            ).values_list("external_id", "erased_at")
            if erased_at is not None
        }

    def _write(self, pending: dict[str, tuple[int | str, DebtorInput | None]]) -> None:
        existing = (
            {
                row["external_id"]: row
                for row in Debtor.objects.filter(
                    creditor=self.creditor, external_id__in=list(pending)
                ).values("id", "external_id", "erased_at", *_DEBTOR_FIELDS)
            }
            if self.had_debtors
            else {}
        )
        new_debtors: list[tuple[str, DebtorInput]] = []
        contacts_for_existing: dict[int, DebtorInput] = {}
        events: list[EventRow] = []
        erased = self._erased([key for key in pending if key not in existing])
        for external_id, (line, info) in pending.items():
            row = existing.get(external_id)
            erased_at = erased.get(external_id) or (row or {}).get("erased_at")
            if erased_at is not None:
                self.outcome.error(
                    line,
                    InputError(
                        "debtor_external_id",
                        gettext(
                            "el deudor '%(id)s' fue borrado a petición suya el %(date)s; "
                            "sus datos no se vuelven a cargar (vea docs/privacy.md)"
                        )
                        % {"id": external_id, "date": f"{erased_at:%Y-%m-%d}"},
                    ),
                )
                continue
            if row is None:
                if info is None:
                    self.outcome.error(
                        line,
                        InputError(
                            "debtor_external_id",
                            gettext(
                                "deudor desconocido '%(id)s' (importe primero el deudor, o "
                                "añada su nombre a esta fila)"
                            )
                            % {"id": external_id},
                        ),
                    )
                    continue
                new_debtors.append((external_id, info))
                continue
            self.ids[external_id] = row["id"]
            if info is None:
                continue
            diff = changes(row, info.record_fields())
            if diff:
                Debtor.objects.filter(pk=row["id"]).update(
                    **info.record_fields(), updated_at=self.now
                )
                events.append(
                    event_row(
                        AuditEvent.Kind.DEBTOR_UPDATED,
                        creditor_id=self.creditor.pk,
                        debtor_id=row["id"],
                        actor=self.actor,
                        data={"changes": diff},
                    )
                )
                self.outcome.counts["debtors_updated"] += 1
            else:
                self.outcome.counts["debtors_unchanged"] += 1
            contacts_for_existing[row["id"]] = info
        if new_debtors:
            new_ids = reserve_ids(Debtor, len(new_debtors))
            insert_rows(
                Debtor,
                ("id", "creditor_id", "external_id", *_DEBTOR_FIELDS, "created_at", "updated_at"),
                [
                    (
                        debtor_id,
                        self.creditor.pk,
                        external_id,
                        info.full_name,
                        info.first_name,
                        info.kind,
                        info.country,
                        info.timezone,
                        info.region,
                        info.language,
                        info.national_id_type,
                        info.national_id_number,
                        list(info.tags),
                        self.now,
                        self.now,
                    )
                    for debtor_id, (external_id, info) in zip(new_ids, new_debtors, strict=True)
                ],
            )
            created_ids = {
                external_id: debtor_id
                for debtor_id, (external_id, _) in zip(new_ids, new_debtors, strict=True)
            }
            self.ids.update(created_ids)
            self.outcome.counts["debtors_created"] += len(new_debtors)
            if self.defer_created_events:
                self.created.update(
                    (created_ids[external_id], external_id) for external_id, _ in new_debtors
                )
            else:
                events.extend(
                    event_row(
                        AuditEvent.Kind.DEBTOR_CREATED,
                        creditor_id=self.creditor.pk,
                        debtor_id=created_ids[external_id],
                        actor=self.actor,
                        data={"external_id": external_id},
                    )
                    for external_id, _ in new_debtors
                )
        self._write_contacts(
            [(self.ids[external_id], info) for external_id, info in new_debtors],
            contacts_for_existing,
        )
        save_events(events)

    def _write_contacts(
        self, new: list[tuple[int, DebtorInput]], existing: dict[int, DebtorInput]
    ) -> None:
        known_points: dict[tuple[int, str, str], int] = {}
        known_consents: set[tuple[int, str]] = set()
        if existing:
            for point_id, debtor_id, kind, value in ContactPoint.objects.filter(
                debtor_id__in=list(existing)
            ).values_list("id", "debtor_id", "kind", "value"):
                known_points[(debtor_id, kind, value)] = point_id
            known_consents = set(
                ChannelConsent.objects.filter(
                    contact_point_id__in=list(known_points.values())
                ).values_list("contact_point_id", "channel")
            )
        wanted = [*new, *existing.items()]
        to_create: list[tuple[int, str, str, RawJSON, DebtorInput]] = []
        consents: list[ChannelConsent] = []
        for debtor_id, info in wanted:
            for kind, value in _contact_values(info):
                known_id = known_points.get((debtor_id, kind, value))
                if known_id is None:
                    to_create.append((debtor_id, kind, value, _CHANNELS_JSON[kind], info))
                    continue
                consents.extend(self._consents(known_id, kind, info, known_consents))
        if to_create:
            # Ids are needed only to attach consents; most files carry none.
            with_consent = any(item[4].consent for item in to_create)
            point_ids = reserve_ids(ContactPoint, len(to_create)) if with_consent else None
            columns = ("debtor_id", "kind", "value", "channels", "preferred", "invalid_reason")
            rows = [
                (debtor_id, kind, value, channels, False, "", self.now)
                for debtor_id, kind, value, channels, _ in to_create
            ]
            if point_ids is None:
                insert_rows(ContactPoint, (*columns, "created_at"), rows)
            else:
                insert_rows(
                    ContactPoint,
                    ("id", *columns, "created_at"),
                    [(point_id, *row) for point_id, row in zip(point_ids, rows, strict=True)],
                )
                for point_id, (_, kind, _, _, info) in zip(point_ids, to_create, strict=True):
                    if info.consent:
                        consents.extend(self._consents(point_id, kind, info, known_consents))
            self.outcome.counts["contact_points_created"] += len(to_create)
        if consents:
            insert_rows(
                ChannelConsent,
                ("contact_point_id", "channel", "source", "granted_at"),
                [(c.contact_point_id, c.channel, c.source, c.granted_at) for c in consents],
            )

    def _consents(
        self, point_id: int, kind: str, info: DebtorInput, known: set[tuple[int, str]]
    ) -> list[ChannelConsent]:
        channels = (
            ContactPoint.PHONE_CHANNELS
            if kind == ContactPoint.Kind.PHONE
            else ContactPoint.EMAIL_CHANNELS
        )
        return [
            ChannelConsent(
                contact_point_id=point_id, channel=channel, source=self.actor, granted_at=self.now
            )
            for channel in info.consent
            if channel in channels and (point_id, channel) not in known
        ]


_CHANNELS_JSON: dict[str, RawJSON] = {
    ContactPoint.Kind.PHONE: RawJSON(json.dumps(list(ContactPoint.PHONE_CHANNELS))),
    ContactPoint.Kind.EMAIL: RawJSON(json.dumps(list(ContactPoint.EMAIL_CHANNELS))),
}
_DEBTOR_FIELDS = (
    "full_name",
    "first_name",
    "kind",
    "country",
    "timezone",
    "region",
    "language",
    "national_id_type",
    "national_id_number",
    "tags",
)
_ZERO = Decimal(0)
_DEBT_FIELDS = (
    "debtor_id",
    "invoice_number",
    "description",
    "currency",
    "amount",
    "amount_paid",
    "issued_on",
    "due_on",
    "status",
)


class DebtWriter:
    """Upserts debts (and the debtors named on their rows) a chunk at a time."""

    def __init__(self, creditor: Creditor, actor: str, outcome: Outcome):
        self.creditor = creditor
        self.actor = actor
        self.outcome = outcome
        self.debtors = DebtorSync(creditor, actor, outcome, unique=False)
        self.seen: dict[str, int | str] = {}
        self.had_debts = Debt.objects.filter(creditor=creditor).exists()
        # Creation is audited once per debtor at the end of the run: a debtor
        # with three invoices spread over a file gets one event, not three.
        self.created_debts: dict[int, list[str]] = {}
        self.debtors.defer_created_events = True
        outcome.finishers.append(self.finish)

    def finish(self) -> None:
        created_debtors = self.debtors.created
        rows = []
        for debtor_id in created_debtors.keys() | self.created_debts.keys():
            debts = self.created_debts.get(debtor_id, [])
            if debtor_id in created_debtors:
                kind = AuditEvent.Kind.DEBTOR_CREATED
                data = {"external_id": created_debtors[debtor_id], "debts": debts}
            else:
                kind = AuditEvent.Kind.DEBTS_CREATED
                data = {"debts": debts}
            rows.append(
                EventRow(
                    self.creditor.pk,
                    debtor_id,
                    None,
                    None,
                    kind,
                    self.actor,
                    RawJSON(json.dumps(data)),
                )
            )
        save_events(rows)

    def write(self, chunk: list[tuple[int | str, DebtInput]]) -> None:
        rows = []
        for line, debt in chunk:
            first = self.seen.get(debt.external_id)
            if first is not None:
                self.outcome.error(
                    line,
                    InputError("external_id", _appears_again(debt.external_id, first)),
                )
                continue
            self.seen[debt.external_id] = line
            rows.append((line, debt))
        self.debtors.sync((line, debt.debtor_external_id, debt.debtor) for line, debt in rows)
        existing = (
            {
                row["external_id"]: row
                for row in Debt.objects.filter(
                    creditor=self.creditor, external_id__in=[debt.external_id for _, debt in rows]
                ).values("id", "external_id", *_DEBT_FIELDS)
            }
            if self.had_debts
            else {}
        )
        new: list[tuple[DebtInput, int]] = []
        events: list[EventRow] = []
        for line, debt in rows:
            debtor_id = self.debtors.ids.get(debt.debtor_external_id)
            if debtor_id is None:
                continue  # the debtor's error is already reported
            row = existing.get(debt.external_id)
            if row is None:
                new.append((debt, debtor_id))
                continue
            values = {"debtor_id": debtor_id, **debt.record_fields()}
            diff = changes(row, values)
            if not diff:
                self.outcome.counts["debts_unchanged"] += 1
                continue
            try:
                values.update(self._status_after_change(row, values, diff))
            except InputError as error:
                self.outcome.error(line, error)
                continue
            Debt.objects.filter(pk=row["id"]).update(**values, updated_at=timezone.now())
            events.append(
                event_row(
                    AuditEvent.Kind.DEBT_UPDATED,
                    creditor_id=self.creditor.pk,
                    debtor_id=debtor_id,
                    debt_id=row["id"],
                    actor=self.actor,
                    data={"changes": changes(row, values)},
                )
            )
            self.outcome.counts["debts_updated"] += 1
        if new:
            now = timezone.now()
            insert_rows(
                Debt,
                (
                    "creditor_id",
                    "external_id",
                    "debtor_id",
                    "invoice_number",
                    "description",
                    "currency",
                    "amount",
                    "issued_on",
                    "due_on",
                    "amount_paid",
                    "status",
                    "created_at",
                    "updated_at",
                ),
                [
                    (
                        self.creditor.pk,
                        debt.external_id,
                        debtor_id,
                        debt.invoice_number,
                        debt.description,
                        debt.currency,
                        debt.amount,
                        debt.issued_on,
                        debt.due_on,
                        _ZERO,
                        debt.status or Debt.Status.OPEN,
                        now,
                        now,
                    )
                    for debt, debtor_id in new
                ],
            )
            self.outcome.counts["debts_created"] += len(new)
            for debt, debtor_id in new:
                self.created_debts.setdefault(debtor_id, []).append(debt.external_id)
        save_events(events)

    @staticmethod
    def _status_after_change(
        row: dict[str, Any], values: dict[str, Any], diff: dict[str, Any]
    ) -> dict[str, Any]:
        paid: Decimal = row["amount_paid"]
        if paid > 0 and ("currency" in diff or "debtor_id" in diff):
            field_name = "currency" if "currency" in diff else "debtor_external_id"
            raise InputError(
                field_name,
                gettext("no puede cambiar: ya se aplicaron pagos a esta deuda"),
            )
        if "amount" in diff and values["amount"] < paid:
            raise InputError(
                "amount",
                gettext("%(value)s es menos que los %(paid)s ya pagados")
                % {"value": values["amount"], "paid": paid},
            )
        if (
            row["status"] == Debt.Status.PAID
            and "status" in values
            and values["status"] != Debt.Status.PAID
            and "amount" not in diff
        ):
            raise InputError("status", gettext("la deuda está pagada; su estado sigue a sus pagos"))
        if values["amount"] == paid:
            return {"status": Debt.Status.PAID}
        if row["status"] == Debt.Status.PAID and values.get("status") is None:
            return {"status": Debt.Status.OPEN}  # the amount grew past what was paid
        return {}


class PaymentWriter:
    """Records payments through the same action as every other payment."""

    def __init__(self, creditor: Creditor, actor: str, outcome: Outcome, defaults: Defaults):
        self.creditor = creditor
        self.actor = actor
        self.outcome = outcome
        self.defaults = defaults
        self.seen: dict[str, int | str] = {}

    def write(self, chunk: list[tuple[int | str, PaymentInput]]) -> None:
        debtor_ids = {p.debtor_external_id for _, p in chunk if p.debtor_external_id}
        debt_ids = {p.debt_external_id for _, p in chunk if p.debt_external_id}
        debtors = {
            d.external_id: d
            for d in Debtor.objects.filter(creditor=self.creditor, external_id__in=debtor_ids)
        }
        debtors.update(self._erased_debtors(debtor_ids - set(debtors)))
        # Debtors named by their payment reference: one query for the chunk, this
        # creditor's only (another creditor's reference is unknown here).
        referenced = {
            d.pk: d
            for d in Debtor.objects.filter(
                creditor=self.creditor,
                pk__in={p.reference_debtor_id for _, p in chunk if p.reference_debtor_id},
            )
        }
        debts = {
            d.external_id: d
            for d in Debt.objects.filter(
                creditor=self.creditor, external_id__in=debt_ids
            ).select_related("debtor")
        }
        for line, payment in chunk:
            first = self.seen.get(payment.external_id)
            if first is not None:
                self.outcome.error(
                    line,
                    InputError(
                        "external_id",
                        _appears_again(payment.external_id, first),
                    ),
                )
                continue
            self.seen[payment.external_id] = line
            try:
                result = self._record(payment, debtors, debts, referenced)
            except InputError as error:
                self.outcome.error(line, error)
                continue
            self.outcome.counts[
                "payments_recorded" if result.created else "payments_unchanged"
            ] += 1

    def _erased_debtors(self, unknown: set[str]) -> dict[str, Debtor]:
        """Erased debtors named by the id they had: payments are accounts, and still recorded."""
        if (
            not unknown
            or not Debtor.objects.filter(creditor=self.creditor, erased_at__isnull=False).exists()
        ):
            return {}
        references = erased_matches(self.creditor.pk, unknown)
        return {
            references[d.external_id]: d
            for d in Debtor.objects.filter(
                creditor=self.creditor, external_id__in=list(references), erased_at__isnull=False
            )
        }

    def _record(
        self,
        payment: PaymentInput,
        debtors: dict[str, Debtor],
        debts: dict[str, Debt],
        referenced: dict[int, Debtor],
    ) -> actions.PaymentResult:
        debt = None
        if payment.debt_external_id:
            debt = debts.get(payment.debt_external_id)
            if debt is None:
                raise InputError(
                    "debt_external_id",
                    gettext("deuda desconocida '%(id)s'") % {"id": payment.debt_external_id},
                )
        by_reference = None
        if payment.reference_debtor_id is not None:
            by_reference = referenced.get(payment.reference_debtor_id)
            if by_reference is None:
                raise InputError(
                    "reference",
                    gettext("ningún deudor de este acreedor tiene la referencia '%(ref)s'")
                    % {"ref": reference_for(payment.reference_debtor_id)},
                )
        if payment.debtor_external_id:
            found = debtors.get(payment.debtor_external_id)
            if found is None:
                raise InputError(
                    "debtor_external_id",
                    gettext("deudor desconocido '%(id)s'") % {"id": payment.debtor_external_id},
                )
            debtor = found
        elif by_reference is not None:
            debtor = by_reference
        else:
            assert debt is not None  # clean_payment refuses a payment naming none
            debtor = debt.debtor
        if by_reference is not None and by_reference.pk != debtor.pk:
            raise InputError(
                "reference",
                gettext("la referencia '%(ref)s' es de otro deudor")
                % {"ref": reference_for(by_reference.pk)},
            )
        if debt is not None and debt.debtor_id != debtor.pk:
            raise InputError(
                "debt_external_id",
                gettext("la deuda '%(id)s' es de otro deudor") % {"id": debt.external_id},
            )
        currency = payment.currency or (debt.currency if debt else self.defaults.currency)
        return actions.record_payment(
            creditor=self.creditor,
            debtor=debtor,
            external_id=payment.external_id,
            amount=clean_amount(payment.amount, currency),
            currency=currency,
            paid_at=payment.paid_at,
            method=payment.method,
            debt=debt,
            actor=self.actor,
        )
