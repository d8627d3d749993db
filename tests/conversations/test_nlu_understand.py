"""`understand()`: opt-outs always caught, a sample of intents, slots, confidence."""

from __future__ import annotations

from datetime import date

import pytest

from recaudo.conversations.nlu import INTENTS, Understanding, understand
from recaudo.outreach.optouts import opt_out_scope

TODAY = date(2026, 11, 22)

OPT_OUTS = [
    # Spanish
    "STOP",
    "BAJA",
    "baja por favor",
    "no me escriban más",
    "No me escriban mas!!",
    "no me escriban nunca mas",
    "dejen de llamarme",
    "dejen de mandarme mensajes",
    "deja de escribirme",
    "no me llamen más",
    "ya no me manden msjs",
    "no vuelvan a escribirme",
    "no quiero recibir más mensajes",
    "no quiero que me contacten",
    "quiero darme de baja",
    "denme de baja de sus listas",
    "sáquenme de su lista",
    "borren mi número",
    "eliminen mis datos de su base",
    "basta de mensajes",
    "paren de escribirme",
    "no me molesten más",
    "déjenme en paz",
    "no autorizo que me contacten",
    "no me sigan llamando",
    "desuscribirme",
    # Portuguese
    "não quero mais mensagens",
    "nao quero mais receber nada",
    "parem de me mandar mensagem",
    "pare de me ligar",
    "não me liguem mais",
    "me tira da lista",
    "descadastrar",
    "sair",
    "PARAR",
    # English
    "stop",
    "Stop texting me",
    "unsubscribe",
    "please stop calling me",
    "don't call me again",
    "do not text me",
    "remove me from your list",
    "take me off your list",
    "opt out",
    "no more messages",
    "leave me alone",
    "END",
]


@pytest.mark.parametrize("text", OPT_OUTS)
def test_opt_out_phrases_in_spanish_portuguese_and_english_are_always_opt_out(text):
    result = understand(text, TODAY)
    assert result.intent == "opt_out"
    assert result.confidence == 1.0


@pytest.mark.parametrize(
    "text",
    [
        "por que no me llaman?",
        "el monto es muy alto",
        "me pueden bajar la cuota?",
        "pago para el viernes",
        "quiero cancelar la deuda",
        "me cobran un servicio que di de baja",
    ],
)
def test_the_opt_out_rules_leave_ordinary_words_near_their_vocabulary_alone(text):
    assert opt_out_scope(text) is None


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hola buenas tardes", "greeting"),
        ("muchas gracias!", "thanks"),
        ("cuánto debo", "balance"),
        ("cuanta lana les debo?", "balance"),
        ("quanto eu devo?", "balance"),
        ("how much do I owe?", "balance"),
        ("como puedo pagar? aceptan transferencia?", "how_to_pay"),
        ("mándame el link de pago porfa", "payment_link"),
        ("me manda o link de pagamento", "payment_link"),
        ("send me the payment link", "payment_link"),
        ("te pago el viernes", "promise_to_pay"),
        ("puedo pagar en cuotas?", "payment_plan"),
        ("ya pagué ayer, les mando el comprobante", "already_paid"),
        ("esa deuda no es mía, nunca saqué ese crédito", "dispute"),
        ("cuándo vence mi cuota?", "due_date"),
        ("quiero activar el débito automático", "direct_debit"),
        ("quiero hablar con alguien", "human"),
        ("quero falar com um atendente", "human"),
        ("I want to talk to a person", "human"),
        ("número equivocado, no conozco a esa persona", "wrong_person"),
        ("me quedé sin trabajo y no tengo plata", "hardship"),
    ],
)
def test_a_sample_of_messages_gets_its_intent(text, intent):
    assert understand(text, TODAY).intent == intent


def test_a_promise_carries_its_date_and_amount():
    assert understand("te pago el viernes 500", TODAY) == Understanding(
        intent="promise_to_pay",
        confidence=understand("te pago el viernes 500", TODAY).confidence,
        slots={"date": "2026-11-27", "amount": "500"},
        language="es",
    )


def test_slots_are_absent_when_the_message_names_none():
    assert understand("cuanto debo", TODAY).slots == {}


def test_confidence_is_a_probability_and_every_intent_is_known():
    for text in ["hola", "asdfgh qwerty", "te pago mañana", "🤔", "STOP"]:
        result = understand(text, TODAY)
        assert 0.0 <= result.confidence <= 1.0
        assert result.intent in INTENTS


def test_an_empty_message_is_other_with_no_confidence():
    assert understand("   ", TODAY) == Understanding("other", 0.0, {}, "es")


def test_the_language_is_guessed_or_taken_from_the_caller():
    assert understand("quanto devo?", TODAY).language == "pt"
    assert understand("how much do i owe", TODAY).language == "en"
    assert understand("cuanto debo", TODAY).language == "es"
    assert understand("12/10", TODAY, language="en").slots["date"] == "2026-12-10"
    assert understand("12/10", TODAY, language="es").slots["date"] == "2027-10-12"
