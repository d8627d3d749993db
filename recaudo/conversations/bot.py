"""The bot's dialog rules: what to answer and what to do, from plain data.

``decide(intent, slots, facts)`` returns a ``Reply``: the text to send (in
the debtor's language) and one action for ``inbound.py`` to carry out
(record a promise, remember a plan offer, hand over to a person, mark the
contact point invalid). No database here; ``facts`` carries the debtor's
real figures, formatted, the plans their segment allows (``offers.Menu``)
and the register their reminders use (tú / usted).

The texts are in ``bot_texts.py`` (Spanish in both registers, Portuguese,
English).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from recaudo.conversations.bot_texts import text
from recaudo.conversations.offers import Menu, MenuOption, RequestKind, Verdict
from recaudo.languages import down_payment_phrase

Action = Literal[
    "none",
    "promise",
    "ask_date",
    "handoff",
    "invalidate_point",
    "dispute",
    "offer_plans",
    "report_paid",
    "cancel_debit",
]

# Words that turn a direct-debit message into cancelling it ("cancelar domiciliación").
DEBIT_CANCEL_WORDS = (
    "cancel",
    "desactiv",
    "quitar",
    "quita",
    "dar de baja",
    "suspend",
    "anular",
    "parar",
    "detener",
    "desativ",
    "stop",
    "turn off",
    "ya no quiero",
    "no quiero",
    "não quero",
    "nao quero",
    "don't want",
    "dont want",
)

# When a person answers by default (a creditor without shifts of its own),
# in the team's local time: Monday first.
DEFAULT_AGENT_WEEK: tuple[tuple[time, time] | None, ...] = (
    (time(8), time(18)),
    (time(8), time(18)),
    (time(8), time(18)),
    (time(8), time(18)),
    (time(8), time(18)),
    (time(9), time(13)),
    None,
)


@dataclass(frozen=True)
class AgentHours:
    """When a creditor's team answers: its week (Monday first), its zone, its holidays."""

    week: tuple[tuple[time, time] | None, ...]
    timezone: str
    holidays: frozenset[date] = frozenset()  # the team's days off (its country's holidays)


@dataclass(frozen=True)
class Facts:
    language: str  # "es", "pt" or "en"
    name: str
    brand: str
    balance: str  # formatted total owed; "" when nothing is owed
    next_due: str  # formatted nearest due date of what is owed; "" when none
    overdue: bool
    link: str
    misunderstood_in_row: int  # "other" answers just before this one
    agent_wait: str  # "" inside agent hours, else when a person answers ("el lunes a las 8:00")
    register: str = "usted"  # "tu" or "usted": as the debtor's reminders (policy.register)
    menu: Menu | None = None  # the plans the segment allows; None: not looked up (portal link)
    country: str = ""  # ISO 3166 code: names the down payment as the country does
    # The balance split by due date: what is already overdue and what falls due later.
    overdue_balance: str = ""
    upcoming_balance: str = ""
    # The next payment ahead: the amount falling due on ``upcoming_due`` (on a plan:
    # its next pending instalment and that instalment's date).
    next_payment: str = ""
    upcoming_due: str = ""
    on_plan: bool = False
    # Direct debit (payments.debit): the enrolment link when the plan can be charged
    # automatically ("" otherwise), and whether a saved method is charged now.
    debit_link: str = ""
    debit_active: bool = False


@dataclass(frozen=True)
class Reply:
    text: str
    action: Action = "none"
    handoff_reason: str = ""
    slots: dict[str, str] = field(default_factory=dict)


def say(key: str, facts: Facts, **values: object) -> str:
    """``key``'s text for this debtor: their language and register."""
    return text(key, facts.language, facts.register, **values)


def _handoff(body: str, facts: Facts, reason: str) -> Reply:
    if facts.agent_wait:
        body = f"{body} {say('human_later', facts, when=facts.agent_wait)}".strip()
    elif reason == "human":
        body = say("human", facts)
    return Reply(body, "handoff", reason)


