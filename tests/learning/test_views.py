"""The experiments pages and the score on the debtor 360: scope, roles, what they show."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from recaudo.learning import experiments
from recaudo.learning.experiments import VariantSpec
from recaudo.learning.models import Experiment
from recaudo.learning.training import learn
from recaudo.policies.models import Policy, Step
from recaudo.roles import AGENT, CREDITOR_VIEWER, SUPERVISOR
from tests.factories import make_creditor
from tests.learning.helpers import history
from tests.staff.helpers import browser_of, staff

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _experiment(creditor, user):
    policy = Policy.objects.create(creditor=creditor, code="propia", name="Propia")
    step = Step.objects.create(
        policy=policy, offset_days=0, action="message", channels=["sms"],
        template_key="due_today", tone="preventive",
    )  # fmt: skip
    return experiments.create(
        creditor, step, user, name=f"Prueba {creditor.pk}",
        variants=[VariantSpec("A"), VariantSpec("B", template_key="overdue_early")],
    )  # fmt: skip


def test_each_user_sees_only_their_creditors_experiments():
    mine, theirs = make_creditor(), make_creditor()
    supervisor = staff("super", SUPERVISOR, mine)
    own = _experiment(mine, supervisor)
    other = _experiment(theirs, staff("otro", SUPERVISOR, theirs))
    browser = browser_of(supervisor)

    listing = browser.get("/equipo/experimentos/")
    assert listing.status_code == 200
    assert own.name in listing.text and other.name not in listing.text
    assert browser.get(f"/equipo/experimentos/{own.pk}/").status_code == 200
    for path in ("", "iniciar", "detener", "aplicar"):
        method = browser.get if not path else browser.post
        assert method(f"/equipo/experimentos/{other.pk}/{path}").status_code == 404
    assert Experiment.objects.get(pk=other.pk).status == "draft"


def test_an_agent_creates_a_draft_but_only_a_supervisor_starts_it_and_a_viewer_only_reads():
    creditor = make_creditor()
    policy = Policy.objects.create(creditor=creditor, code="propia", name="Propia")
    step = Step.objects.create(
        policy=policy, offset_days=0, action="message", channels=["sms"],
        template_key="due_today", tone="preventive",
    )  # fmt: skip
    agent = browser_of(staff("agente", AGENT, creditor))

    response = agent.post(
        "/equipo/experimentos/",
        {"name": "Tono", "step": step.pk, "variants": "Actual\nFirme | overdue_early | 17",
         "holdout_percent": 10, "outcome_days": 30, "min_per_arm": 400},
    )  # fmt: skip

    created = Experiment.objects.get()
    assert response.status_code == 302 and response.url == f"/equipo/experimentos/{created.pk}/"
    assert [(v.name, v.template_key, v.send_hour, v.holdout) for v in created.variants.all()] == [
        ("Actual", "", None, False), ("Firme", "overdue_early", 17, False),
        ("sin mensaje", "", None, True),
    ]  # fmt: skip
    agent.post(f"/equipo/experimentos/{created.pk}/iniciar")
    assert Experiment.objects.get().status == "draft"
    viewer = browser_of(staff("cliente", CREDITOR_VIEWER, creditor))
    assert viewer.get(f"/equipo/experimentos/{created.pk}/").status_code == 200
    assert viewer.post(f"/equipo/experimentos/{created.pk}/iniciar").status_code == 403
    supervisor = browser_of(staff("super", SUPERVISOR, creditor))
    page = supervisor.get(f"/equipo/experimentos/{created.pk}/")
    assert "Regla de parada: horizonte fijo" in page.text and "Iniciar" in page.text
    supervisor.post(f"/equipo/experimentos/{created.pk}/iniciar")
    assert Experiment.objects.get().status == "running"


def test_a_bad_variant_line_is_refused_with_the_line_named():
    creditor = make_creditor()
    policy = Policy.objects.create(creditor=creditor, code="propia", name="Propia")
    step = Step.objects.create(
        policy=policy, offset_days=0, action="message", channels=["sms"],
        template_key="due_today", tone="preventive",
    )  # fmt: skip
    agent = browser_of(staff("agente", AGENT, creditor))

    response = agent.post(
        "/equipo/experimentos/",
        {"name": "Tono", "step": step.pk, "variants": "A\nB | overdue_early | tarde",
         "holdout_percent": 0, "outcome_days": 30, "min_per_arm": 400},
    )  # fmt: skip

    assert response.status_code == 200
    assert "Línea 2: la hora es un número de 0 a 23." in response.text
    assert Experiment.objects.count() == 0


def test_the_debtor_360_shows_the_score_its_band_and_the_top_factors_in_words():
    creditor = make_creditor()
    payers, _ = history(creditor)
    learn(creditor, NOW)
    browser = browser_of(staff("agente", AGENT, creditor))

    page = browser.get(f"/equipo/deudores/{payers[0].pk}/")

    assert page.status_code == 200
    assert "de probabilidad de pagar en 30 días (riesgo bajo)" in page.text
    assert page.text.count("la probabilidad de pago</li>") == 3
    assert "Modelo v1 entrenado con la historia de este acreedor." in page.text
    english = browser.get(f"/equipo/deudores/{payers[0].pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "probability of paying within 30 days (low risk)" in english.text
