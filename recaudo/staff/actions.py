"""What staff do from the debtor 360 and the approvals page. One transaction each, audited.

Each action checks the user's role and scope itself (the views check them too):
read-only roles change nothing, only supervisors and admins decide requests.
The state changes are the existing ones: a pause or a dispute is a
``DebtorReport`` (``payments.reports.report_debts``: reminders stop until its
end date or a review), a link is the ``payment_offer`` notice
(``outreach.notify``: placed within the country's rules, counted as a
collection contact), a decision is ``payments.concessions`` (the debtor is
told), a hand-over puts the debtor's conversation in the agent's queue.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.conversations.actions import hand_off
from recaudo.conversations.models import Message, Thread
from recaudo.conversations.scope import creditor_scope
from recaudo.outreach.models import Outreach
from recaudo.outreach.notify import notify
from recaudo.payments import concessions, debit, reports
from recaudo.payments.actions import agree_plan, make_promise
from recaudo.payments.links import live_link
from recaudo.payments.models import (
    DebtorReport,
    DebtorRequest,
    InstalmentPlan,
    Mandate,
    Promise,
)
from recaudo.payments.reports import report_debts
from recaudo.payments.rules import AgreementError
from recaudo.payments.terms import collectible_debts, debtor_today, plan_quote
from recaudo.portfolio import contact_points
from recaudo.portfolio.models import AuditEvent, ChannelConsent, ContactPoint, Debtor
from recaudo.portfolio.rules import InputError
from recaudo.roles import may_approve, may_write

MAX_PAUSE_DAYS = 90


class StaffError(ValueError):
    """The action cannot be done; the message says why."""


def actor(user: User) -> str:
    return f"staff:{user.get_username()}"[:200]


def _audit(debtor: Debtor, kind: str, user: User, **data: Any) -> AuditEvent:
    return AuditEvent.objects.create(
        kind=kind, creditor_id=debtor.creditor_id, debtor=debtor, actor=actor(user), data=data
    )


def _writer(user: User) -> None:
    if not may_write(user):
        raise StaffError(_("Su rol solo permite consultar."))


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise StaffError(_("Escriba el motivo."))
    return reason[:2000]


def pause(debtor: Debtor, user: User, *, until: date, reason: str) -> list[DebtorReport]:
    """Stop the reminders on every debt still owed until ``until`` (the last paused day)."""
    _writer(user)
    reason = _reason(reason)
    today = debtor_today(debtor)
    if until < today:
        raise StaffError(_("La pausa debe terminar hoy o después."))
    if until > today + timedelta(days=MAX_PAUSE_DAYS):
        raise StaffError(_("La pausa puede durar hasta %(days)s días.") % {"days": MAX_PAUSE_DAYS})
    debts = [debt.pk for debt in collectible_debts(debtor)]
    if not debts:
        raise StaffError(_("No hay deudas con recordatorios que pausar."))
    with transaction.atomic():
        reports = report_debts(
            debtor,
            debts,
            kind=DebtorReport.Kind.PAUSE,
            reason=reason,
            source="staff",
            today=today,
            pause_until=until,
        )
        _audit(
            debtor,
            AuditEvent.Kind.DEBTOR_PAUSED,
            user,
            until=until.isoformat(),
            reason=reason,
            reports=[report.pk for report in reports],
        )
    return reports


def mark_dispute(
    debtor: Debtor, user: User, *, debt_ids: list[int], reason: str
) -> list[DebtorReport]:
    """The debtor disputes these debts: reminders on them stop until a supervisor reviews it."""
    _writer(user)
    reason = _reason(reason)
    if not debt_ids:
        raise StaffError(_("Elija al menos una deuda."))
    with transaction.atomic():
        try:
            reports = report_debts(
                debtor, debt_ids, kind=DebtorReport.Kind.DISPUTE, reason=reason, source="staff"
            )
        except AgreementError as error:
            raise StaffError(str(error)) from error
        _audit(
            debtor,
            AuditEvent.Kind.DISPUTE_MARKED,
            user,
            debts=sorted(debt_ids),
            reason=reason,
            reports=[report.pk for report in reports],
        )
    return reports


def send_link(debtor: Debtor, user: User) -> Outreach:
    """Queue the payment link (``payment_offer``), once per debtor per day."""
    _writer(user)
    if not collectible_debts(debtor):
        raise StaffError(_("No hay nada que pagar: no se envía el enlace."))
    today = debtor_today(debtor)
    with transaction.atomic():
        row = notify(debtor, "payment_offer", key=f"staff-link:{debtor.pk}:{today.isoformat()}")
        if row is None:
            raise StaffError(
                _("No hay un canal permitido para enviarle el enlace en los próximos días.")
            )
        _audit(debtor, AuditEvent.Kind.LINK_SENT, user, outreach=row.pk, channel=row.channel)
    return row


def hand_to_agent(debtor: Debtor, user: User, *, agent: User, reason: str) -> Thread:
    """Put the debtor's conversation in ``agent``'s queue (made if the debtor never wrote)."""
    _writer(user)
    reason = _reason(reason)
    scope = creditor_scope(agent)
    if not (agent.is_active and agent.is_staff and may_write(agent)) or (
        scope is not None and debtor.creditor_id not in scope
    ):
        raise StaffError(_("Elija un agente que trabaje para este acreedor."))
    with transaction.atomic():
        thread, _created = Thread.objects.select_for_update().get_or_create(
            debtor=debtor, defaults={"creditor_id": debtor.creditor_id}
        )
        hand_off(thread, Thread.Reason.OTHER)
        thread.assigned_to = agent
        thread.save()
        Message.objects.create(
            thread=thread,
            direction=Message.Direction.OUT,
            kind=Message.Kind.NOTE,
            author=Message.Author.SYSTEM,
            agent=user,
            text=_("%(user)s asignó la conversación a %(agent)s: %(reason)s")
            % {"user": user.get_username(), "agent": agent.get_username(), "reason": reason},
            occurred_at=timezone.now(),
        )
        _audit(
            debtor,
            AuditEvent.Kind.HANDED_TO_AGENT,
            user,
            agent=agent.get_username(),
            thread=thread.pk,
            reason=reason,
        )
    return thread


def decide_request(request: DebtorRequest, user: User, *, approve: bool, reason: str) -> bool:
    """A supervisor approves or refuses a debtor's request; the debtor is told (the notice).

    False when it was no longer pending (another supervisor decided first).
    """
    if not may_approve(user):
        raise StaffError(_("Solo un supervisor aprueba o rechaza pedidos."))
    reason = _reason(reason)
    decide = concessions.approve if approve else concessions.refuse
    return decide(request.pk, actor(user), reason)


def _point(debtor: Debtor, point_id: int) -> ContactPoint:
    point = ContactPoint.objects.select_related("debtor").filter(pk=point_id, debtor=debtor).first()
    if point is None:
        raise StaffError(_("Ese dato de contacto no es de este deudor."))
    return point


def _input(error: InputError) -> StaffError:
    return StaffError(str(error))


def add_contact_point(debtor: Debtor, user: User, *, kind: str, value: str) -> ContactPoint:
    """A new phone or e-mail for the debtor (``portfolio.contact_points``), audited."""
    _writer(user)
    try:
        return contact_points.add_contact_point(debtor, kind=kind, value=value, actor=actor(user))
    except InputError as error:
        raise _input(error) from error


def set_contact_point_state(
    debtor: Debtor, user: User, *, point_id: int, state: str, reason: str
) -> bool:
    """Switch a point on, off, or mark it invalid, with the reason, audited."""
    _writer(user)
    try:
        return contact_points.set_contact_point_state(
            _point(debtor, point_id), state=state, reason=reason, actor=actor(user)
        )
    except InputError as error:
        raise _input(error) from error


def set_consent(
    debtor: Debtor, user: User, *, point_id: int, channel: str, granted: bool, source: str
) -> ChannelConsent:
    """Grant or revoke a channel's consent on a point, with its source, audited."""
    _writer(user)
    try:
        return contact_points.set_consent(
            _point(debtor, point_id),
            channel=channel,
            granted=granted,
            source=source,
            actor=actor(user),
        )
    except InputError as error:
        raise _input(error) from error