def decide(
    intent: str, slots: dict[str, str], facts: Facts, request: RequestKind = "instalments"
) -> Reply:
    """The answer to one message. ``request``: what a plan request asks for (``offers``)."""
    values = {"name": facts.name, "brand": facts.brand, "link": facts.link}
    owed = bool(facts.balance)
    if intent in ("balance", "payment_link", "how_to_pay", "due_date") and not owed:
        return Reply(say("nothing_owed", facts, **values))
    if intent == "greeting":
        return Reply(say("greeting", facts, **values))
    if intent == "thanks":
        return Reply(say("thanks", facts, **values))
    if intent == "balance":
        return Reply(balance_answer(facts, values))
    if intent in ("how_to_pay", "payment_link"):
        return Reply(say("how_to_pay", facts, **values))
    if intent == "due_date":
        if facts.on_plan or facts.overdue_balance or facts.overdue:
            return Reply(balance_answer(facts, values))
        amount = facts.next_payment or facts.balance
        return Reply(say("due_date", facts, date=facts.next_due, balance=amount, **values))
    if intent == "promise_to_pay":
        if not owed:
            return Reply(say("nothing_owed", facts, **values))
        if slots.get("date"):
            return Reply("", "promise", slots=dict(slots))
        return Reply(say("ask_date", facts), "ask_date")
    if intent in ("payment_plan", "hardship"):
        return _plan_request(intent, request, facts)
    if intent == "already_paid":
        # Which debts it pays, the pause and the handover: conversations.debt_reports.
        handoff = _handoff(say("already_paid", facts), facts, "already_paid")
        return Reply(handoff.text, "report_paid", "already_paid")
    if intent == "dispute":
        return Reply(_handoff(say("dispute", facts), facts, "dispute").text, "dispute", "dispute")
    if intent == "direct_debit":
        return _direct_debit(slots, facts, values)
    if intent == "wrong_person":
        return Reply(say("wrong_person", facts), "invalidate_point")
    if intent == "human":
        return _handoff("", facts, "human")
    if intent == "opt_out":
        return Reply(say("opt_out", facts))
    # "other", or anything the bot has no rule for.
    if facts.misunderstood_in_row >= 1:
        return _handoff(say("human", facts), facts, "not_understood")
    return Reply(say("rephrase", facts))


def cancels_debit(text: str) -> bool:
    """Does a direct-debit message ask to stop it ("cancelar domiciliación", "desativar")?"""
    folded = text.lower()
    return any(word in folded for word in DEBIT_CANCEL_WORDS)


def _direct_debit(slots: dict[str, str], facts: Facts, values: dict[str, str]) -> Reply:
    if slots.get("debit") == "cancel":
        if facts.debit_active:
            return Reply(say("debit_cancelled", facts, **values), "cancel_debit")
        return Reply(say("debit_none", facts, **values))
    if facts.debit_active:
        return Reply(say("debit_active", facts, **values))
    if facts.debit_link:
        return Reply(say("debit_enrol", facts, **{**values, "link": facts.debit_link}))
    if facts.balance and not facts.on_plan and facts.link:
        return Reply(say("debit_needs_plan", facts, **values))
    return _handoff(say("direct_debit", facts), facts, "other")


def balance_answer(facts: Facts, values: dict[str, str]) -> str:
    """The balance ("tu saldo") is everything owed; overdue and later amounts are told apart.

    One instalment of a larger balance is named as the next payment, never as the balance.
    """
    if facts.on_plan and facts.next_payment:
        return say(
            "balance_plan",
            facts,
            balance=facts.balance,
            amount=facts.next_payment,
            date=facts.upcoming_due,
            **values,
        )
    if facts.overdue_balance and facts.upcoming_balance:
        return say(
            "balance_split",
            facts,
            balance=facts.balance,
            overdue=facts.overdue_balance,
            upcoming=facts.upcoming_balance,
            date=facts.upcoming_due,
            **values,
        )
    if facts.overdue_balance:
        return say("balance_overdue", facts, balance=facts.balance, date=facts.next_due, **values)
    if facts.next_payment and facts.next_payment != facts.balance and facts.upcoming_due:
        return say(
            "balance_upcoming",
            facts,
            balance=facts.balance,
            amount=facts.next_payment,
            date=facts.upcoming_due,
            **values,
        )
    due = say("due", facts, date=facts.next_due) if facts.next_due else ""
    return say("balance", facts, balance=facts.balance, due=due, **values)


