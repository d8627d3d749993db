"""The bot's dialog rules: what to answer and what to do, from plain data.

``decide(intent, slots, facts)`` returns a ``Reply``: the text to send (in
the debtor's language) and one action for ``inbound.py`` to carry out
(record a promise, hand over to a person, mark the contact point invalid).
No database here; ``facts`` carries the debtor's real figures, formatted.

The texts live in this module as plain per-language tables (Spanish is the
source; Portuguese and English for debtors in Brazil and the US) rather
than in the shared gettext catalogue, which has no Portuguese.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Literal

Action = Literal["none", "promise", "ask_date", "handoff", "invalidate_point", "dispute"]

# When a person answers, in the debtor's local time: Monday first.
AGENT_HOURS: tuple[tuple[time, time] | None, ...] = (
    (time(8), time(18)),
    (time(8), time(18)),
    (time(8), time(18)),
    (time(8), time(18)),
    (time(8), time(18)),
    (time(9), time(13)),
    None,
)

TEXTS: dict[str, dict[str, str]] = {
    "greeting": {
        "es": "¡Hola, {name}! Soy el asistente de {brand}. Puedo decirle su saldo, "
        "enviarle el enlace de pago o anotar la fecha en que va a pagar.",
        "pt": "Olá, {name}! Sou o assistente da {brand}. Posso informar seu saldo, "
        "enviar o link de pagamento ou anotar a data em que vai pagar.",
        "en": "Hi {name}! I'm {brand}'s assistant. I can tell you your balance, "
        "send the payment link or note the day you will pay.",
    },
    "thanks": {
        "es": "¡Con gusto, {name}! Aquí estamos para lo que necesite.",
        "pt": "Por nada, {name}! Estamos aqui para o que precisar.",
        "en": "You're welcome, {name}! We're here if you need anything.",
    },
    "balance": {
        "es": "Su saldo pendiente es {balance}{due}. Puede pagar aquí: {link}",
        "pt": "Seu saldo em aberto é {balance}{due}. Pague aqui: {link}",
        "en": "Your outstanding balance is {balance}{due}. You can pay here: {link}",
    },
    "due": {
        "es": ", con vencimiento el {date}",
        "pt": ", com vencimento em {date}",
        "en": ", due {date}",
    },
    "nothing_owed": {
        "es": "No tiene saldo pendiente con {brand}. ¡Gracias!",
        "pt": "Você não tem saldo em aberto com a {brand}. Obrigado!",
        "en": "You have no outstanding balance with {brand}. Thank you!",
    },
    "how_to_pay": {
        "es": "Puede pagar en línea, con tarjeta o transferencia, en este enlace: {link}",
        "pt": "Você pode pagar online, com cartão ou transferência, neste link: {link}",
        "en": "You can pay online, by card or bank transfer, at this link: {link}",
    },
    "due_date": {
        "es": "Su próximo vencimiento es el {date}, por {balance}.",
        "pt": "Seu próximo vencimento é em {date}, no valor de {balance}.",
        "en": "Your next due date is {date}, for {balance}.",
    },
    "overdue": {
        "es": "Su cuenta venció el {date}; el saldo es {balance}. Puede pagar aquí: {link}",
        "pt": "Sua conta venceu em {date}; o saldo é {balance}. Pague aqui: {link}",
        "en": "Your account was due {date}; the balance is {balance}. Pay here: {link}",
    },
    "ask_date": {
        "es": "¡Gracias! ¿Qué día podría pagar? Por ejemplo: «el viernes» o «el 15».",
        "pt": "Obrigado! Em que dia você pode pagar? Por exemplo: «sexta» ou «dia 15».",
        "en": 'Thank you! Which day can you pay? For example: "Friday" or "the 15th".',
    },
    "promise_ok": {
        "es": "Listo, {name}: anotamos su pago de {amount} para el {date}. "
        "Le recordaremos un día antes. Enlace de pago: {link}",
        "pt": "Pronto, {name}: anotamos seu pagamento de {amount} para {date}. "
        "Vamos lembrar um dia antes. Link de pagamento: {link}",
        "en": "Done, {name}: we noted your payment of {amount} for {date}. "
        "We'll remind you the day before. Payment link: {link}",
    },
    "promise_refused": {
        "es": "No pudimos anotar esa fecha: {error} ¿Qué otro día podría pagar?",
        "pt": "Não conseguimos anotar essa data: {error} Em que outro dia pode pagar?",
        "en": "We couldn't note that date: {error} Which other day could you pay?",
    },
    "plan": {
        "es": "Entendemos, {name}. Queremos ayudarle: en este enlace puede ver las cuotas "
        "y opciones de pago disponibles para usted: {link}",
        "pt": "Entendemos, {name}. Queremos ajudar: neste link você vê as parcelas "
        "e opções de pagamento disponíveis: {link}",
        "en": "We understand, {name}. We want to help: at this link you can see the "
        "instalments and payment options available to you: {link}",
    },
    "hardship": {
        "es": "Lamentamos mucho lo que está pasando, {name}. No se preocupe: podemos buscar "
        "una solución juntos. Aquí puede ver cuotas y opciones a su medida: {link}",
        "pt": "Sentimos muito pelo que está passando, {name}. Podemos encontrar uma solução "
        "juntos. Aqui você vê parcelas e opções: {link}",
        "en": "We're sorry you're going through this, {name}. We can find a solution "
        "together. Here you can see instalments and options: {link}",
    },
    "already_paid": {
        "es": "¡Gracias por avisar! Envíenos por aquí una foto o PDF del comprobante y una "
        "persona lo revisará.",
        "pt": "Obrigado por avisar! Envie por aqui uma foto ou PDF do comprovante e uma "
        "pessoa vai verificar.",
        "en": "Thanks for letting us know! Send a photo or PDF of the receipt here and a "
        "person will check it.",
    },
    "dispute": {
        "es": "Gracias por contarnos. Pausamos los cobros de esa deuda mientras una persona "
        "revisa su caso.",
        "pt": "Obrigado por nos contar. Pausamos as cobranças dessa dívida enquanto uma "
        "pessoa analisa seu caso.",
        "en": "Thanks for telling us. We've paused collection on that debt while a person "
        "reviews your case.",
    },
    "direct_debit": {
        "es": "Para el débito automático, una persona le contactará con los pasos.",
        "pt": "Para o débito automático, uma pessoa vai entrar em contato com os passos.",
        "en": "For automatic payments, a person will contact you with the steps.",
    },
    "wrong_person": {
        "es": "Disculpe la molestia. Dejaremos de escribir a este número.",
        "pt": "Desculpe o incômodo. Vamos deixar de escrever para este número.",
        "en": "Sorry for the trouble. We will stop writing to this number.",
    },
    "human": {
        "es": "Enseguida le atiende una persona.",
        "pt": "Uma pessoa vai atendê-lo em breve.",
        "en": "A person will answer you shortly.",
    },
    "human_later": {
        "es": "Una persona le responderá {when}.",
        "pt": "Uma pessoa vai responder {when}.",
        "en": "A person will answer you {when}.",
    },
    "rephrase": {
        "es": "Disculpe, no le entendí. Puede escribir, por ejemplo: «cuánto debo», "
        "«link de pago», «pago el viernes» o «hablar con una persona».",
        "pt": "Desculpe, não entendi. Você pode escrever, por exemplo: «quanto devo», "
        "«link de pagamento», «pago na sexta» ou «falar com uma pessoa».",
        "en": 'Sorry, I didn\'t understand. You can write, for example: "balance", '
        '"payment link", "I\'ll pay Friday" or "talk to a person".',
    },
    "opt_out": {
        "es": "Listo, no le enviaremos más mensajes por este medio.",
        "pt": "Pronto, não enviaremos mais mensagens por este canal.",
        "en": "Done, you won't receive more messages here.",
    },
}


def text(key: str, language: str, **values: str) -> str:
    table = TEXTS[key]
    return table.get(language, table["es"]).format(**values)


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


@dataclass(frozen=True)
class Reply:
    text: str
    action: Action = "none"
    handoff_reason: str = ""
    slots: dict[str, str] = field(default_factory=dict)


def _handoff(body: str, facts: Facts, reason: str) -> Reply:
    lang = facts.language
    if facts.agent_wait:
        body = f"{body} {text('human_later', lang, when=facts.agent_wait)}".strip()
    elif reason == "human":
        body = text("human", lang)
    return Reply(body, "handoff", reason)


def decide(intent: str, slots: dict[str, str], facts: Facts) -> Reply:
    lang = facts.language
    values = {"name": facts.name, "brand": facts.brand, "link": facts.link}
    owed = bool(facts.balance)
    if intent in ("balance", "payment_link", "how_to_pay", "due_date") and not owed:
        return Reply(text("nothing_owed", lang, **values))
    if intent == "greeting":
        return Reply(text("greeting", lang, **values))
    if intent == "thanks":
        return Reply(text("thanks", lang, **values))
    if intent == "balance":
        due = text("due", lang, date=facts.next_due) if facts.next_due else ""
        return Reply(text("balance", lang, balance=facts.balance, due=due, **values))
    if intent in ("how_to_pay", "payment_link"):
        return Reply(text("how_to_pay", lang, **values))
    if intent == "due_date":
        key = "overdue" if facts.overdue else "due_date"
        return Reply(text(key, lang, date=facts.next_due, balance=facts.balance, **values))
    if intent == "promise_to_pay":
        if not owed:
            return Reply(text("nothing_owed", lang, **values))
        if slots.get("date"):
            return Reply("", "promise", slots=dict(slots))
        return Reply(text("ask_date", lang), "ask_date")
    if intent == "payment_plan":
        return Reply(text("plan", lang, **values))
    if intent == "hardship":
        return Reply(text("hardship", lang, **values))
    if intent == "already_paid":
        return _handoff(text("already_paid", lang), facts, "already_paid")
    if intent == "dispute":
        return Reply(_handoff(text("dispute", lang), facts, "dispute").text, "dispute", "dispute")
    if intent == "direct_debit":
        return _handoff(text("direct_debit", lang), facts, "other")
    if intent == "wrong_person":
        return Reply(text("wrong_person", lang), "invalidate_point")
    if intent == "human":
        return _handoff("", facts, "human")
    if intent == "opt_out":
        return Reply(text("opt_out", lang))
    # "other", or anything the bot has no rule for.
    if facts.misunderstood_in_row >= 1:
        return _handoff(text("human", lang), facts, "not_understood")
    return Reply(text("rephrase", lang))


def promise_confirmation(facts: Facts, *, amount: str, day: str) -> str:
    return text(
        "promise_ok", facts.language, name=facts.name, amount=amount, date=day, link=facts.link
    )


def promise_refused(facts: Facts, error: str) -> str:
    return text("promise_refused", facts.language, error=error)


def next_agent_time(local_now: datetime) -> datetime | None:
    """None when a person answers now; else the local start of the next agent shift."""
    hours = AGENT_HOURS[local_now.weekday()]
    if hours is not None and hours[0] <= local_now.time() < hours[1]:
        return None
    for days_ahead in range(0, 8):
        day = local_now.date() + timedelta(days=days_ahead)
        hours = AGENT_HOURS[day.weekday()]
        if hours is None:
            continue
        start = datetime.combine(day, hours[0], tzinfo=local_now.tzinfo)
        if start > local_now:
            return start
    return None
