"""State changes of a conversation: handoffs, agents' answers, notes, outcomes.

Each runs in one transaction; what leaves the process (the answer itself)
is an Outreach row the worker sends.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from recaudo.channels import find_channel
from recaudo.compliance.store import pack_for
from recaudo.conversations.calls import (
    OUTCOMES,
    call_phone,
    place_call_back,
    placement_history,
    reason_labels,
)
from recaudo.conversations.models import CallAssignment, Message, Thread
from recaudo.conversations.routing import route
from recaudo.outreach.models import Outreach
from recaudo.outreach.notify import notify, queue_reply
from recaudo.outreach.tasks import mark_called, queue_call_back
from recaudo.payments.actions import make_promise
from recaudo.payments.links import live_link
from recaudo.payments.models import NonPaymentReason
from recaudo.payments.reasons import AGENT_REASONS, CALL_REASONS, record_reasons
from recaudo.payments.reports import report_debts
from recaudo.payments.rules import AgreementError
from recaudo.payments.terms import collectible_debts, terms_for
from recaudo.policies.models import Template
from recaudo.policies.rendering import format_date, format_money, locale_for
from recaudo.portfolio.models import ContactPoint, Debt, Debtor

if TYPE_CHECKING:
    from recaudo.payments.models import Promise


class InboxError(ValueError):
    """The agent's request cannot be done now; the message says why."""


def hand_off(thread: Thread, reason: str, *, now: datetime | None = None) -> None:
    """Put the thread in the agents' queue (the caller saves it)."""
    owed = [d for d in Debt.objects.filter(debtor_id=thread.debtor_id, status__in=Debt.COLLECTIBLE)]
    thread.state = Thread.State.WAITING_AGENT
    thread.handoff_reason = reason
    thread.urgency = Thread.URGENCY.get(reason, 9)
    thread.balance_at_handoff = sum((d.balance for d in owed), Decimal(0))
    thread.handed_off_at = now or timezone.now()
    thread.needs_attention = True
    if thread.assigned_to_id is None:
        # The routing rules (by creditor, segment, language, balance) pick who holds it.
        thread.assigned_to = route(thread)


def invalidate_contact_point(point: ContactPoint, reason: str, when: datetime) -> None:
    ContactPoint.objects.filter(pk=point.pk, invalid_since__isnull=True).update(
        invalid_since=when, invalid_reason=reason[:200]
    )


def take(thread_id: int, agent: User) -> Thread:
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=thread_id)
        if thread.assigned_to_id not in (None, agent.pk) and thread.state == "with_agent":
            raise InboxError(_("Otra persona ya atiende esta conversación."))
        thread.assigned_to = agent
        thread.state = Thread.State.WITH_AGENT
        thread.unread = False
        thread.save()
        _system(thread, _("%(agent)s tomó la conversación.") % {"agent": agent.get_username()})
        return thread


def answer(thread_id: int, agent: User, text: str) -> Message:
    """Queue an agent's free-text answer on the channel the debtor last wrote on."""
    text = text.strip()
    if not text:
        raise InboxError(_("Escriba una respuesta."))
    now = timezone.now()
    with transaction.atomic():
        thread = Thread.objects.select_for_update().select_related("debtor").get(pk=thread_id)
        point = thread.last_contact_point
        if point is None or not thread.last_channel:
            raise InboxError(
                _("El deudor no ha escrito por ningún canal; no hay a dónde responder.")
            )
        if window_closed(thread, now):
            raise InboxError(
                _(
                    "Pasaron más de 24 horas desde el último mensaje por WhatsApp: "
                    "se necesita una plantilla aprobada."
                )
            )
        message = Message.objects.create(
            thread=thread,
            direction=Message.Direction.OUT,
            author=Message.Author.AGENT,
            agent=agent,
            channel=thread.last_channel,
            contact_point=point,
            address=point.value,
            text=text,
            occurred_at=now,
        )
        message.outreach = queue_reply(
            thread.debtor,
            channel=thread.last_channel,
            contact_point=point,
            text=text,
            key=f"agent:{message.pk}",
            now=now,
            # The debtor's last message opened the channel for answers (outreach.notify).
            opened_at=thread.last_inbound_at,
        )
        message.save(update_fields=["outreach"])
        if thread.state != Thread.State.WITH_AGENT or thread.assigned_to_id is None:
            thread.state = Thread.State.WITH_AGENT
            thread.assigned_to = agent
        thread.needs_attention = False
        thread.unread = False
        thread.save()
        return message


