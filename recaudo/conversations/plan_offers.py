"""The bot's plan offers against the database: list what the segment allows, agree the pick.

The plans come from ``payments.terms.plan_quote`` (the same
``rules.plan_choices`` schedules the portal shows) and a pick is agreed with
``payments.actions.agree_plan``, the portal's own function with all its
checks. The offer made is remembered on the thread (``Thread.plan_offer``)
so that "2" a few hours later means that plan, and only while it still
says what an offer made now would say.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from recaudo.conversations import bot
from recaudo.conversations.models import Thread
from recaudo.conversations.offers import (
    ActivePlan,
    Choice,
    Menu,
    MenuOption,
    OfferRecord,
    judge_pick,
    new_record,
)
from recaudo.payments.actions import agree_plan
from recaudo.payments.links import instalment_url, live_link
from recaudo.payments.models import Instalment, InstalmentPlan
from recaudo.payments.rules import AgreementError, from_minor_units, minor_units
from recaudo.payments.terms import PlanQuote, plan_quote
from recaudo.policies.rendering import format_date, format_money, locale_for
from recaudo.portfolio.models import Debtor


def menu_for(
    debtor: Debtor, facts: bot.Facts, today: date, now: datetime
) -> tuple[Menu, OfferRecord | None]:
    """What the debtor's segment allows now, formatted, and the offer to remember (None: none)."""
    quote = plan_quote(debtor)
    locale = locale_for(facts.language, debtor.country)

    def money(amount: Decimal) -> str:
        return format_money(amount, quote.currency, locale)

    active = None
    if quote.has_active_plan:
        upcoming = _next_instalment(debtor)
        if upcoming is not None:
            active = ActivePlan(
                amount=format_money(upcoming.amount, upcoming.plan.currency, locale),
                when=_when(upcoming.due_on, facts, locale, today),
                link=instalment_url(live_link(debtor.pk), upcoming.number),
            )
    options = []
    for number, choice in enumerate(quote.choices, start=1):
        monthly = [item for item in choice.schedule if item.number >= 1]
        first, last = monthly[0].amount, monthly[-1].amount
        options.append(
            MenuOption(
                number=number,
                count=choice.count,
                instalment=money(first),
                last=money(last) if last != first else "",
            )
        )
    down = _down_payment(quote)
    menu = Menu(
        total=money(quote.total),
        down_payment=money(down) if down else "",
        options=tuple(options),
        active_plan=active,
        discount_minimum=money(quote.settlement_minimum) if quote.settlement_minimum else "",
        extension_days=quote.max_extension_days,
    )
    record = (
        new_record(
            currency=quote.currency,
            total=_exact(quote.total, quote.currency),
            down_payment=_exact(down, quote.currency),
            counts=tuple(choice.count for choice in quote.choices),
            now=now,
        )
        if options
        else None
    )
    return menu, record


def answer_pick(
    thread: Thread,
    debtor: Debtor,
    offer: OfferRecord,
    choice: Choice,
    facts: bot.Facts,
    today: date,
    now: datetime,
) -> bot.Reply:
    """Agree the plan the debtor picked, or say why not. Updates ``thread.plan_offer`` (unsaved)."""
    menu, current = menu_for(debtor, facts, today, now)
    verdict, count = judge_pick(
        offer,
        current,
        choice,
        now,
        owes=bool(facts.balance),
        has_active_plan=menu.active_plan is not None,
    )
    if verdict != "agree":
        if verdict in ("expired", "changed"):
            thread.plan_offer = current.as_json() if current else None
        elif verdict != "invalid":
            thread.plan_offer = None
        return bot.pick_reply(verdict, replace(facts, menu=menu), menu)
    assert count is not None
    link = live_link(debtor.pk)
    try:
        with transaction.atomic():
            plan = agree_plan(link, down_payment=offer.down_payment, count=count, source="bot")
            if (plan.currency, plan.total) != (offer.currency, offer.total):
                # A payment slipped in between: the schedule would not be the one listed.
                raise AgreementError(_("El saldo cambió mientras respondía."))
    except AgreementError as error:
        thread.plan_offer = None
        return bot.plan_refused(facts, str(error))
    thread.plan_offer = None
    first = plan.instalments.order_by("number").first()
    assert first is not None
    locale = locale_for(facts.language, debtor.country)
    return bot.Reply(
        bot.plan_agreed(
            facts,
            count=count,
            amount=format_money(first.amount, plan.currency, locale),
            when=_when(first.due_on, facts, locale, today),
            link=instalment_url(link, first.number),
        )
    )


def _down_payment(quote: PlanQuote) -> Decimal:
    """The down payment every listed plan shares (the segment's minimum); 0 when none."""
    if not quote.choices:
        return Decimal(0)
    return sum((item.amount for item in quote.choices[0].schedule if item.number == 0), Decimal(0))


def _exact(amount: Decimal, currency: str) -> Decimal:
    """``amount`` with the currency's decimals ("200000.50", not the column's "200000.5000")."""
    return from_minor_units(minor_units(amount, currency), currency)


def _next_instalment(debtor: Debtor) -> Instalment | None:
    return (
        Instalment.objects.filter(
            plan__debtor=debtor,
            plan__status=InstalmentPlan.Status.ACTIVE,
            status=Instalment.Status.PENDING,
        )
        .select_related("plan")
        .order_by("due_on", "number")
        .first()
    )


def _when(day: date, facts: bot.Facts, locale: str, today: date) -> str:
    if day == today:
        return bot.say("due_today", facts)
    return bot.say("due_on", facts, date=format_date(day, locale, today))
