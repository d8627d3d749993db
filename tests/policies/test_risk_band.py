"""``Segment.risk_band`` matches the band the learning job writes on each debtor.

The learning app (recaudo/learning/training.py) scores every debtor who owes
and writes ``Debtor.risk_band`` ("bajo", "medio", "alto"); the facts the
planner, the portal and the bot match segments against carry it. A debtor
with no band yet (never scored) falls to the next segment. The whole path
from history to band to segment: tests/learning/test_scores.py.
"""

from __future__ import annotations

from datetime import date

import pytest

from recaudo.policies.models import Policy, Segment
from recaudo.policies.segments import segment_for
from tests.factories import make_creditor, make_debt, make_debtor

TODAY = date(2026, 11, 22)


@pytest.mark.django_db
def test_a_segment_that_asks_for_a_risk_band_takes_the_debtors_in_that_band_only():
    creditor = make_creditor()
    policy = Policy.objects.create(creditor=creditor, code="riesgo", name="Riesgo alto")
    banded = Segment.objects.create(
        creditor=creditor, name="Alto riesgo", position=1, risk_band="alto", policy=policy
    )
    rest = Segment.objects.create(
        creditor=creditor, name="Resto", position=2, is_default=True, policy=policy
    )
    risky = make_debtor(creditor, kind="person", risk_band="alto")
    safe = make_debtor(creditor, kind="person", risk_band="bajo")
    unscored = make_debtor(creditor, kind="person")
    for debtor in (risky, safe, unscored):
        make_debt(debtor, "1000.00", due_on=date(2026, 11, 1))

    assert segment_for(risky, TODAY) == banded
    assert segment_for(safe, TODAY) == rest
    assert segment_for(unscored, TODAY) == rest