def window_closed(thread: Thread, now: datetime) -> bool:
    """Whether the debtor's last channel takes only approved templates now (its window closed).

    A thread keeps one window, WhatsApp's: the only channel that has one.
    """
    facts = find_channel(thread.last_channel)
    if facts is None or not facts.templates_outside_window:
        return False
    return thread.whatsapp_window_until is None or thread.whatsapp_window_until <= now


def whatsapp_templates(thread: Thread) -> list[Template]:
    """Approved WhatsApp templates in the debtor's language, the creditor's own first.

    One per key: a creditor's template replaces the shipped one of the same key.
    """
    rows = (
        Template.objects.filter(
            Q(creditor_id=thread.creditor_id) | Q(creditor__isnull=True),
            channel="whatsapp",
            language=thread.debtor.language,
        )
        .exclude(whatsapp_template_name="")
        .order_by("key", F("creditor_id").asc(nulls_last=True))
    )
    chosen: dict[str, Template] = {}
    for row in rows:
        chosen.setdefault(row.key, row)
    return list(chosen.values())


def send_template(thread_id: int, agent: User, template_key: str) -> Message:
    """Queue an approved WhatsApp template (allowed outside the 24-hour window).

    The outbox renders it with the debtor's data when it is sent.
    """
    now = timezone.now()
    with transaction.atomic():
        thread = Thread.objects.select_for_update().select_related("debtor").get(pk=thread_id)
        template = next((t for t in whatsapp_templates(thread) if t.key == template_key), None)
        if template is None:
            raise InboxError(_("Elija una plantilla de WhatsApp de la lista."))
        message = Message.objects.create(
            thread=thread,
            direction=Message.Direction.OUT,
            author=Message.Author.AGENT,
            agent=agent,
            channel="whatsapp",
            text=f"[{template.whatsapp_template_name}] {template.body}",
            occurred_at=now,
        )
        outreach = notify(
            thread.debtor,
            template.key,
            key=f"agent-template:{message.pk}",
            channels=("whatsapp",),
            now=now,
        )
        if outreach is None:
            # Rolls the message back too: nothing was queued.
            raise InboxError(
                _(
                    "No se puede escribir por WhatsApp a este deudor "
                    "(sin número o sin consentimiento)."
                )
            )
        message.outreach = outreach
        message.contact_point = outreach.contact_point
        message.address = outreach.contact_point.value if outreach.contact_point else ""
        message.save(update_fields=["outreach", "contact_point", "address"])
        thread.state = Thread.State.WITH_AGENT
        thread.assigned_to = agent
        thread.needs_attention = False
        thread.unread = False
        thread.save()
        return message


def take_call(task_id: int, agent: User) -> CallAssignment:
    with transaction.atomic():
        task = Outreach.objects.call_tasks().select_for_update().get(pk=task_id)
        if task.status != Outreach.Status.PLANNED:
            raise InboxError(_("Esta llamada ya fue registrada."))
        assignment = CallAssignment.objects.filter(outreach=task).first()
        if assignment is not None and assignment.agent_id != agent.pk:
            raise InboxError(_("Otra persona ya tomó esta llamada."))
        if assignment is None:
            assignment = CallAssignment.objects.create(
                outreach=task, agent=agent, taken_at=timezone.now()
            )
        return assignment


