"""The reasons an outbox row records read as words on the debtor page, in the reader's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from recaudo.outreach import sending
from recaudo.staff.contact_today import reason_words, reasons_words


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", "pagó (pago PAG-42-000001)"),
        ("pt-br", "pagou (pagamento PAG-42-000001)"),
        ("en", "paid (payment PAG-42-000001)"),
    ],
)
def test_a_step_cancelled_by_a_payment_names_the_payment_in_words(language, expected):
    with translation.override(language):
        assert reasons_words("paid (PAG-42-000001)") == expected


def test_a_payment_reference_holding_a_comma_stays_one_reason():
    with translation.override("en"):
        assert reasons_words("paid (A,B)") == "paid (payment A,B)"


def test_a_plan_or_a_discount_that_settled_the_debts_reads_as_words():
    with translation.override("en"):
        assert reason_words("plan 12 agreed") == "agreed a payment plan"
        assert reason_words("discount 3 settled") == "paid with a discount"


def test_every_reason_the_outbox_writes_reads_as_portuguese_words():
    source = Path(sending.__file__).read_text(encoding="utf-8")
    written = [
        "returned to the queue: its worker stopped before sending",
        "lease expired during sending",
        "the provider's answer was lost",
        "decided again: the debtor changed before the send",
        "reconciled: the provider has it",
        "reconciled: the provider never got it; queued again",
    ]
    with translation.override("pt-br"):
        for reason in written:
            assert f'"{reason}"' in source  # the words the outbox really writes
            assert reason_words(reason) != reason


def test_an_unknown_free_text_reason_is_shown_as_it_is():
    assert reason_words("baja pedida por carta") == "baja pedida por carta"