def create_promise(debtor: Debtor, user: User, *, promised_on: date, amount: Decimal) -> Promise:
    """The debtor promises ``amount`` by ``promised_on``: ``payments.actions.make_promise``
    (the segment's longest promise and the balance hold), audited."""
    _writer(user)
    with transaction.atomic():
        try:
            promise = make_promise(
                live_link(debtor.pk), promised_on=promised_on, amount=amount, source="staff"
            )
        except AgreementError as error:
            raise StaffError(str(error)) from error
        _audit(
            debtor,
            AuditEvent.Kind.PROMISE_MADE,
            user,
            promise=promise.pk,
            promised_on=promised_on.isoformat(),
            amount=str(promise.amount),
            currency=promise.currency,
        )
    return promise


def create_plan(debtor: Debtor, user: User, *, count: int) -> InstalmentPlan:
    """One of the plans the debtor's segment offers now (``payments.terms.plan_quote``, the
    same the portal and the bot list), agreed through ``payments.actions.agree_plan``: the
    minimum down payment, ``count`` monthly instalments. The debtor gets the schedule."""
    _writer(user)
    quote = plan_quote(debtor)
    choice = next((item for item in quote.choices if item.count == count), None)
    if choice is None:
        raise StaffError(
            _("El segmento del deudor no ofrece un plan de %(count)s cuotas ahora.")
            % {"count": count}
        )
    down_payment = sum((item.amount for item in choice.schedule if item.number == 0), Decimal(0))
    with transaction.atomic():
        try:
            plan = agree_plan(
                live_link(debtor.pk), down_payment=down_payment, count=count, source="staff"
            )
        except AgreementError as error:
            raise StaffError(str(error)) from error
        if plan.total != quote.total:
            raise StaffError(_("El saldo cambió mientras elegía el plan: vuelva a intentarlo."))
        _audit(
            debtor,
            AuditEvent.Kind.PLAN_AGREED,
            user,
            plan=plan.pk,
            count=count,
            down_payment=str(down_payment),
            total=str(plan.total),
            currency=plan.currency,
        )
    return plan


