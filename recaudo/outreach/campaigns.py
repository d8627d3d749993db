"""Campaigns: a one-off send to a segment, under the rules every contact follows.

``create`` checks and saves a ``Campaign``; ``launch`` (run on its send day
by the worker, or by ``recaudo campaign launch``) writes one ``Outreach`` row
per debtor of the segment who still owes and can be reached:

- the channel as a policy step's: the campaign's channels in order, the
  debtor's preferred one first, consents and opt-outs honoured;
- the window placed by ``planning.place`` with the debtor's history, so the
  country's hours, holidays and caps hold (a campaign is a collection
  contact, never a notice), inside the debtor's preferred hours;
- at most once per debtor and campaign (``notice_key`` ``campaign:<id>:<debtor>``,
  unique in the outbox): launching twice writes nothing new;
- linked to the debtor's open debts (``OutreachDebt``), so a payment that
  settles them cancels the contact before it goes (``settle.cancel_settled``
  in the payment's transaction, and the dispatcher's own re-check).

``results`` counts what became of it: contacts sent, delivered, read, and
debtors who paid within ``results_days`` of their contact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.channels import WRITTEN_CHANNELS
from recaudo.compliance.store import pack_for
from recaudo.languages import staff_money
from recaudo.outreach.history import debtor_history
from recaudo.outreach.models import Campaign, Outreach, OutreachDebt
from recaudo.outreach.notify import preferred_hours, usable_points
from recaudo.policies.loaders import load_segment_rules
from recaudo.policies.models import Segment
from recaudo.policies.planning import StepInfo, choose_channel, place
from recaudo.policies.rendering import select_template
from recaudo.policies.rules import match_segment
from recaudo.policies.segments import debtor_facts
from recaudo.portfolio.models import Creditor, Debt, Debtor, Payment
from recaudo.portfolio.rules import InputError

DEFAULT_CHANNELS = ("whatsapp", "sms", "email")


def create(
    creditor: Creditor,
    *,
    name: str,
    template_key: str,
    send_on: date,
    today: date,
    send_until: date | None = None,
    segment: Segment | None = None,
    channels: Sequence[str] = DEFAULT_CHANNELS,
    results_days: int = 7,
    created_by: str = "",
) -> Campaign:
    """Check and save a campaign; ``InputError`` names the field and what is wrong."""
    name, channels, send_until = check(
        creditor,
        name=name,
        template_key=template_key,
        send_on=send_on,
        today=today,
        send_until=send_until,
        segment=segment,
        channels=channels,
        results_days=results_days,
    )
    return Campaign.objects.create(
        creditor=creditor,
        name=name[:200],
        segment=segment,
        template_key=template_key,
        channels=channels,
        send_on=send_on,
        send_until=send_until,
        results_days=results_days,
        created_by=created_by[:150],
    )


def check(
    creditor: Creditor,
    *,
    name: str,
    template_key: str,
    send_on: date,
    today: date,
    send_until: date | None,
    segment: Segment | None,
    channels: Sequence[str],
    results_days: int,
) -> tuple[str, list[str], date]:
    """The campaign's values cleaned (name, channels, last day), or ``InputError``."""
    name = name.strip()
    if not name:
        raise InputError("name", _("La campaña necesita un nombre."))
    channels = [channel.strip() for channel in channels if channel.strip()]
    unknown = [channel for channel in channels if channel not in WRITTEN_CHANNELS]
    if not channels or unknown:
        raise InputError(
            "channels",
            _("Canales no válidos: «%(given)s». Use uno o más de: %(known)s.")
            % {"given": ", ".join(unknown or channels), "known": ", ".join(WRITTEN_CHANNELS)},
        )
    if send_on < today:
        raise InputError(
            "send_on",
            _("La fecha de envío %(day)s ya pasó.") % {"day": send_on.isoformat()},
        )
    send_until = send_until or send_on
    if send_until < send_on:
        raise InputError(
            "send_until",
            _("«Enviar hasta» (%(until)s) no puede ser antes de la fecha de envío (%(day)s).")
            % {"until": send_until.isoformat(), "day": send_on.isoformat()},
        )
    if results_days < 1:
        raise InputError("results_days", _("Los días para contar pagos deben ser 1 o más."))
    if segment is not None and segment.pk not in {
        rule.id for rule in load_segment_rules(creditor.pk)
    }:
        raise InputError(
            "segment",
            _("El segmento «%(segment)s» no es de los que usa este acreedor.")
            % {"segment": segment.name},
        )
    missing = [
        channel
        for channel in channels
        if select_template(template_key, channel, "es", creditor.pk) is None
    ]
    if missing:
        raise InputError(
            "template_key",
            _("No hay plantilla «%(key)s» para: %(channels)s. Créela en el administrador primero.")
            % {"key": template_key, "channels": ", ".join(missing)},
        )
    return name, channels, send_until


