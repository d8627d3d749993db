"""Notices: messages that follow an event, not a policy step.

A thank-you for a payment, the "electronic payment not completed" notice, a
reminder the day before a promise or an instalment, a kind word when a plan
or a promise breaks. ``notify`` queues one as an ``Outreach`` row (action
``notice``), on the first channel the debtor can be reached on, in a send
window the debtor's country allows; the dispatcher sends it like any other
row (re-checking the contact point and the rules, but not whether anything
is still owed: a thank-you follows a payment; a reminder of a promise or a
plan is linked to that agreement's debts and held back once none is owed).
A payment cancels the waiting reminders of agreements, never a thank-you
(``settle.cancel_settled``). ``key`` makes it happen once per event, however
often the event is reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from recaudo.channels import answer_window
from recaudo.compliance.store import pack_for
from recaudo.outreach import outbound
from recaudo.outreach.history import debtor_history, triggered
from recaudo.outreach.models import Outreach, OutreachDebt
from recaudo.policies.planning import (
    EMAIL_CHANNELS,
    PHONE_CHANNELS,
    StepInfo,
    UsablePoint,
    choose_channel,
    place,
)
from recaudo.portfolio.models import ChannelConsent, ContactPoint, Debt, Debtor

DEFAULT_CHANNELS = ("whatsapp", "sms", "email")


def notify(
    debtor: Debtor,
    template_key: str,
    *,
    key: str,
    context: Mapping[str, Any] | None = None,
    channels: Sequence[str] = DEFAULT_CHANNELS,
    now: datetime | None = None,
    record_unreachable: bool = False,
    debts: Sequence[Debt] = (),
) -> Outreach | None:
    """Queue the notice ``template_key`` for ``debtor`` once per ``key``.

    ``debts`` are the debts the notice is about, for a notice that asks for
    money on an agreement (a promise's or a plan's: ``COLLECTION_NOTICES``):
    linked to the row, they let a payment cancel it and the dispatcher hold it
    back once none of them is owed. A notice about no debt (a thank-you, a
    receipt) goes whatever is paid meanwhile.

    ``context`` carries what the template needs beyond the debts: for
    example ``{"paid_amount": "150000.00"}``, ``{"promise_date":
    "2026-12-01", "promise_amount": "50000"}`` (strings, stored as JSON).
    Returns the row (the existing one when ``key`` was used before), or None
    when the debtor cannot be reached on any of ``channels``; with
    ``record_unreachable`` that case leaves a failed row instead (reason
    ``unreachable`` or ``no_window``), so staff see the notice that could not
    go and the key is used up.
    """
    existing = Outreach.objects.for_notice(key).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    pack = pack_for(debtor.creditor_id, debtor.country, debtor.region)
    step = StepInfo(0, 0, 0, "notice", tuple(channels), template_key, "")
    choice = choose_channel(
        step, usable_points(debtor), pack.consent_required, debtor.preferred_channel
    )
    today = timezone.localtime(now, _zone(debtor.timezone)).date()
    asked_for = triggered(Outreach.Action.NOTICE, template_key)
    if choice is None:
        if record_unreachable:
            return _unreachable(debtor, template_key, key, context, channels, now, "unreachable")
        return None
    window = place(
        pack,
        timezone=debtor.timezone,
        channel=choice.channel,
        day=today,
        history=debtor_history(debtor.pk, now, placing=True),
        not_before=now,
        notice=asked_for,
        # The debtor's preferred hours hold for what asks for money, not for
        # what they just asked for (a receipt goes within minutes).
        hours=None if asked_for else preferred_hours(debtor),
    )
    if window is None:
        if record_unreachable:
            return _unreachable(debtor, template_key, key, context, channels, now, "no_window")
        return None
    owed = [d for d in Debt.objects.filter(debtor=debtor, status="open") if d.balance > 0]
    currency = owed[0].currency if owed else debtor.creditor.default_currency
    try:
        with transaction.atomic():
            row = Outreach.objects.create(
                creditor_id=debtor.creditor_id,
                debtor=debtor,
                anchor_due_on=today,
                planned_on=today,
                action=Outreach.Action.NOTICE,
                channel=choice.channel,
                fallback_channels=list(choice.fallbacks),
                contact_point_id=choice.contact_point_id,
                template_key=template_key,
                tone="",
                language=debtor.language,
                currency=currency,
                amount_due=sum((d.balance for d in owed if d.currency == currency), Decimal(0)),
                window_start=window[0],
                window_end=window[1],
                notice_key=key[:200],
                notice_context=dict(context or {}),
            )
            OutreachDebt.objects.bulk_create(
                OutreachDebt(outreach=row, debt=debt, balance=debt.balance) for debt in debts
            )
            return row
    except IntegrityError:
        # Another process queued the same notice meanwhile.
        return Outreach.objects.for_notice(key).first()


def queue_reply(
    debtor: Debtor,
    *,
    channel: str,
    contact_point: ContactPoint,
    text: str,
    key: str,
    now: datetime | None = None,
    final: bool = False,
    opened_at: datetime | None = None,
    choices: Mapping[str, Any] | None = None,
) -> Outreach:
    """Queue an answer to a message the debtor just sent (the bot's or an agent's).

    ``choices``: the buttons or list WhatsApp shows with the text
    (``conversations.choices.Offered.as_json``); other channels send the text alone.

    ``final``: the one last message to a contact point we stop using because
    of that very message (the confirmation of an opt-out, the apology to a
    wrong number). It goes out although the point is now opted out or
    invalid; nothing else will.

    Sent by the worker as free text on the channel the debtor wrote on (for
    WhatsApp, inside the 24-hour window their message opened). An answer is
    not a collection contact the debtor did not ask for, so the country's
    hours and caps do not hold it back; an opt-out still does. Once per
    ``key`` (e.g. the inbound message's id).

    ``opened_at``: when the debtor wrote (default ``now``). Their message opens
    the channel for answers until ``answer_window`` after it (WhatsApp's
    customer-service window, 24 hours elsewhere): inside it the answer needs
    no consent on file; the moment is stored as ``answer_until``.
    """
    existing = Outreach.objects.for_notice(key).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    today = timezone.localtime(now, _zone(debtor.timezone)).date()
    context: dict[str, Any] = {
        "text": text,
        "answer_until": ((opened_at or now) + answer_window(channel)).isoformat(),
    }
    if final:
        context["final"] = True
    if choices:
        context["choices"] = dict(choices)
    try:
        with transaction.atomic():
            return Outreach.objects.create(
                creditor_id=debtor.creditor_id,
                debtor=debtor,
                anchor_due_on=today,
                planned_on=today,
                action=Outreach.Action.REPLY,
                channel=channel,
                fallback_channels=[],
                contact_point=contact_point,
                template_key="",
                tone="",
                language=debtor.language,
                currency=debtor.creditor.default_currency,
                amount_due=Decimal(0),
                window_start=now,
                window_end=now + timedelta(hours=23),
                notice_key=key[:200],
                notice_context=context,
            )
    except IntegrityError:
        return Outreach.objects.for_notice(key).get()


def _unreachable(
    debtor: Debtor,
    template_key: str,
    key: str,
    context: Mapping[str, Any] | None,
    channels: Sequence[str],
    now: datetime,
    reason: str,
) -> Outreach | None:
    """The failed row of a notice that has nowhere (or no moment) to go."""
    today = timezone.localtime(now, _zone(debtor.timezone)).date()
    try:
        with transaction.atomic():
            row = Outreach.objects.create(
                creditor_id=debtor.creditor_id,
                debtor=debtor,
                anchor_due_on=today,
                planned_on=today,
                action=Outreach.Action.NOTICE,
                channel=channels[0],
                fallback_channels=[],
                contact_point=None,
                template_key=template_key,
                tone="",
                language=debtor.language,
                currency=debtor.creditor.default_currency,
                amount_due=Decimal(0),
                window_start=now,
                window_end=now + timedelta(seconds=1),
                status=Outreach.Status.FAILED,
                status_reason=reason,
                failed_at=now,
                notice_key=key[:200],
                notice_context=dict(context or {}),
            )
            outbound.contacts(Outreach.Status.FAILED, [outbound.of(row)])
            return row
    except IntegrityError:
        return Outreach.objects.for_notice(key).first()


def answer_until(context: Mapping[str, Any] | None) -> datetime | None:
    """Until when a reply's row may go out without a consent (see ``queue_reply``)."""
    value = (context or {}).get("answer_until")
    return datetime.fromisoformat(str(value)) if value else None


def notice_values(context: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``build_context`` keyword arguments a notice's stored context gives."""
    context = context or {}
    values: dict[str, Any] = {}
    if context.get("paid_amount"):
        values["paid_amount"] = Decimal(str(context["paid_amount"]))
    if context.get("promise_amount"):
        values["promise_amount"] = Decimal(str(context["promise_amount"]))
    if context.get("promise_date"):
        values["promise_date"] = date.fromisoformat(str(context["promise_date"]))
    # A receipt (payments/receipts.py) and a supervisor's decision (payments/concessions.py).
    if context.get("paid_on"):
        values["paid_on"] = date.fromisoformat(str(context["paid_on"]))
    if context.get("payment_reference"):
        values["payment_reference"] = str(context["payment_reference"])
    if context.get("remaining_balance") not in (None, ""):
        values["remaining_balance"] = Decimal(str(context["remaining_balance"]))
    if context.get("new_due_on"):
        values["new_due_on"] = date.fromisoformat(str(context["new_due_on"]))
    if context.get("agreed_amount"):
        values["agreed_amount"] = Decimal(str(context["agreed_amount"]))
    if context.get("instalments"):  # a plan agreed (payments/actions.py)
        values["instalments"] = [
            (
                int(item["number"]),
                date.fromisoformat(str(item["due_on"])),
                Decimal(str(item["amount"])),
            )
            for item in context["instalments"]
        ]
    if context.get("currency"):
        values["notice_currency"] = str(context["currency"])
    # A direct debit's notices (payments/debit_charges.py).
    if context.get("charge_date"):
        values["charge_date"] = date.fromisoformat(str(context["charge_date"]))
    if context.get("charge_amount"):
        values["charge_amount"] = Decimal(str(context["charge_amount"]))
    if context.get("card_brand"):
        values["card_brand"] = str(context["card_brand"])
    if context.get("card_last4"):
        values["card_last4"] = str(context["card_last4"])
    if context.get("instalment_number"):
        values["instalment_number"] = int(context["instalment_number"])
    if context.get("instalment_count"):
        values["instalment_count"] = int(context["instalment_count"])
    if context.get("retry_date"):
        values["retry_date"] = date.fromisoformat(str(context["retry_date"]))
    return values


def usable_points(debtor: Debtor) -> list[UsablePoint]:
    """The debtor's points that are not opted out or invalid, less withdrawn channels."""
    points = list(
        ContactPoint.objects.filter(
            debtor=debtor, opted_out_at__isnull=True, invalid_since__isnull=True
        )
    )
    given: dict[int, set[str]] = {}
    withdrawn: dict[int, set[str]] = {}
    for point_id, channel, revoked_at in ChannelConsent.objects.filter(
        contact_point__in=points
    ).values_list("contact_point_id", "channel", "revoked_at"):
        (withdrawn if revoked_at else given).setdefault(point_id, set()).add(channel)
    usable = []
    for point in points:
        allowed = PHONE_CHANNELS if point.kind == "phone" else EMAIL_CHANNELS
        channels = frozenset(point.channels or ()) & allowed
        usable.append(
            UsablePoint(
                point.pk,
                point.kind,
                channels - withdrawn.get(point.pk, set()),
                frozenset(given.get(point.pk, ())),
                point.preferred,
            )
        )
    return usable


def preferred_hours(debtor: Debtor) -> tuple[time, time] | None:
    """The debtor's preferred local hours (from, to), when they gave both."""
    start, end = debtor.preferred_hours_from, debtor.preferred_hours_to
    return (start, end) if start is not None and end is not None else None


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)