def _plan_request(intent: str, request: RequestKind, facts: Facts) -> Reply:
    """Instalments, a discount or more time: what the debtor's segment allows, in the chat.

    Hardship first gets the empathetic words. The plans are listed with their
    amounts and the debtor answers with a number; a discount or a new date
    within the segment's limits is taken on the portal (where beyond them it
    goes to a supervisor), so the answer gives the link.
    """
    values = {"name": facts.name, "brand": facts.brand, "link": facts.link}
    if not facts.balance:
        return Reply(say("nothing_owed", facts, **values))
    menu = facts.menu
    if menu is None:
        return Reply(say("hardship" if intent == "hardship" else "plan", facts, **values))
    lead = say("hardship_lead" if intent == "hardship" else "plan_lead", facts, **values)
    if menu.active_plan is not None:
        active = menu.active_plan
        body = say("plan_active", facts, amount=active.amount, when=active.when, link=active.link)
        return Reply(f"{lead} {body}")
    parts = [lead]
    if request == "discount":
        if menu.discount_minimum:
            parts.append(
                say("discount_ok", facts, minimum=menu.discount_minimum, total=menu.total, **values)
            )
        else:
            parts.append(say("discount_review", facts, **values))
    elif request == "extension":
        if menu.extension_days:
            parts.append(say("extension_ok", facts, days=menu.extension_days, **values))
        else:
            parts.append(say("extension_review", facts, **values))
    if menu.options:
        if request == "instalments":
            return Reply(offer_text(menu, facts, lead=" ".join(parts)), "offer_plans")
        parts.append(say("plans_also", facts))
        return Reply(" ".join(parts) + "\n\n" + offer_text(menu, facts), "offer_plans")
    if request != "instalments":
        return Reply(" ".join(parts))
    return _handoff(" ".join([*parts, say("plans_none", facts)]), facts, "other")


def offer_text(menu: Menu, facts: Facts, lead: str = "") -> str:
    """The listed plans: a heading with the total and down payment, one line each, how to pick."""
    if menu.down_payment:
        heading = say(
            "offer_with_down",
            facts,
            total=menu.total,
            down=menu.down_payment,
            # "un pie" in Chile, "un enganche" in Mexico (docs/languages.md).
            down_name=down_payment_phrase(facts.language, facts.country),
        )
    else:
        heading = say("offer_without_down", facts, total=menu.total)
    lines = [option_line(option, facts) for option in menu.options]
    first = f"{lead} {heading}" if lead else heading
    return "\n".join([first, *lines, say("offer_pick", facts)])


def option_line(option: MenuOption, facts: Facts) -> str:
    key = "option_one" if option.count == 1 else "option_many"
    line = say(key, facts, number=option.number, count=option.count, amount=option.instalment)
    if option.last:
        line += say("option_last", facts, amount=option.last)
    return line


def pick_reply(verdict: Verdict, facts: Facts, menu: Menu) -> Reply:
    """The answer to a pick that did not agree a plan (``offers.judge_pick``'s verdict)."""
    values = {"name": facts.name, "brand": facts.brand, "link": facts.link}
    if verdict == "active_plan" and menu.active_plan is not None:
        active = menu.active_plan
        return Reply(
            say("plan_active", facts, amount=active.amount, when=active.when, link=active.link)
        )
    if verdict in ("nothing_owed", "active_plan"):
        return Reply(say("plan_not_needed", facts, **values))
    if verdict == "no_plans":
        return _handoff(say("plans_none", facts), facts, "other")
    if verdict == "invalid":
        lines = [option_line(option, facts) for option in menu.options]
        asked = say("choice_invalid", facts, last=len(menu.options))
        return Reply("\n".join([asked, *lines, say("offer_pick", facts)]))
    lead = say("offer_expired" if verdict == "expired" else "offer_changed", facts)
    return Reply(offer_text(menu, facts, lead), "offer_plans")


def plan_refused(facts: Facts, error: str) -> Reply:
    return _handoff(say("plan_refused", facts, error=error), facts, "other")


def plan_agreed(facts: Facts, *, count: int, amount: str, when: str, link: str) -> str:
    instalments = (
        say("instalments_one", facts) if count == 1 else say("instalments_many", facts, count=count)
    )
    return say(
        "plan_agreed",
        facts,
        name=facts.name,
        instalments=instalments,
        amount=amount,
        when=when,
        link=link,
    )


def promise_confirmation(facts: Facts, *, amount: str, day: str) -> str:
    return say("promise_ok", facts, name=facts.name, amount=amount, date=day, link=facts.link)


def promise_refused(facts: Facts, error: str) -> str:
    return say("promise_refused", facts, error=error)


def next_agent_time(now: datetime, hours: AgentHours) -> datetime | None:
    """None when a person answers now; else the start of the team's next shift.

    ``now`` is aware; the answer is in the team's zone (show it in the
    debtor's). Days off (holidays) are skipped; a fortnight is searched.
    """
    team = ZoneInfo(hours.timezone)
    local_now = now.astimezone(team)
    for days_ahead in range(0, 15):
        day = local_now.date() + timedelta(days=days_ahead)
        shift = hours.week[day.weekday()]
        if shift is None or day in hours.holidays:
            continue
        start = datetime.combine(day, shift[0], tzinfo=team)
        end = datetime.combine(day, shift[1], tzinfo=team)
        if days_ahead == 0 and start <= local_now < end:
            return None
        if start > local_now:
            return start
    return None