def launch(campaign_id: int, now: datetime | None = None) -> dict[str, int]:
    """Write the campaign's contacts once; what happened, by outcome.

    One transaction, the campaign's row locked: a second launcher waits and
    then finds it launched. A campaign cancelled, or launched before, writes
    nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.status != Campaign.Status.SCHEDULED:
            return {}
        summary: Counter[str] = Counter()
        rules = load_segment_rules(campaign.creditor_id) if campaign.segment_id else []
        step = StepInfo(
            0, 0, 0, Outreach.Action.MESSAGE, tuple(campaign.channels), campaign.template_key, ""
        )
        debtors = Debtor.objects.filter(
            creditor_id=campaign.creditor_id,
            erased_at__isnull=True,
            debts__status=Debt.Status.OPEN,
        ).distinct()
        for debtor in debtors.order_by("pk"):
            summary[_launch_one(campaign, debtor, step, rules, now)] += 1
        campaign.status = Campaign.Status.LAUNCHED
        campaign.launched_at = now
        campaign.launch_summary = dict(summary)
        campaign.save(update_fields=["status", "launched_at", "launch_summary"])
        return dict(summary)


def launch_due(now: datetime | None = None) -> dict[int, dict[str, int]]:
    """Launch every scheduled campaign whose send day has come (UTC); their summaries."""
    now = now or timezone.now()
    due = Campaign.objects.filter(status=Campaign.Status.SCHEDULED, send_on__lte=now.date())
    ids = list(due.values_list("pk", flat=True))
    return {campaign_id: launch(campaign_id, now) for campaign_id in ids}


def _launch_one(
    campaign: Campaign, debtor: Debtor, step: StepInfo, rules: list, now: datetime
) -> str:
    owed = [
        debt
        for debt in Debt.objects.filter(debtor=debtor, status=Debt.Status.OPEN)
        if debt.balance > 0
    ]
    if not owed:
        return "nothing_owed"
    zone = ZoneInfo(debtor.timezone)
    today = timezone.localtime(now, zone).date()
    if campaign.segment_id:
        rule = match_segment(rules, debtor_facts(debtor, today))
        if rule is None or rule.id != campaign.segment_id:
            return "not_in_segment"
    pack = pack_for(debtor.creditor_id, debtor.country, debtor.region)
    choice = choose_channel(
        step, usable_points(debtor), pack.consent_required, debtor.preferred_channel
    )
    if choice is None:
        return "no_usable_channel"
    window = place(
        pack,
        timezone=debtor.timezone,
        channel=choice.channel,
        day=max(campaign.send_on, today),
        history=debtor_history(debtor.pk, now, placing=True),
        not_before=now,
        hours=preferred_hours(debtor),
    )
    if window is None or window[0].astimezone(zone).date() > campaign.send_until:
        return "no_allowed_moment"
    currency = max(
        {debt.currency for debt in owed},
        key=lambda code: sum((d.balance for d in owed if d.currency == code), Decimal(0)),
    )
    try:
        with transaction.atomic():
            row = Outreach.objects.create(
                creditor_id=campaign.creditor_id,
                debtor=debtor,
                segment_id=campaign.segment_id,
                anchor_due_on=window[0].astimezone(zone).date(),
                planned_on=window[0].astimezone(zone).date(),
                action=Outreach.Action.MESSAGE,
                channel=choice.channel,
                fallback_channels=list(choice.fallbacks),
                contact_point_id=choice.contact_point_id,
                template_key=campaign.template_key,
                tone="",
                language=debtor.language,
                currency=currency,
                amount_due=sum((d.balance for d in owed if d.currency == currency), Decimal(0)),
                window_start=window[0],
                window_end=window[1],
                campaign=campaign,
                notice_key=campaign.row_key(debtor.pk),
            )
            OutreachDebt.objects.bulk_create(
                OutreachDebt(outreach=row, debt=debt, balance=debt.balance) for debt in owed
            )
    except IntegrityError:
        return "already_planned"
    return "planned"


@dataclass(frozen=True)
class Results:
    contacts: int  # rows written
    planned: int  # still waiting for their window
    sent: int  # reached the provider (sent, delivered or read)
    delivered: int
    read: int
    cancelled: int  # paid before it went, opted out, expired...
    failed: int
    paid_within: int  # debtors who paid within ``results_days`` after their contact
    paid_amount: dict[str, Decimal]  # what those payments brought, per currency


def results(campaign: Campaign) -> Results:
    """What the campaign did: its contacts by outcome and the payments that followed."""
    rows = list(
        Outreach.objects.filter(campaign=campaign).values(
            "debtor_id", "status", "sent_at", "delivered_at", "read_at"
        )
    )
    status = Counter(row["status"] for row in rows)
    Status = Outreach.Status
    sent_at = {row["debtor_id"]: row["sent_at"] for row in rows if row["sent_at"] is not None}
    window = timedelta(days=campaign.results_days)
    payers: set[int] = set()
    amounts: dict[str, Decimal] = {}
    if sent_at:
        payments = Payment.objects.filter(
            Q(debtor_id__in=list(sent_at)),
            status=Payment.Status.RECEIVED,
            paid_at__gte=min(sent_at.values()),
        ).values_list("debtor_id", "paid_at", "amount", "currency")
        for debtor_id, paid_at, amount, currency in payments:
            if sent_at[debtor_id] <= paid_at <= sent_at[debtor_id] + window:
                payers.add(debtor_id)
                amounts[currency] = amounts.get(currency, Decimal(0)) + amount
    return Results(
        contacts=len(rows),
        planned=status[Status.PLANNED] + status[Status.SENDING],
        sent=sum(1 for row in rows if row["sent_at"] is not None),
        delivered=sum(
            1 for row in rows if row["delivered_at"] is not None or row["read_at"] is not None
        ),
        read=sum(1 for row in rows if row["read_at"] is not None),
        cancelled=status[Status.CANCELLED],
        failed=status[Status.FAILED],
        paid_within=len(payers),
        paid_amount=amounts,
    )


def describe(campaign: Campaign) -> list[str]:
    """The campaign and its results, in lines (the CLI's ``show``)."""
    found = results(campaign)
    money = ", ".join(
        staff_money(amount, currency, campaign.creditor.country)
        for currency, amount in sorted(found.paid_amount.items())
    )
    return [
        f"{campaign.pk}: {campaign.name} ({campaign.get_status_display()})",
        _("plantilla %(key)s por %(channels)s; segmento: %(segment)s")
        % {
            "key": campaign.template_key,
            "channels": " → ".join(campaign.channels),
            "segment": campaign.segment.name if campaign.segment else _("todos"),
        },
        _("envío: %(day)s a %(until)s") % {"day": campaign.send_on, "until": campaign.send_until},
        _("contactos: %(contacts)s; en espera: %(planned)s; enviados: %(sent)s; entregados: "
          "%(delivered)s; leídos: %(read)s; cancelados: %(cancelled)s; fallidos: %(failed)s")
        % found.__dict__,
        _("pagaron en %(days)s días: %(payers)s (%(amount)s)")
        % {"days": campaign.results_days, "payers": found.paid_within, "amount": money or "0"},
    ]
