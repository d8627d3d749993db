"""One source of truth for how a debtor is addressed: their segment's policy (tú / usted)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from recaudo.policies.default_templates import DEFAULT_TEMPLATES, EVENT_KEYS
from recaudo.policies.defaults import POLICIES
from recaudo.policies.models import Policy, Segment
from recaudo.policies.segments import register_for
from tests.factories import make_debt, make_debtor

TODAY = date(2026, 11, 22)
# Words only the informal (tú) or only the formal (usted) Spanish uses.
TU_WORDS = re.compile(
    r"\b(tu|tus|te|ti|puedes|tienes|pagaste|responde|contáctanos|envíanos|disculpa|elige|"
    r"pagas|estás|preocupes|podrías|necesites|vas)\b",
    re.IGNORECASE,
)
USTED_WORDS = re.compile(
    r"\b(usted|su|sus|le|puede|tiene|realizó|pague|responda|contáctenos|envíenos|disculpe|"
    r"elija|preocupe|podría|necesite)\b",
    re.IGNORECASE,
)


def test_the_shipped_policies_say_tu_to_people_and_usted_to_companies():
    assert {spec["code"]: spec["register"] for spec in POLICIES} == {"b2c": "tu", "b2b": "usted"}


@pytest.mark.parametrize("spec", POLICIES, ids=lambda spec: spec["code"])
def test_every_shipped_spanish_template_of_a_policy_is_written_in_its_register(spec):
    keys = {step[3] for step in spec["steps"] if step[3]}
    texts = [
        f"{template['subject']} {template['body']}"
        for template in DEFAULT_TEMPLATES
        if template["language"] == "es"
        and template["key"] in keys
        and template["register"] in ("", spec["register"])
    ]
    own, other = (TU_WORDS, USTED_WORDS) if spec["register"] == "tu" else (USTED_WORDS, TU_WORDS)

    assert texts
    for text in texts:
        assert own.search(text), text
        assert not other.search(text), (other.search(text), text)


def test_every_shipped_usted_variant_says_usted_and_never_tu():
    usted = [t for t in DEFAULT_TEMPLATES if t["register"] == "usted"]
    keys = {t["key"] for t in usted}

    assert keys == {step[3] for step in POLICIES[0]["steps"] if step[3]} | set(EVENT_KEYS) | {
        "several_debts",
        "several_debts_statement",
    }
    for template in usted:
        text = f"{template['subject']} {template['body']}"
        assert USTED_WORDS.search(text), text
        assert not TU_WORDS.search(text), (TU_WORDS.search(text), text)


@pytest.mark.django_db
def test_a_person_gets_tu_and_a_company_gets_usted_from_the_shipped_segments(creditor):
    person = make_debtor(creditor, kind="person")
    company = make_debtor(creditor, kind="company")
    make_debt(person, "1000.00")
    make_debt(company, "1000.00")

    assert register_for(person, TODAY) == "tu"
    assert register_for(company, TODAY) == "usted"


@pytest.mark.django_db
def test_a_debtor_who_owes_nothing_keeps_the_register_of_their_kind(creditor):
    company = make_debtor(creditor, kind="company")

    assert register_for(company, TODAY) == "usted"
    assert register_for(make_debtor(creditor, kind="person"), TODAY) == "tu"


@pytest.mark.django_db
def test_a_creditors_own_formal_policy_makes_its_consumers_usted(creditor):
    formal = Policy.objects.create(
        creditor=creditor, code="formal", name="Formal", register=Policy.Register.USTED
    )
    Segment.objects.create(creditor=creditor, name="Todos", is_default=True, policy=formal)
    person = make_debtor(creditor, kind="person")
    make_debt(person, "1000.00")

    assert register_for(person, TODAY) == "usted"


@pytest.mark.django_db
def test_the_shipped_b2b_policy_row_is_formal():
    assert Policy.objects.get(creditor__isnull=True, code="b2b").register == "usted"
    assert Policy.objects.get(creditor__isnull=True, code="b2c").register == "tu"
