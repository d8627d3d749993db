"""The bot's dialog rules, on plain data (no database)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from recaudo.conversations import bot, bot_texts
from recaudo.conversations.bot_texts import TEXTS
from recaudo.conversations.offers import Menu, MenuOption

FACTS = bot.Facts(
    language="es",
    name="Lucía",
    brand="Marca",
    balance="$200.000,50",
    next_due="30 de noviembre",
    overdue=False,
    link="https://pagos.example/p/abc",
    misunderstood_in_row=0,
    agent_wait="",
)
BOGOTA = ZoneInfo("America/Bogota")


def test_the_balance_answer_names_the_amount_the_due_date_and_the_link():
    reply = bot.decide("balance", {}, FACTS)

    assert reply.text == (
        "Su saldo pendiente es $200.000,50, con vencimiento el 30 de noviembre. "
        "Puede pagar aquí: https://pagos.example/p/abc"
    )
    assert reply.action == "none"


def test_a_debtor_who_owes_nothing_is_told_so_instead_of_a_balance():
    reply = bot.decide("balance", {}, replace(FACTS, balance="", next_due="", link=""))

    assert reply.text == "No tiene saldo pendiente con Marca. ¡Gracias!"


def test_a_promise_with_a_date_asks_the_caller_to_record_it():
    reply = bot.decide("promise_to_pay", {"date": "2026-11-27"}, FACTS)

    assert reply.action == "promise"
    assert reply.slots == {"date": "2026-11-27"}


def test_a_promise_without_a_date_asks_which_day():
    reply = bot.decide("promise_to_pay", {}, FACTS)

    assert reply.action == "ask_date"
    assert "¿Qué día podría pagar?" in reply.text


def test_asking_for_a_person_inside_agent_hours_says_a_person_answers_now():
    reply = bot.decide("human", {}, FACTS)

    assert (reply.action, reply.handoff_reason) == ("handoff", "human")
    assert reply.text == "Enseguida le atiende una persona."


def test_asking_for_a_person_outside_agent_hours_says_when():
    reply = bot.decide("human", {}, replace(FACTS, agent_wait="el 23 de noviembre a las 08:00"))

    assert reply.text == "Una persona le responderá el 23 de noviembre a las 08:00."


def test_the_first_message_not_understood_asks_to_rephrase_and_the_second_hands_over():
    first = bot.decide("other", {}, FACTS)
    second = bot.decide("other", {}, replace(FACTS, misunderstood_in_row=1))

    assert first.action == "none"
    assert "no le entendí" in first.text
    assert (second.action, second.handoff_reason) == ("handoff", "not_understood")


def test_a_dispute_pauses_the_debt_and_goes_to_a_person():
    reply = bot.decide("dispute", {}, FACTS)

    assert (reply.action, reply.handoff_reason) == ("dispute", "dispute")


def test_hardship_gets_an_empathetic_answer_with_the_plan_offer():
    reply = bot.decide("hardship", {}, FACTS)

    assert reply.text.startswith("Lamentamos mucho")
    assert "https://pagos.example/p/abc" in reply.text


def test_portuguese_and_english_debtors_get_answers_in_their_language():
    portuguese = bot.decide("balance", {}, replace(FACTS, language="pt"))
    english = bot.decide("payment_link", {}, replace(FACTS, language="en"))

    assert portuguese.text.startswith("Seu saldo em aberto é $200.000,50")
    assert english.text.startswith("You can pay online")


DEFAULT_HOURS = bot.AgentHours(week=bot.DEFAULT_AGENT_WEEK, timezone="America/Bogota")


def test_agents_answer_on_weekdays_from_eight_to_six_local_time():
    assert bot.next_agent_time(datetime(2026, 11, 23, 10, 0, tzinfo=BOGOTA), DEFAULT_HOURS) is None
    assert bot.next_agent_time(
        datetime(2026, 11, 23, 19, 0, tzinfo=BOGOTA), DEFAULT_HOURS
    ) == datetime(2026, 11, 24, 8, 0, tzinfo=BOGOTA)
    # Saturday afternoon -> Monday morning (no agents on Sunday).
    assert bot.next_agent_time(
        datetime(2026, 11, 28, 14, 0, tzinfo=BOGOTA), DEFAULT_HOURS
    ) == datetime(2026, 11, 30, 8, 0, tzinfo=BOGOTA)


def test_a_team_on_holiday_answers_from_its_next_working_day():
    # Monday 7 December 2026 in the afternoon; Tuesday 8 is a holiday in Colombia.
    hours = bot.AgentHours(
        week=bot.DEFAULT_AGENT_WEEK,
        timezone="America/Bogota",
        holidays=frozenset({date(2026, 12, 8)}),
    )

    assert bot.next_agent_time(datetime(2026, 12, 7, 19, 0, tzinfo=BOGOTA), hours) == datetime(
        2026, 12, 9, 8, 0, tzinfo=BOGOTA
    )


def test_a_team_in_another_zone_opens_at_its_own_eight_oclock():
    # A team in Mexico City (UTC-6) opens at 08:00 there: 09:00 in Bogotá (UTC-5).
    hours = bot.AgentHours(week=bot.DEFAULT_AGENT_WEEK, timezone="America/Mexico_City")

    opens = bot.next_agent_time(datetime(2026, 11, 24, 7, 30, tzinfo=BOGOTA), hours)

    assert opens is not None
    assert opens.astimezone(BOGOTA) == datetime(2026, 11, 24, 9, 0, tzinfo=BOGOTA)


# --- Register: tú for consumer portfolios, usted for companies ------------------------

TU_WORDS = re.compile(
    r"\b(tu|tus|te|ti|puedes|tienes|responde|envíanos|disculpa|elige|pagas|estás|"
    r"preocupes|podrías|necesites|vas)\b",
    re.IGNORECASE,
)
USTED_WORDS = re.compile(
    r"\b(usted|su|sus|le|puede|tiene|responda|envíenos|disculpe|elija|preocupe|podría|"
    r"necesite)\b",
    re.IGNORECASE,
)


def test_a_consumer_hears_tu_and_a_company_hears_usted():
    informal = bot.decide("balance", {}, replace(FACTS, register="tu"))
    formal = bot.decide("balance", {}, replace(FACTS, register="usted"))

    assert informal.text == (
        "Tu saldo pendiente es $200.000,50, con vencimiento el 30 de noviembre. "
        "Puedes pagar aquí: https://pagos.example/p/abc"
    )
    assert formal.text == (
        "Su saldo pendiente es $200.000,50, con vencimiento el 30 de noviembre. "
        "Puede pagar aquí: https://pagos.example/p/abc"
    )


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_every_spanish_text_speaks_in_the_register_it_is_filed_under(key):
    spanish = TEXTS[key]["es"]
    if isinstance(spanish, str):  # no pronoun or verb that changes with the register
        assert not TU_WORDS.search(spanish) and not USTED_WORDS.search(spanish), spanish
        return
    assert set(spanish) == {"tu", "usted"}
    assert TU_WORDS.search(spanish["tu"]), spanish["tu"]
    assert not USTED_WORDS.search(spanish["tu"]), spanish["tu"]
    assert USTED_WORDS.search(spanish["usted"]), spanish["usted"]
    assert not TU_WORDS.search(spanish["usted"]), spanish["usted"]


def test_an_unknown_register_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown register 'vos'"):
        bot_texts.text("balance", "es", "vos", balance="", due="", link="")


# --- Plans in the chat -----------------------------------------------------------------

MENU = Menu(
    total="$1.000,00",
    down_payment="$200,00",
    options=(
        MenuOption(1, 1, "$800,00"),
        MenuOption(2, 3, "$266,66", last="$266,68"),
    ),
)


@pytest.mark.parametrize(
    ("country", "language", "phrase"),
    [
        ("MX", "es", "tenemos estas opciones: un enganche de $200,00 hoy"),
        ("CL", "es", "tenemos estas opciones: un pie de $200,00 hoy"),
        ("CO", "es", "tenemos estas opciones: una cuota inicial de $200,00 hoy"),
        ("AR", "es", "tenemos estas opciones: un anticipo de $200,00 hoy"),
        ("BR", "pt", "temos estas opções: uma entrada de $200,00 hoje"),
    ],
)
def test_the_plan_offer_names_the_down_payment_as_the_debtors_country_does(
    country, language, phrase
):
    facts = replace(FACTS, menu=MENU, country=country, language=language)
    assert phrase in bot.decide("payment_plan", {}, facts).text


def test_a_plan_request_lists_each_option_with_its_exact_amounts_and_asks_for_a_number():
    reply = bot.decide("payment_plan", {}, replace(FACTS, menu=MENU))

    assert reply.action == "offer_plans"
    assert reply.text == (
        "¡Claro, Lucía! Para su saldo de $1.000,00 tenemos estas opciones: un pago inicial de "
        "$200,00 hoy y el resto en cuotas mensuales.\n"
        "1) 1 cuota de $800,00\n"
        "2) 3 cuotas de $266,66 (la última de $266,68)\n"
        "Responda con el número de la opción que prefiera, por ejemplo «2»."
    )


def test_plans_are_listed_in_portuguese_and_english_too():
    portuguese = bot.decide("payment_plan", {}, replace(FACTS, menu=MENU, language="pt"))
    english = bot.decide("payment_plan", {}, replace(FACTS, menu=MENU, language="en"))

    assert "2) 3 parcelas de $266,66 (a última de $266,68)" in portuguese.text
    assert "2) 3 instalments of $266,66 (the last one $266,68)" in english.text
    assert english.text.endswith('Reply with the number of the option you prefer, for example "2".')


def test_without_the_segments_plans_looked_up_the_answer_is_the_portal_link():
    reply = bot.decide("payment_plan", {}, FACTS)

    assert reply.action == "none"
    assert "https://pagos.example/p/abc" in reply.text


def test_a_plan_request_when_the_segment_allows_none_goes_to_a_person():
    reply = bot.decide("payment_plan", {}, replace(FACTS, menu=replace(MENU, options=())))

    assert (reply.action, reply.handoff_reason) == ("handoff", "other")
    assert "no podemos ofrecerle cuotas" in reply.text
