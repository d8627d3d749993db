"""Which buttons or list go with an answer, within Meta's limits, in the debtor's language."""

from __future__ import annotations

import pytest

from recaudo.conversations import bot
from recaudo.conversations.choices import (
    Offered,
    offered,
    shown_text,
    understood,
)
from recaudo.conversations.offers import Menu, MenuOption
from recaudo.outreach.contract import Choice


def facts(language: str = "es", register: str = "tu", balance: str = "$200.000,50") -> bot.Facts:
    return bot.Facts(
        language=language, name="Lucía", brand="Tienda Sol", balance=balance, next_due="",
        overdue=False, link="https://r.example/p/t", misunderstood_in_row=0, agent_wait="",
        register=register,
    )  # fmt: skip


MENU = Menu(
    total="$200.000,50",
    down_payment="$40.000,10",
    options=(
        MenuOption(1, 1, "$160.000,40"),
        MenuOption(2, 3, "$53.333,46", last="$53.333,48"),
    ),
)


@pytest.mark.parametrize(
    ("language", "titles"),
    [
        ("es", ["Pagar", "Hablar con un asesor", "Ya pagué"]),
        ("pt", ["Pagar", "Falar com atendente", "Já paguei"]),
        ("en", ["Pay", "Talk to an agent", "I already paid"]),
    ],
)
def test_an_answer_to_a_debtor_who_owes_carries_the_three_buttons_in_their_language(
    language, titles
):
    found = offered(bot.Reply("Tu saldo es..."), facts(language), None, handed_off=False,
                    asking=False)  # fmt: skip

    assert found == Offered(
        tuple(Choice(i, t) for i, t in zip(("pay", "agent", "paid"), titles, strict=True))
    )
    assert all(len(title) <= 20 for title in titles)


def test_a_plan_offer_carries_the_plans_as_list_rows_with_their_amounts():
    found = offered(bot.Reply("Opciones:", "offer_plans"), facts(), MENU, handed_off=False,
                    asking=False)  # fmt: skip

    assert found == Offered(
        (
            Choice("plan:1", "1 cuota", "de $160.000,40"),
            Choice("plan:3", "3 cuotas", "de $53.333,46 (la última de $53.333,48)"),
        ),
        "Ver planes",
    )
    assert shown_text("Opciones:", found) == "Opciones:\n[Ver planes] 1 cuota · 3 cuotas"


def test_nothing_is_offered_after_a_handoff_a_question_nothing_owed_or_a_long_text():
    reply = bot.Reply("Tu saldo es...")

    assert offered(reply, facts(), None, handed_off=True, asking=False) is None
    assert offered(reply, facts(), None, handed_off=False, asking=True) is None
    assert offered(reply, facts(balance=""), None, handed_off=False, asking=False) is None
    assert offered(bot.Reply("x" * 1025), facts(), None, handed_off=False, asking=False) is None
    assert offered(bot.Reply("¿Qué día?", "ask_date"), facts(), None, handed_off=False,
                   asking=False) is None  # fmt: skip


def test_a_long_row_is_cut_to_metas_limits_and_at_most_ten_rows_are_listed():
    options = tuple(MenuOption(n, n, "$" + "9" * 80) for n in range(1, 13))
    menu = Menu(total="$1", down_payment="", options=options)

    found = offered(bot.Reply("Opciones:", "offer_plans"), facts(), menu, handed_off=False,
                    asking=False)  # fmt: skip

    assert found is not None and len(found.choices) == 10
    assert all(len(c.description) == 72 and c.description.endswith("…") for c in found.choices)


def test_our_ids_are_understood_and_anything_else_is_not():
    assert understood("pay") == ("payment_link", {})
    assert understood("agent") == ("human", {})
    assert understood("paid") == ("already_paid", {})
    assert understood("plan:6") == ("payment_plan", {"plan_instalments": "6"})
    assert understood("PROMISE_TO_PAY") is None


def test_offered_choices_survive_the_outbox_as_json():
    found = Offered((Choice("plan:1", "1 cuota", "de $1"),), "Ver planes")

    assert Offered.from_json(found.as_json()) == found
    assert Offered.from_json({"options": []}) is None
    assert Offered.from_json("nonsense") is None