def review_report(report: DebtorReport, user: User, *, confirm: bool, reason: str) -> DebtorReport:
    """A supervisor confirms or rejects a "ya pagué" or a dispute, with the reason, audited.

    ``payments.reports`` does the rest: a confirmed "ya pagué" records the payment
    and thanks the debtor, a rejected one resumes the reminders and tells the debtor.
    """
    if not may_approve(user):
        raise StaffError(_("Solo un supervisor confirma o rechaza reportes."))
    reason = _reason(reason)
    if report.kind == DebtorReport.Kind.PAUSE:
        raise StaffError(_("Una pausa no se revisa aquí."))
    with transaction.atomic():
        try:
            if confirm:
                done = reports.confirm_report(
                    report.pk, reviewer=user.get_username(), amount=report.found_amount
                )
            else:
                done = reports.reject_report(report.pk, reviewer=user.get_username())
        except AgreementError as error:
            raise StaffError(str(error)) from error
        _audit(
            report.debtor,
            AuditEvent.Kind.REPORT_REVIEWED,
            user,
            report=report.pk,
            report_kind=report.kind,
            status=done.status,
            reason=reason,
        )
    return done


def cancel_debit(debtor: Debtor, user: User) -> Mandate:
    """A supervisor or an admin cancels the debtor's active direct debit.

    ``payments.debit.cancel_mandate`` does it: the mandate is cancelled with its
    ``mandate_cancelled`` audit event (actor ``staff:debit``, ``by`` the user's
    name), the debtor gets the ``debit_cancelled`` notice, and the card is
    detached at the provider. Agents ask a supervisor: stopping the automatic
    charges changes how a plan is collected, as a concession does.
    """
    if not may_approve(user):
        raise StaffError(_("Solo un supervisor o un administrador cancela una domiciliación."))
    mandate = debit.active_mandate(debtor.pk)
    if mandate is None:
        raise StaffError(_("El deudor no tiene una domiciliación activa."))
    return debit.cancel_mandate(mandate, channel=Mandate.Channel.STAFF, by=user.get_username())
