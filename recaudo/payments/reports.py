"""The debtor reports a debt as already paid or disputed (with an optional receipt).

Either way the debt goes ``disputed`` until someone reviews it, so no reminder
is sent about it meanwhile (the dispatcher re-checks the status before each
send, and the debtor's planned reminders about it are cancelled now).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from recaudo.outreach.settle import cancel_settled
from recaudo.payments.models import DebtorReport, PaymentLink
from recaudo.payments.rules import AgreementError
from recaudo.portfolio import events
from recaudo.portfolio.models import Debt

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


def report_debt(
    link: PaymentLink, *, debt_id: int, kind: str, reason: str, receipt: bytes | None
) -> DebtorReport:
    if kind not in DebtorReport.Kind.values:
        raise AgreementError(_("Elija si ya pagó o si no reconoce la deuda."))
    reason = reason.strip()
    if not reason:
        raise AgreementError(_("Cuéntenos el motivo."))
    mime = receipt_type(receipt) if receipt else ""
    with transaction.atomic():
        debt = (
            Debt.objects.select_for_update()
            .filter(pk=debt_id, debtor_id=link.debtor_id, status__in=Debt.COLLECTIBLE)
            .first()
        )
        if debt is None:
            raise AgreementError(_("Elija una deuda de la lista."))
        report = DebtorReport.objects.create(
            creditor_id=link.creditor_id,
            debtor_id=link.debtor_id,
            debt=debt,
            kind=kind,
            reason=reason[:2000],
            receipt=receipt or None,
            receipt_type=mime,
        )
        old = debt.status
        debt.status = Debt.Status.DISPUTED
        debt.save(update_fields=["status", "updated_at"])
        events.debt_status_changed(debt, old, actor="portal", reason=f"report {report.pk}: {kind}")
        cancel_settled(link.debtor_id, f"reported {kind}")
        return report
