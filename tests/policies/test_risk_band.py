"""``Segment.risk_band`` is stored but nothing gives a debtor a risk band yet.

There is no insights app to compute one: the facts the planner, the portal
and the bot match segments against carry none, so a segment that asks for a
band takes nobody and its debtors fall to the next segment.
"""

from __future__ import annotations

from datetime import date

import pytest

from recaudo.policies.models import Policy, Segment
from recaudo.policies.segments import segment_for
from tests.factories import make_creditor, make_debt, make_debtor

TODAY = date(2026, 11, 22)


@pytest.mark.django_db
def test_a_segment_that_asks_for_a_risk_band_takes_nobody_while_nothing_assigns_bands():
    creditor = make_creditor()
    policy = Policy.objects.create(creditor=creditor, code="riesgo", name="Riesgo alto")
    banded = Segment.objects.create(
        creditor=creditor, name="Alto riesgo", position=1, risk_band="alto", policy=policy
    )
    rest = Segment.objects.create(
        creditor=creditor, name="Resto", position=2, is_default=True, policy=policy
    )
    debtor = make_debtor(creditor, kind="person")
    make_debt(debtor, "1000.00", due_on=date(2026, 11, 1))

    assert banded.risk_band == "alto"  # stored as written
    assert segment_for(debtor, TODAY) == rest
