"""A debtor who says "ya pagué" or disputes in the chat: which debts, the pause, the receipt.

The bot reports each debt the debtor names (``payments.reports.report_debts``:
reminders on it pause until staff review it or the pause ends). With one
debt owed it is that one; with several, the message must name them (an
invoice number, "todas", "las dos") or the bot asks which, listing them, and
reads the answer ("1", "la segunda", "las dos") on the next message. A receipt
the debtor sends (an image or PDF, downloaded by the webhook layer and kept
on the message) joins the "already paid" reports waiting for one.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from django.utils import timezone

from recaudo.conversations import bot
from recaudo.conversations.models import Message, Thread
from recaudo.payments.models import DebtorReport
from recaudo.payments.reports import attach_receipt, report_debts
from recaudo.payments.rules import AgreementError
from recaudo.payments.terms import collectible_debts
from recaudo.policies.rendering import format_date, format_money, locale_for
from recaudo.portfolio.models import Debt, Debtor

ALL_PHRASES = (
    "todas",
    "todos",
    "ambas",
    "ambos",
    "las dos",
    "los dos",
    "las tres",
    "los tres",
    "as duas",
    "os dois",
    "all",
    "both",
)
ORDINALS = {
    "primera": 1,
    "primero": 1,
    "segunda": 2,
    "segundo": 2,
    "tercera": 3,
    "tercero": 3,
    "cuarta": 4,
    "cuarto": 4,
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
}
# A receipt sent within this time joins a report made after it (the debtor sent
# the photo, then said which debt it pays).
RECEIPT_WINDOW = timedelta(days=1)


def handle(
    thread: Thread,
    debtor: Debtor,
    kind: str,
    text: str,
    facts: bot.Facts,
    today: date,
    *,
    answering: bool = False,
) -> tuple[str, bool]:
    """Report the debts the message names, or ask which; (answer, hand over to a person)."""
    debts = collectible_debts(debtor)
    said = text  # what this message says: the answer when a question was asked
    question = thread.report_question if answering else None
    if question:
        order = {pk: position for position, pk in enumerate(question.get("debts", []))}
        debts = sorted((d for d in debts if d.pk in order), key=lambda d: order[d.pk])
        kind = str(question.get("kind", kind))
        text = str(question.get("reason", "")) + (f" / {text}" if text else "")
    if not debts:
        thread.report_question = None
        return bot.say("nothing_owed", facts, brand=facts.brand), False
    chosen = debts if len(debts) == 1 else picked(debts, said)
    if not chosen:
        thread.report_question = {
            "kind": kind,
            "reason": text[:500],
            "debts": [debt.pk for debt in debts],
        }
        return bot.say("report_which", facts, options=_options(debts, debtor, facts)), False
    try:
        reports = report_debts(
            debtor,
            [debt.pk for debt in chosen],
            kind=kind,
            reason=text or kind,
            source="bot",
            today=today,
        )
    except AgreementError:
        thread.report_question = None
        return bot.say("human", facts), True
    thread.report_question = None
    if kind == DebtorReport.Kind.ALREADY_PAID:
        _attach_recent_receipt(thread, debtor)
    locale = locale_for(facts.language, debtor.country)
    until = max((report.pause_until for report in reports if report.pause_until), default=today)
    key = "report_paid_ok" if kind == DebtorReport.Kind.ALREADY_PAID else "report_dispute_ok"
    answer = bot.say(
        key,
        facts,
        debts=_labels(chosen, debtor, facts),
        date=format_date(until, locale, today),
    )
    return answer, True


def answers_question(thread: Thread, text: str) -> bool:
    """Whether the message picks debts from the list the bot asked about."""
    question = thread.report_question or {}
    listed = {pk for pk in question.get("debts", []) if isinstance(pk, int)}
    debts = [d for d in collectible_debts(thread.debtor) if d.pk in listed]
    order = {pk: position for position, pk in enumerate(question.get("debts", []))}
    debts.sort(key=lambda d: order[d.pk])
    return bool(picked(debts, text))


def picked(debts: list[Debt], text: str) -> list[Debt]:
    """The debts a message names: all of them, by invoice or id, or by their number in a list."""
    plain = _plain(text)
    words = set(re.findall(r"[a-z0-9][a-z0-9/_-]*", plain))
    if any(re.search(rf"\b{phrase}\b", plain) for phrase in ALL_PHRASES):
        return debts
    named = [
        debt
        for debt in debts
        if (debt.invoice_number and debt.invoice_number.lower() in words)
        or debt.external_id.lower() in words
    ]
    if named:
        return named
    numbers = {int(word) for word in words if word.isdigit() and len(word) <= 2}
    numbers |= {ORDINALS[word] for word in words if word in ORDINALS}
    return [debt for position, debt in enumerate(debts, 1) if position in numbers]


def receipt_arrived(message: Message, content: bytes, media_type: str) -> int:
    """Keep a downloaded receipt on its message and give it to reports waiting for one."""
    message.media = content
    message.media_type = media_type
    message.save(update_fields=["media", "media_type"])
    debtor = message.thread.debtor
    return len(attach_receipt(debtor, content))


def _attach_recent_receipt(thread: Thread, debtor: Debtor) -> None:
    since = timezone.now() - RECEIPT_WINDOW
    recent = (
        thread.messages.filter(
            direction=Message.Direction.IN, media__isnull=False, occurred_at__gte=since
        )
        .order_by("-occurred_at", "-pk")
        .first()
    )
    if recent is not None and recent.media:
        attach_receipt(debtor, bytes(recent.media))


def _label(debt: Debt, debtor: Debtor, facts: bot.Facts) -> str:
    locale = locale_for(facts.language, debtor.country)
    name = debt.description or (f"{debt.invoice_number}" if debt.invoice_number else "")
    amount = format_money(debt.balance, debt.currency, locale)
    return f"{name} ({amount})" if name else amount


def _labels(debts: list[Debt], debtor: Debtor, facts: bot.Facts) -> str:
    labels = [_label(debt, debtor, facts) for debt in debts]
    joiner = {"pt": " e ", "en": " and "}.get(facts.language, " y ")
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + joiner + labels[-1]


def _options(debts: list[Debt], debtor: Debtor, facts: bot.Facts) -> str:
    return "\n".join(
        f"{position}) {_label(debt, debtor, facts)}" for position, debt in enumerate(debts, 1)
    )


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
