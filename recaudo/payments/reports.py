"""The debtor says a debt is already paid ("ya pagué") or disputes it; staff review it.

From the portal, the chat (the bot) or a call: each named debt gets a
``DebtorReport`` and goes ``disputed``, so no reminder is sent about it
meanwhile (the dispatcher re-checks the status before each send, and the
debtor's planned reminders about it are cancelled now). The pause has an end
date (``PAYMENTS["report_pause_days"]``): a report nobody reviewed by then
expires and the debt goes back to what it was (``resume_unreviewed``, run
daily by ``settle_agreements``), so the policy resumes. A receipt (image or
PDF, checked by its first bytes and its size, never by its name) can come
with the report or after it (``attach_receipt``: a WhatsApp image, an MMS).

Staff review in the admin (Reportes del deudor): ``confirm_report`` records
the payment for an "already paid" report (the debt's balance unless staff
give the amount) or accepts a dispute (the debt is written off);
``reject_report`` reopens the debt and tells the debtor (notice
``report_rejected``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.outreach.notify import notify
from recaudo.outreach.settle import cancel_settled
from recaudo.payments import outbound
from recaudo.payments.conf import setting
from recaudo.payments.models import DebtorReport, PaymentLink
from recaudo.payments.reasons import record_report_reason
from recaudo.payments.receipts import thank_payment
from recaudo.payments.rules import AgreementError
from recaudo.portfolio import events
from recaudo.portfolio.actions import record_payment
from recaudo.portfolio.models import Debt, Debtor
from recaudo.portfolio.outbound import EventType

MAX_RECEIPT_BYTES = 5 * 1024 * 1024
# What the file must start with, whatever its name or declared type says.
RECEIPT_SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def receipt_type(content: bytes) -> str:
    """The receipt's real type from its first bytes; refuses anything else or too big."""
    if len(content) > MAX_RECEIPT_BYTES:
        raise AgreementError(_("El comprobante supera los 5 MB."))
    for signature, mime in RECEIPT_SIGNATURES.items():
        if content.startswith(signature):
            return mime
    raise AgreementError(_("El comprobante debe ser una imagen (JPG o PNG) o un PDF."))


def pause_days() -> int:
    return int(setting("report_pause_days"))


def report_debt(
    link: PaymentLink, *, debt_id: int, kind: str, reason: str, receipt: bytes | None
) -> DebtorReport:
    """The portal's form: one debt, a reason, maybe a receipt."""
    if kind not in (DebtorReport.Kind.ALREADY_PAID, DebtorReport.Kind.DISPUTE):
        raise AgreementError(_("Elija si ya pagó o si no reconoce la deuda."))
    if not reason.strip():
        raise AgreementError(_("Cuéntenos el motivo."))
    debtor = Debtor.objects.get(pk=link.debtor_id)
    [report] = report_debts(
        debtor, [debt_id], kind=kind, reason=reason, receipt=receipt, source="portal"
    )
    return report


def report_debts(
    debtor: Debtor,
    debt_ids: Sequence[int],
    *,
    kind: str,
    reason: str,
    source: str,
    receipt: bytes | None = None,
    today: date | None = None,
    pause_until: date | None = None,
) -> list[DebtorReport]:
    """Pause reminders on each named debt until staff review it (or the pause ends).

    A debt already paused by a pending report keeps it (the receipt, if any, is
    added to it). Refuses a debt that is not the debtor's or not collectible.
    ``pause_until``: the pause's last day when staff chose it (else the setting's days).
    """
    mime = receipt_type(receipt) if receipt else ""
    today = today or timezone.localdate()
    reports = []
    with transaction.atomic():
        for debt_id in debt_ids:
            debt = (
                Debt.objects.select_for_update()
                .filter(pk=debt_id, debtor_id=debtor.pk)
                .exclude(status__in=[Debt.Status.PAID, Debt.Status.WRITTEN_OFF])
                .first()
            )
            if debt is None:
                raise AgreementError(_("Elija una deuda de la lista."))
            pending = _pending_report(debt.pk)
            if pending is not None:
                if receipt and not pending.receipt:
                    _store_receipt(pending, receipt, mime)
                reports.append(pending)
                continue
            if debt.status not in Debt.COLLECTIBLE:
                raise AgreementError(_("Elija una deuda de la lista."))
            report = DebtorReport.objects.create(
                creditor_id=debtor.creditor_id,
                debtor_id=debtor.pk,
                debt=debt,
                kind=kind,
                reason=(reason.strip() or kind)[:2000],
                receipt=receipt or None,
                receipt_type=mime,
                source=source[:20],
                status_before=debt.status,
                pause_until=pause_until or today + timedelta(days=pause_days()),
            )
            old = debt.status
            debt.status = Debt.Status.DISPUTED
            debt.save(update_fields=["status", "updated_at"])
            events.debt_status_changed(
                debt, old, actor=source, reason=f"report {report.pk}: {kind}"
            )
            outbound.dispute(report, EventType.DISPUTE_OPENED)
            record_report_reason(report)
            reports.append(report)
        cancel_settled(debtor.pk, "reported already paid or disputed")
    return reports


