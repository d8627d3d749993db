"""The answers a debtor can tap on WhatsApp instead of typing, and what a tap means.

Inside the 24-hour window (the debtor just wrote) the bot's answer on
WhatsApp carries reply buttons, "Pagar", "Hablar con un asesor", "Ya pagué",
or, when it lists payment plans, those plans as a list (one row per plan).
A tap comes back as our own id (``Event.choice``: a button's or row's id, or
a template quick reply's payload) and is understood directly, without the
NLU: ``pay`` is a request for the payment link, ``agent`` for a person,
``paid`` opens the "ya pagué" report, ``plan:<instalments>`` picks that plan
of the offer (``offers.REPLY_ID``). The shipped statement template's quick
replies carry the same ids (``policies.default_templates``).

Other channels get the same text alone, which says the same in words; the
thread stores what the debtor saw (``shown_text``). Plain rules, no database.
Meta's limits (docs/channels.md): at most 3 buttons of 20 characters; a list
button of 20, at most 10 rows, a row title of 24 and a description of 72; a
body of at most 1,024 characters, beyond which the answer goes as plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from recaudo.conversations import bot
from recaudo.conversations.offers import REPLY_ID, Menu
from recaudo.outreach.contract import Choice

PAY, AGENT, PAID = "pay", "agent", "paid"
# What each button's id means, as an NLU intent the dialog rules already answer.
INTENTS = {PAY: "payment_link", AGENT: "human", PAID: "already_paid"}
PLAN_INTENT = "payment_plan"
# The same three answers as chips under an RCS message: what a tapped chip sends
# back (``postbackData``). "Pagar" also opens the payment link.
POSTBACK_PAY, POSTBACK_AGENT, POSTBACK_PAID = (f"recaudo:{key}" for key in (PAY, AGENT, PAID))

BODY_MAX = 1024
BUTTON_TITLE_MAX = 20
LIST_BUTTON_MAX = 20
ROWS_MAX = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72

# Answers that wait for typed words (a date, which debt) or end the bot's turn.
NO_BUTTONS = ("ask_date", "handoff", "invalidate_point", "dispute", "report_paid")


@dataclass(frozen=True)
class Offered:
    """The choices going with one answer: reply buttons, or a list when ``label`` is set."""

    choices: tuple[Choice, ...]
    label: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "options": [[c.id, c.title, c.description] for c in self.choices],
        }

    @classmethod
    def from_json(cls, data: Any) -> Offered | None:
        if not isinstance(data, dict) or not isinstance(data.get("options"), list):
            return None
        choices = tuple(
            Choice(str(item[0]), str(item[1]), str(item[2]) if len(item) > 2 else "")
            for item in data["options"]
            if isinstance(item, list) and len(item) >= 2
        )
        return cls(choices, str(data.get("label") or "")) if choices else None


def understood(choice_id: str) -> tuple[str, dict[str, str]] | None:
    """The intent and slots a tapped id means; None for an id that is not ours."""
    if choice_id in INTENTS:
        return INTENTS[choice_id], {}
    plan = REPLY_ID.match(choice_id)
    if plan:
        return PLAN_INTENT, {"plan_instalments": plan.group(1)}
    return None


def postback_intent(postback_data: str) -> str | None:
    """The intent a tapped RCS chip means, by its postbackData; None for one not ours.

    A tap is not words to guess at: "Pagar" answers with the link, "Hablar con
    un asesor" hands over to a person, "Ya pagué" reports a payment made, the
    same as a tapped WhatsApp button (``understood``).
    """
    prefix, _, key = postback_data.strip().partition(":")
    return INTENTS.get(key) if prefix == "recaudo" else None


def offered(
    reply: bot.Reply,
    facts: bot.Facts,
    menu: Menu | None,
    *,
    handed_off: bool,
    asking: bool,
) -> Offered | None:
    """What to offer with ``reply``, or None (plain text).

    ``handed_off``: a person takes the thread now; ``asking``: the answer asks
    a question the debtor must answer in words (which debt they paid).
    """
    if not reply.text or len(reply.text) > BODY_MAX or handed_off or asking:
        return None
    if reply.action == "offer_plans" and menu is not None and menu.options:
        rows = tuple(
            _row(option.count, option.instalment, option.last, facts) for option in menu.options
        )
        label = _cut(bot.say("choice_plans", facts), LIST_BUTTON_MAX)
        return Offered(rows[:ROWS_MAX], label)
    if not facts.balance or reply.action in NO_BUTTONS:
        return None
    return Offered(
        tuple(
            Choice(choice_id, _cut(bot.say(f"choice_{choice_id}", facts), BUTTON_TITLE_MAX))
            for choice_id in (PAY, AGENT, PAID)
        )
    )


def shown_text(body: str, choices: Offered | None) -> str:
    """The answer as the debtor's phone shows it: the text, then the buttons or the list."""
    if choices is None:
        return body
    titles = [choice.title for choice in choices.choices]
    if choices.label:
        return f"{body}\n[{choices.label}] " + " · ".join(titles)
    return body + "\n" + " ".join(f"[{title}]" for title in titles)


def _row(count: int, amount: str, last: str, facts: bot.Facts) -> Choice:
    key = "choice_plan_one" if count == 1 else "choice_plan_many"
    description = bot.say("choice_plan_amount", facts, amount=amount)
    if last:
        description += bot.say("option_last", facts, amount=last)
    return Choice(
        f"plan:{count}",
        _cut(bot.say(key, facts, count=count), ROW_TITLE_MAX),
        _cut(description, ROW_DESCRIPTION_MAX),
    )


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"
