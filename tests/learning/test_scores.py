"""The propensity score on a creditor's own history: a versioned model, every owing debtor
scored and banded, the cold-start prior said as such, segments by risk band, the words."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from recaudo.learning.explain import factor_sentence, score_view
from recaudo.learning.models import DebtorScore, LearningRun, ScoreModel
from recaudo.learning.scoring import prior
from recaudo.learning.training import learn, refresh_due
from recaudo.policies.models import Policy, Segment
from recaudo.policies.segments import segment_for
from recaudo.portfolio.models import Debt, Debtor
from recaudo.privacy.erase import erase
from tests.factories import make_creditor
from tests.learning.helpers import CREATED, NOW, history

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_model_is_trained_versioned_and_scores_payers_above_the_others():
    creditor = make_creditor()
    payers, others = history(creditor)

    result = learn(creditor, NOW)

    model = ScoreModel.objects.get(creditor=creditor)
    assert (model.version, model.active, model.as_of) == (1, True, date(2026, 11, 24))
    assert model.auc_holdout == 1.0
    assert model.features[:2] == ["days_past_due", "balance"]
    assert set(model.parameters) == {
        "mean", "scale", "weights", "intercept", "calibration_x", "calibration_y"
    }  # fmt: skip
    assert result.scored == 240 and result.cold_start == 0
    scores = dict(DebtorScore.objects.values_list("debtor_id", "probability"))
    assert min(scores[d.pk] for d in payers) > max(scores[d.pk] for d in others)
    bands = dict(Debtor.objects.filter(creditor=creditor).values_list("id", "risk_band"))
    assert {bands[d.pk] for d in payers} == {"bajo"}
    assert {bands[d.pk] for d in others} == {"alto"}

    learn(creditor, NOW)
    assert list(ScoreModel.objects.filter(creditor=creditor).values_list("version", "active")) == [
        (2, True),
        (1, False),
    ]


def test_a_debtor_without_history_gets_the_documented_prior_and_the_360_says_so():
    creditor = make_creditor()
    history(creditor)
    newcomer = Debtor.objects.create(
        creditor=creditor, external_id="N1", full_name="Nuevo", country="CO",
        timezone="America/Bogota",
    )  # fmt: skip
    Debt.objects.create(
        creditor=creditor, debtor=newcomer, external_id="ND1", currency="COP",
        amount=Decimal("50000.00"), due_on=date(2026, 8, 15),
    )  # fmt: skip
    Debt.objects.filter(debtor=newcomer).update(created_at=CREATED)

    learn(creditor, NOW)

    score = DebtorScore.objects.get(debtor=newcomer)
    assert (score.cold_start, score.probability, score.band) == (True, 0.12, "alto")
    assert score.model is None and score.factors == []
    view = score_view(newcomer.pk)
    assert view is not None and view.percent == 12
    assert view.note.startswith("Sin historia suficiente")


def test_with_no_history_at_all_every_debtor_gets_the_prior_by_days_past_due():
    creditor = make_creditor()
    debtor = Debtor.objects.create(
        creditor=creditor, external_id="X", full_name="X", country="CO", timezone="America/Bogota"
    )
    Debt.objects.create(
        creditor=creditor, debtor=debtor, external_id="XD", currency="COP",
        amount=Decimal("50000.00"), due_on=date(2026, 11, 20),
    )  # fmt: skip

    result = learn(creditor, NOW)

    assert result.model is None and ScoreModel.objects.count() == 0
    score = DebtorScore.objects.get(debtor=debtor)
    assert (score.cold_start, score.probability, score.band) == (True, 0.45, "medio")
    assert list(prior(__import__("numpy").array([-3, 0, 10, 45, 120, 400]))) == [
        0.6, 0.6, 0.45, 0.25, 0.12, 0.05
    ]  # fmt: skip


def test_a_segment_by_risk_band_takes_the_debtors_the_score_put_in_that_band():
    creditor = make_creditor()
    payers, others = history(creditor)
    policy = Policy.objects.create(creditor=creditor, code="riesgo", name="Riesgo alto")
    banded = Segment.objects.create(
        creditor=creditor, name="Alto riesgo", position=1, risk_band="alto", policy=policy
    )
    rest = Segment.objects.create(
        creditor=creditor, name="Resto", position=2, is_default=True, policy=policy
    )

    learn(creditor, NOW)

    today = date(2026, 11, 24)
    assert segment_for(Debtor.objects.get(pk=others[0].pk), today) == banded
    assert segment_for(Debtor.objects.get(pk=payers[0].pk), today) == rest


def test_the_top_factors_are_stored_and_read_in_words():
    creditor = make_creditor()
    payers, _ = history(creditor)

    learn(creditor, NOW)

    view = score_view(payers[0].pk)
    assert view is not None and len(view.reasons) == 3
    assert view.band == "bajo" and view.note.startswith("Modelo v1")
    names = [name for name, _, _ in DebtorScore.objects.get(debtor=payers[0]).factors]
    assert "payments_before" in names or "promises_broken" in names
    assert factor_sentence("promises_broken", 2.0, -0.8) == (
        "promesas incumplidas: 2 — baja la probabilidad de pago"
    )
    assert factor_sentence("company", 1.0, 0.3) == (
        "es una empresa: sí — sube la probabilidad de pago"
    )


def test_the_worker_job_runs_once_per_refresh_period(settings):
    settings.LEARNING_REFRESH_HOURS = 24
    creditor = make_creditor()
    history(creditor, 30, 30)

    first = refresh_due(NOW)
    again = refresh_due(NOW)

    assert [result.creditor_id for result in first] == [creditor.pk]
    assert again == []
    assert LearningRun.objects.filter(creditor=creditor).count() == 1
    settings.LEARNING_REFRESH_HOURS = 0
    assert refresh_due(NOW.replace(year=2027)) == []


def test_erasing_a_debtor_deletes_what_was_learnt_about_them():
    creditor = make_creditor()
    payers, _ = history(creditor, 120, 120)
    learn(creditor, NOW)
    person = payers[0]
    assert DebtorScore.objects.filter(debtor=person).exists()

    result = erase(
        Debtor.objects.get(pk=person.pk), reason="pedido", actor="test", now=NOW, force=True
    )

    assert result.counts["scores"] == 1
    assert not DebtorScore.objects.filter(debtor=person).exists()
    assert Debtor.objects.filter(pk=person.pk).values_list("risk_band", "best_hours").get() == (
        "",
        None,
    )