def attach_receipt(debtor: Debtor, content: bytes) -> list[DebtorReport]:
    """A receipt the debtor sent (chat image, document, MMS) joins their pending reports.

    It goes to the "already paid" reports still without one; none: nothing
    is changed and the caller decides (the bot asks which debt it pays).
    """
    mime = receipt_type(content)
    with transaction.atomic():
        reports = list(
            DebtorReport.objects.select_for_update()
            .filter(
                debtor_id=debtor.pk,
                status=DebtorReport.Status.PENDING,
                kind=DebtorReport.Kind.ALREADY_PAID,
            )
            .order_by("pk")
        )
        waiting = [report for report in reports if not report.receipt]
        for report in waiting:
            _store_receipt(report, content, mime)
        return waiting


def confirm_report(
    report_id: int,
    *,
    reviewer: str,
    amount: Decimal | None = None,
    external_id: str = "",
) -> DebtorReport:
    """Staff found the payment (or agree with the dispute): the report is confirmed.

    "Already paid": the debt goes back to its status and the payment is
    recorded against it (``amount``: the debt's balance by default), once per
    report, so it counts as any payment does (plans, promises, the thank-you).
    A dispute: the debt is written off (and a plan with nothing left owed
    is completed, its pending instalments cancelled).
    """
    with transaction.atomic():
        report = _locked(report_id)
        if report.kind == DebtorReport.Kind.PAUSE:
            # Nothing to confirm: a staff pause ends on its date, or is rejected to end it now.
            raise AgreementError(
                _("Una pausa no se confirma: termina en su fecha, o rechácela para reanudar ya.")
            )
        debt = (
            Debt.objects.select_for_update()
            .select_related("debtor", "creditor")
            .get(pk=report.debt_id)
        )
        actor = f"admin:{reviewer}"
        now = timezone.now()
        if report.kind == DebtorReport.Kind.DISPUTE:
            _set_status(debt, Debt.Status.WRITTEN_OFF, actor, f"report {report.pk} confirmed")
            # agreements imports this module (the daily run resumes reports):
            # imported here to break that cycle. A plan left with nothing owed
            # is completed now, its remaining instalments cancelled, never broken.
            from recaudo.payments.agreements import count_toward_plan

            count_toward_plan(debt.debtor_id)
        else:
            _restore(report, debt, actor, f"report {report.pk} confirmed")
            paid = amount if amount is not None else debt.balance
            if paid <= 0:
                raise AgreementError(_("El monto debe ser mayor que cero."))
            result = record_payment(
                creditor=debt.creditor,
                debtor=debt.debtor,
                external_id=external_id or f"report-{report.pk}",
                amount=paid,
                currency=debt.currency,
                paid_at=now,
                method=_("comprobante"),
                debt=debt,
                actor=actor,
            )
            report.payment = result.payment
            cancel_settled(debt.debtor_id, f"paid ({result.payment.external_id})")
            # The thank-you with its receipt (the one place: payments/receipts.py).
            thank_payment(result.payment, now=now)
        report.status = DebtorReport.Status.CONFIRMED
        report.reviewed_at = now
        report.reviewed_by = reviewer[:150]
        report.save(update_fields=["status", "reviewed_at", "reviewed_by", "payment"])
        outbound.dispute(report, EventType.DISPUTE_RESOLVED)
        return report