def record_call(
    task_id: int,
    agent: User,
    outcome: str,
    *,
    promise_date: date | None = None,
    promise_amount: Decimal | None = None,
    note: str = "",
    call_back_at: datetime | None = None,
    now: datetime | None = None,
) -> Outreach:
    """Record a call attempt: the task becomes a contact made (``sent``) now.

    It then counts against the country's contact rules (the planner and the
    dispatcher read sent rows as history). A wrong number invalidates the
    phone; a promise with a date becomes a ``Promise``; ``call_back`` queues
    a new call task for ``call_back_at`` (the debtor's wall-clock time when
    naive), or the next moment their country allows after it.
    """

    if outcome not in OUTCOMES:
        raise InboxError(_("Elija un resultado de la lista."))
    if outcome == "call_back" and call_back_at is None:
        raise InboxError(_("Indique el día y la hora para volver a llamar."))
    now = now or timezone.now()
    with transaction.atomic():
        task = (
            Outreach.objects.call_tasks()
            .select_for_update()
            .select_related("debtor")
            .get(pk=task_id)
        )
        if task.status != Outreach.Status.PLANNED:
            raise InboxError(_("Esta llamada ya fue registrada."))
        assignment = CallAssignment.objects.filter(outreach=task).first()
        if assignment is not None and assignment.agent_id != agent.pk:
            raise InboxError(_("Otra persona ya tomó esta llamada."))
        asked_at = None
        if outcome == "call_back" and call_back_at is not None:
            asked_at = debtor_moment(call_back_at, task.debtor.timezone)
            if asked_at <= now:
                raise InboxError(
                    _(
                        "La hora para volver a llamar (%(asked)s, hora del deudor) ya pasó: "
                        "elija un momento futuro."
                    )
                    % {"asked": local_text(asked_at, task.debtor.timezone)}
                )
        if assignment is None:
            CallAssignment.objects.create(outreach=task, agent=agent, taken_at=now)
        phone = call_phone(task)
        mark_called(task, outcome=outcome, phone=phone, now=now)
        details = [str(OUTCOMES[outcome])]
        if outcome == "wrong_number" and phone is not None:
            invalidate_contact_point(phone, "call: wrong number", now)
            details.append(phone.value)
        if outcome == "promise" and promise_date is not None:
            promise = _call_promise(task.debtor, promise_date, promise_amount)
            locale = locale_for(get_language() or "es", task.debtor.country)
            details.append(
                f"{format_date(promise.promised_on, locale, now.date())} "
                f"{format_money(promise.amount, promise.currency, locale)}"
            )
        if outcome == "paid":
            details.extend(_call_report(task, agent, note))
        if asked_at is not None:
            details.extend(_queue_call_back(task, agent, phone, asked_at, now))
        if note.strip():
            details.append(note.strip())
        thread, _created = Thread.objects.get_or_create(
            debtor=task.debtor, defaults={"creditor_id": task.creditor_id}
        )
        if outcome in CALL_REASONS:
            record_reasons(
                task.debtor,
                CALL_REASONS[outcome],
                NonPaymentReason.Source.CALL,
                debt_ids=list(task.debt_links.values_list("debt_id", flat=True)),
                detail=note,
                occurred_at=now,
                thread_id=thread.pk,
                outreach=task,
            )
        Message.objects.create(
            thread=thread,
            direction=Message.Direction.OUT,
            kind=Message.Kind.NOTE,
            author=Message.Author.AGENT,
            agent=agent,
            channel="call",
            contact_point=phone,
            address=phone.value if phone else "",
            text=_("Llamada: %(details)s") % {"details": " · ".join(details)},
            outreach=task,
            occurred_at=now,
        )
        task.refresh_from_db()
        return task


def _call_report(task: Outreach, agent: User, note: str) -> list[str]:
    """The debtor "dice que ya pagó": reminders on the call's debts pause until staff review it."""
    owed = {debt.pk: debt for debt in collectible_debts(task.debtor)}
    named = [pk for pk in task.debt_links.values_list("debt_id", flat=True) if pk in owed]
    debt_ids = named or list(owed)
    if not debt_ids:
        return []
    reports = report_debts(
        task.debtor,
        debt_ids,
        kind="already_paid",
        reason=note.strip() or _("Dijo por teléfono que ya pagó."),
        source="call",
    )
    until = max(report.pause_until for report in reports if report.pause_until)
    return [_("recordatorios en pausa hasta el %(date)s") % {"date": until.isoformat()}]


def debtor_moment(moment: datetime, zone_name: str) -> datetime:
    """``moment`` as an aware datetime; a naive one is wall-clock time in ``zone_name``."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=ZoneInfo(zone_name))
    return moment


def local_text(moment: datetime, zone_name: str) -> str:
    """Like "2026-11-24 16:00" in the debtor's zone: unambiguous in notes and in any language."""
    return moment.astimezone(ZoneInfo(zone_name)).strftime("%Y-%m-%d %H:%M")


