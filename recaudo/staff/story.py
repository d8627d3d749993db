"""The debtor 360's timeline: every debt, payment, message, request and change, in time order.

Messages, notes and the outbox's rows (with the exact text sent, the channel
and the delivery state) come from the inbox's own timeline
(``conversations.timeline.debtor_timeline``); the rest is read from the rows
that record it. Each kind is read newest first up to ``LIMIT`` rows, so a
debtor with years of history still opens at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import formats
from django.utils.translation import gettext as _

from recaudo.conversations.timeline import debtor_timeline
from recaudo.languages import staff_money
from recaudo.payments.models import (
    DebtorReport,
    DebtorRequest,
    InstalmentPlan,
    NonPaymentReason,
    Promise,
)
from recaudo.portfolio.models import AuditEvent, ChannelConsent, Debt, Debtor, Payment

LIMIT = 200


@dataclass(frozen=True)
class Event:
    at: datetime
    category: str  # debt | payment | message | note | outreach | promise | plan | request
    #                | review | reason | consent | audit
    title: str
    text: str = ""
    channel: str = ""
    status: str = ""
    direction: str = ""  # in | out, for messages


def story(debtor: Debtor) -> list[Event]:
    country = debtor.country
    events: list[Event] = []
    for entry in debtor_timeline(debtor.pk)[-LIMIT:]:
        category = "note" if entry.kind == "note" else entry.kind
        if category not in ("note", "outreach"):
            category = "message"
        title = entry.author_label + (f" ({entry.agent})" if entry.agent else "")
        events.append(
            Event(
                entry.at,
                category,
                title,
                entry.text,
                entry.channel_label if entry.channel else "",
                entry.status_label if entry.status else "",
                entry.direction,
            )
        )
    for debt in Debt.objects.filter(debtor=debtor).order_by("-created_at")[:LIMIT]:
        events.append(
            Event(
                debt.created_at,
                "debt",
                _("Deuda %(number)s") % {"number": debt.invoice_number or debt.external_id},
                _("%(amount)s, vence el %(due)s")
                % {
                    "amount": staff_money(debt.amount, debt.currency, country),
                    "due": formats.date_format(debt.due_on),
                },
                status=debt.get_status_display(),
            )
        )
    for payment in Payment.objects.filter(debtor=debtor).order_by("-paid_at")[:LIMIT]:
        events.append(
            Event(
                payment.paid_at,
                "payment",
                _("Pago"),
                " · ".join(
                    part
                    for part in (
                        staff_money(payment.amount, payment.currency, country),
                        payment.method,
                    )
                    if part
                ),
                status=payment.get_status_display(),
            )
        )
    for promise in Promise.objects.filter(debtor=debtor).order_by("-created_at")[:LIMIT]:
        events.append(
            Event(
                promise.created_at,
                "promise",
                _("Promesa de pago"),
                _("%(amount)s para el %(date)s (%(source)s)")
                % {
                    "amount": staff_money(promise.amount, promise.currency, country),
                    "date": formats.date_format(promise.promised_on),
                    "source": promise.source,
                },
                status=promise.get_status_display(),
            )
        )
    for plan in InstalmentPlan.objects.filter(debtor=debtor).order_by("-created_at")[:LIMIT]:
        events.append(
            Event(
                plan.created_at,
                "plan",
                _("Plan de cuotas"),
                _("%(total)s en total, pie %(down)s (%(source)s)")
                % {
                    "total": staff_money(plan.total, plan.currency, country),
                    "down": staff_money(plan.down_payment, plan.currency, country),
                    "source": plan.source,
                },
                status=plan.get_status_display(),
            )
        )
    requests = DebtorRequest.objects.filter(debtor=debtor).order_by("-created_at")[:LIMIT]
    for request in requests:
        events.append(
            Event(
                request.created_at,
                "request",
                _("Pedido: %(kind)s") % {"kind": request.get_kind_display()},
                request.reason,
                status=request.get_status_display()
                + (f" ({request.decided_by})" if request.decided_by else ""),
            )
        )
    reports = DebtorReport.objects.filter(debtor=debtor).select_related("debt")
    for report in reports.order_by("-created_at")[:LIMIT]:
        events.append(
            Event(
                report.created_at,
                "review",
                _("Revisión: %(kind)s, deuda %(number)s")
                % {
                    "kind": report.get_kind_display(),
                    "number": report.debt.invoice_number or report.debt.external_id,
                },
                report.reason,
                status=report.get_status_display()
                + (
                    " · "
                    + _("pausa hasta el %(date)s")
                    % {"date": formats.date_format(report.pause_until)}
                    if report.pause_until and report.status == DebtorReport.Status.PENDING
                    else ""
                ),
            )
        )
    reasons = NonPaymentReason.objects.filter(debtor=debtor).select_related("debt")
    for reason in reasons.order_by("-occurred_at", "-pk")[:LIMIT]:
        events.append(
            Event(
                reason.occurred_at,
                "reason",
                _("Motivo de no pago: %(code)s, deuda %(number)s")
                % {
                    "code": reason.get_code_display(),
                    "number": reason.debt.invoice_number or reason.debt.external_id,
                },
                reason.detail,
                reason.get_source_display(),
            )
        )
    consents = ChannelConsent.objects.filter(contact_point__debtor=debtor).select_related(
        "contact_point"
    )
    for consent in consents.order_by("-granted_at")[:LIMIT]:
        events.append(
            Event(
                consent.granted_at,
                "consent",
                _("Consentimiento otorgado: %(channel)s")
                % {"channel": consent.get_channel_display()},
                f"{consent.contact_point.value} · {consent.source}",
            )
        )
        if consent.revoked_at:
            events.append(
                Event(
                    consent.revoked_at,
                    "consent",
                    _("Consentimiento revocado: %(channel)s")
                    % {"channel": consent.get_channel_display()},
                    consent.contact_point.value,
                )
            )
    for event in AuditEvent.objects.filter(debtor=debtor).order_by("-created_at")[:LIMIT]:
        reason = (event.data or {}).get("reason", "")
        events.append(
            Event(
                event.created_at,
                "audit",
                event.get_kind_display(),
                " · ".join(part for part in (str(reason), event.actor) if part),
            )
        )
    return sorted(events, key=lambda event: event.at, reverse=True)