def reject_report(report_id: int, *, reviewer: str) -> DebtorReport:
    """Staff did not find the payment: reminders resume and the debtor is told why.

    On a staff pause (kind ``pause``) it ends the pause now, and tells the debtor nothing.
    """
    with transaction.atomic():
        report = _locked(report_id)
        debt = Debt.objects.select_for_update().select_related("debtor").get(pk=report.debt_id)
        _restore(report, debt, f"admin:{reviewer}", f"report {report.pk} rejected")
        report.status = DebtorReport.Status.REJECTED
        report.reviewed_at = timezone.now()
        report.reviewed_by = reviewer[:150]
        report.save(update_fields=["status", "reviewed_at", "reviewed_by"])
        outbound.dispute(report, EventType.DISPUTE_RESOLVED)
        # A staff pause ended early: the debtor asked nothing, so nothing is said.
        if report.kind != DebtorReport.Kind.PAUSE:
            notify(debt.debtor, "report_rejected", key=f"report-rejected:{report.pk}")
        return report


def resume_unreviewed(today: date) -> int:
    """Pending reports whose pause ended before ``today`` expire; their debts resume."""
    resumed = 0
    due = DebtorReport.objects.filter(
        status=DebtorReport.Status.PENDING, pause_until__lt=today
    ).values_list("pk", flat=True)
    for report_id in list(due):
        with transaction.atomic():
            report = DebtorReport.objects.select_for_update().get(pk=report_id)
            if report.status != DebtorReport.Status.PENDING:
                continue
            debt = Debt.objects.select_for_update().get(pk=report.debt_id)
            _restore(report, debt, "payments:report", f"report {report.pk} not reviewed in time")
            report.status = DebtorReport.Status.EXPIRED
            report.save(update_fields=["status"])
            outbound.dispute(report, EventType.DISPUTE_RESOLVED)
            resumed += 1
    return resumed


def paused_debt_ids(debtor_id: int) -> set[int]:
    return set(
        DebtorReport.objects.filter(
            debtor_id=debtor_id, status=DebtorReport.Status.PENDING
        ).values_list("debt_id", flat=True)
    )


def _pending_report(debt_id: int) -> DebtorReport | None:
    return (
        DebtorReport.objects.select_for_update()
        .filter(debt_id=debt_id, status=DebtorReport.Status.PENDING)
        .order_by("pk")
        .first()
    )


def _locked(report_id: int) -> DebtorReport:
    report = DebtorReport.objects.select_for_update().get(pk=report_id)
    if report.status not in (DebtorReport.Status.PENDING, DebtorReport.Status.EXPIRED):
        raise AgreementError(_("Este reporte ya fue revisado."))
    return report


def _store_receipt(report: DebtorReport, content: bytes, mime: str) -> None:
    report.receipt = content
    report.receipt_type = mime
    report.save(update_fields=["receipt", "receipt_type"])


def _restore(report: DebtorReport, debt: Debt, actor: str, reason: str) -> None:
    """The debt leaves ``disputed`` for what it was before the report (``open`` if unknown)."""
    if debt.status != Debt.Status.DISPUTED:
        return
    others = DebtorReport.objects.filter(
        debt_id=debt.pk, status=DebtorReport.Status.PENDING
    ).exclude(pk=report.pk)
    if others.exists():
        return
    before = report.status_before or Debt.Status.OPEN
    if before not in Debt.COLLECTIBLE:
        before = Debt.Status.OPEN
    _set_status(debt, before, actor, reason)


def _set_status(debt: Debt, status: str, actor: str, reason: str) -> None:
    old = debt.status
    debt.status = status
    debt.save(update_fields=["status", "updated_at"])
    events.debt_status_changed(debt, old, actor=actor, reason=reason)