def _queue_call_back(
    task: Outreach,
    agent: User,
    phone: ContactPoint | None,
    asked_at: datetime,
    now: datetime,
) -> list[str]:
    """Queue the next call for the same debts, placed under the country's rules.

    The attempt just recorded is already ``sent``, so it counts: in Colombia
    (one contact a day) a call back asked for later today lands tomorrow.
    It is the same agent's task (they told the debtor they would call) and is
    made once per attempt (``notice_key``). Returns the note's details.
    """

    if phone is None:
        raise InboxError(_("No hay un teléfono válido para volver a llamar."))
    debtor = task.debtor
    placed = place_call_back(
        pack_for(debtor.creditor_id, debtor.country, debtor.region),
        timezone=debtor.timezone,
        asked_at=asked_at,
        history=placement_history(debtor.pk, now),
    )
    if placed is None:
        raise InboxError(
            _("Las reglas del país del deudor no permiten otra llamada en los próximos días.")
        )
    follow_up = queue_call_back(
        task,
        phone=phone,
        starts_at=placed.starts_at,
        ends_at=placed.ends_at,
        asked_at=asked_at,
        reasons=placed.reasons,
    )
    CallAssignment.objects.create(outreach=follow_up, agent=agent, taken_at=now)
    details = [
        _("nueva llamada el %(when)s (hora del deudor)")
        % {"when": local_text(placed.starts_at, debtor.timezone)}
    ]
    if placed.moved:
        details.append(
            _("pedida para el %(asked)s, no permitido: %(reasons)s")
            % {
                "asked": local_text(asked_at, debtor.timezone),
                "reasons": ", ".join(reason_labels(placed.reasons)),
            }
        )
    return details


def _call_promise(debtor: Debtor, promised_on: date, amount: Decimal | None) -> Promise:

    if amount is None:
        currency = terms_for(debtor).currency
        amount = sum(
            (
                d.balance
                for d in collectible_debts(debtor)
                if d.currency == currency and d.status == "open"
            ),
            Decimal(0),
        )
    try:
        return make_promise(
            live_link(debtor.pk), promised_on=promised_on, amount=amount, source="agent"
        )
    except AgreementError as error:
        raise InboxError(str(error)) from error


def add_note(thread_id: int, agent: User, text: str) -> Message:
    text = text.strip()
    if not text:
        raise InboxError(_("La nota está vacía."))
    thread = Thread.objects.get(pk=thread_id)
    return Message.objects.create(
        thread=thread,
        direction=Message.Direction.OUT,
        kind=Message.Kind.NOTE,
        author=Message.Author.AGENT,
        agent=agent,
        text=text,
        occurred_at=timezone.now(),
    )


def record_outcome(thread_id: int, agent: User, *, reason: str, outcome: str) -> Thread:
    if reason and reason not in Thread.NonPayment.values:
        raise InboxError(_("Elija un motivo de la lista."))
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=thread_id)
        thread.non_payment_reason = reason
        thread.outcome = outcome.strip()[:200]
        thread.save()
        if reason:
            record_reasons(
                thread.debtor,
                AGENT_REASONS[reason],
                NonPaymentReason.Source.AGENT,
                detail=thread.outcome,
                thread_id=thread.pk,
            )
        _system(thread, _("Resultado: %(outcome)s") % {"outcome": thread.outcome or "-"}, agent)
        return thread


def hand_back(thread_id: int, agent: User, *, close: bool = False) -> Thread:
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=thread_id)
        thread.state = Thread.State.CLOSED if close else Thread.State.BOT
        thread.assigned_to = None
        thread.handoff_reason = ""
        thread.needs_attention = False
        thread.unread = False
        thread.misunderstood_in_row = 0
        thread.save()
        label = _("cerró la conversación") if close else _("devolvió la conversación al bot")
        _system(thread, f"{agent.get_username()} {label}.", agent)
        return thread


def _system(thread: Thread, text: str, agent: User | None = None) -> None:
    Message.objects.create(
        thread=thread,
        direction=Message.Direction.OUT,
        kind=Message.Kind.NOTE,
        author=Message.Author.SYSTEM,
        agent=agent,
        text=text,
        occurred_at=timezone.now(),
    )
