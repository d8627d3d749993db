"""Every shipped RCS text, filled with the longest values a debtor may have, fits an RBM card."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from recaudo.delivery.channels.rcs import content_message
from recaudo.delivery.messages import compose_message
from recaudo.policies.default_templates import DEFAULT_TEMPLATES, RCS_LISTED_INSTALMENTS
from recaudo.policies.models import Template
from recaudo.policies.rendering import build_context
from recaudo.sandbox.rbm import (
    MAX_CARD_DESCRIPTION_BYTES,
    MAX_CARD_TITLE_BYTES,
    content_problem,
)

TODAY = date(2026, 12, 1)
FAR = date(2027, 9, 30)  # a date in another year is written in full, with its year
# The longest a creditor's brand (100) and a debtor's greeting name (100) may be,
# with accents (two bytes each in UTF-8).
BRAND = ("Compañía Andina de Energía, Telecomunicaciones y Servicios Públicos ESP " * 2)[:100]
NAME = ("María José Inmaculada Concepción de los Ángeles Pérez " * 2)[:100]
AMOUNT = Decimal("999999999999.99")
TOKEN = "T" * 43  # payments.links tokens are 32 random bytes, urlsafe base64
LINK = f"https://pagos.cobranzas-del-pacifico-y-el-caribe.example.com/p/{TOKEN}"
RCS_TEMPLATES = [spec for spec in DEFAULT_TEMPLATES if spec["channel"] == "rcs"]


def template_id(spec: dict) -> str:
    register = f"-{spec['register']}" if spec["register"] else ""
    return f"{spec['key']}-{spec['language']}{register}"


def long_context(language: str, instalments: int) -> dict:
    creditor = SimpleNamespace(
        name=BRAND,
        brand_name=BRAND,
        support_email="cartera@cobranzas-del-pacifico-y-el-caribe.example.com",
        support_phone="+57 601 555 0100",
        default_currency="COP",
    )
    debtor = SimpleNamespace(full_name=f"{NAME} {NAME}", first_name=NAME, language=language,
                             country="CO")  # fmt: skip
    debts = [
        SimpleNamespace(
            currency="COP",
            amount=AMOUNT,
            amount_paid=Decimal(0),
            due_on=FAR,
            invoice_number=f"FV-{number}",
            description="Plan hogar " * 10,
        )
        for number in range(3)
    ]
    return build_context(
        creditor=creditor,
        debtor=debtor,
        debts=debts,
        payment_link=LINK,
        today=TODAY,
        promise_date=FAR,
        promise_amount=AMOUNT,
        paid_amount=AMOUNT,
        paid_on=FAR,
        payment_reference="R" * 64,
        remaining_balance=AMOUNT,
        certificate_link=f"{LINK}/paz-y-salvo",
        new_due_on=FAR,
        agreed_amount=AMOUNT,
        instalments=[(n, FAR + timedelta(days=31 * n), AMOUNT) for n in range(instalments)],
        charge_date=FAR,
        charge_amount=AMOUNT,
        card_brand="american_express",
        card_last4="4444",
        # A direct debit's "cuota 59 de 60"; its count is the plan's instalments.
        instalment_number=59,
        retry_date=FAR,
    )


def sent_content(spec: dict, context: dict) -> dict:
    message = compose_message(
        Template(**spec),
        channel="rcs",
        context=context,
        creditor=None,
        address="+573001234567",
        token=TOKEN,
        reference="outreach-1-1",
        outreach_id=1,
        chat_reference="C00001",
        register=spec["register"],
        with_statement=False,
        statement_pdf=None,
    )
    return content_message(message)


@pytest.mark.parametrize("spec", RCS_TEMPLATES, ids=template_id)
@pytest.mark.parametrize("instalments", [RCS_LISTED_INSTALMENTS, 60])
def test_every_rcs_text_with_the_longest_values_goes_as_a_card_rbm_accepts(spec, instalments):
    content = sent_content(spec, long_context(spec["language"], instalments))

    assert content_problem(content) is None
    card = content["richCard"]["standaloneCard"]["cardContent"]
    assert card["title"] == BRAND
    assert len(card["title"].encode()) <= MAX_CARD_TITLE_BYTES
    assert len(card["description"].encode()) <= MAX_CARD_DESCRIPTION_BYTES
    assert NAME in card["description"]
    assert "{{" not in card["description"] and "{%" not in card["description"]
    pay, agent, paid = card["suggestions"]
    assert pay["action"]["openUrlAction"]["url"].endswith(f"/p/{TOKEN}")
    assert (agent["reply"]["postbackData"], paid["reply"]["postbackData"]) == (
        "recaudo:agent",
        "recaudo:paid",
    )


@pytest.mark.parametrize("language", ["es", "en", "pt"])
def test_a_plan_of_up_to_24_instalments_lists_them_all_a_longer_one_its_first(language):
    [spec] = [s for s in RCS_TEMPLATES if s["key"] == "plan_agreed" and s["language"] == language
              and not s["register"]]  # fmt: skip
    listed = sent_content(spec, long_context(language, RCS_LISTED_INSTALMENTS))
    longer = sent_content(spec, long_context(language, 60))

    listed_text = listed["richCard"]["standaloneCard"]["cardContent"]["description"]
    longer_text = longer["richCard"]["standaloneCard"]["cardContent"]["description"]
    assert listed_text.count("\n- ") == RCS_LISTED_INSTALMENTS
    more = {"es": "y 59 cuotas más", "en": "and 59 more", "pt": "e mais 59 parcelas"}
    assert longer_text.count("\n- ") == 2
    assert f"\n- {more[language]}\n" in longer_text
