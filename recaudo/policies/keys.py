"""What each message key means, in words a manager reads (the debtor page, the timeline).

The keys are the shipped defaults' (default_templates.py): the steps a policy
sends, the notices that follow an event, the B2B e-mails and the one message
that covers several debts. A creditor's own key has no label and is shown as
it is.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

KEY_LABELS = {
    # Policy steps.
    "statement": _("estado de cuenta"),
    "reminder_before": _("recordatorio antes del vencimiento"),
    "due_today": _("vence hoy"),
    "overdue_early": _("mora temprana"),
    "payment_offer": _("oferta de pago"),
    "overdue_late": _("mora avanzada"),
    "credit_bureau_notice": _("aviso de reporte a centrales de riesgo"),
    # Notices after an event.
    "payment_thanks": _("recibo de pago"),
    "promise_reminder": _("recordatorio de la promesa de pago"),
    "payment_failed": _("pago no completado"),
    "promise_broken": _("promesa de pago incumplida"),
    "plan_broken": _("plan de pagos incumplido"),
    "paid_in_full": _("paz y salvo"),
    "extension_approved": _("nueva fecha aprobada"),
    "discount_approved": _("descuento aprobado"),
    "request_refused": _("pedido rechazado"),
    "request_closed": _("pedido cerrado"),
    "report_rejected": _("reporte de pago rechazado"),
    "plan_agreed": _("plan de pagos acordado"),
    "debit_upcoming": _("aviso de cargo automático"),
    "debit_failed": _("cargo automático rechazado"),
    "debit_failed_final": _("cargo automático rechazado, sin más intentos"),
    "debit_action_required": _("cargo automático por confirmar"),
    "debit_cancelled": _("domiciliación cancelada"),
    "payment_reversed": _("pago devuelto"),
    "payment_reversed_debit": _("cargo automático devuelto"),
    # Companies (B2B) and several debts in one message.
    "b2b_statement": _("estado de cuenta (empresas)"),
    "b2b_reminder_before": _("recordatorio antes del vencimiento (empresas)"),
    "b2b_due_today": _("vence hoy (empresas)"),
    "b2b_overdue": _("factura vencida (empresas)"),
    "b2b_credit_bureau_notice": _("aviso de reporte a centrales de riesgo (empresas)"),
    "several_debts": _("varias deudas en un mensaje"),
    "several_debts_statement": _("varias deudas en un mensaje, con el estado de cuenta"),
}


def key_label(key: str) -> str:
    """The key in words, in the active language; a key of a creditor's own as it is."""
    label = KEY_LABELS.get(key)
    return str(label) if label is not None else key
