"""Experiments on a step: who may do what, arms on the day's plan (holdout cancelled, template
and hour variants recorded), the readout from payments, and the supervisor's promotion."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from recaudo.learning import experiments
from recaudo.learning.experiments import ExperimentError, VariantSpec
from recaudo.learning.models import Assignment, Experiment, ExperimentEvent, Variant
from recaudo.outreach.models import Outreach
from recaudo.outreach.variants import HOLDOUT_REASON
from recaudo.policies.models import Policy, Step
from recaudo.portfolio.models import Debt, Debtor, Payment
from recaudo.roles import AGENT, SUPERVISOR
from tests.factories import make_creditor
from tests.staff.helpers import staff

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
OPENS = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # 07:00 in Bogotá
CLOSES = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)  # 19:00 in Bogotá


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _step(creditor, action="message", policy=None):
    policy = policy or Policy.objects.create(creditor=creditor, code="propia", name="Propia")
    return Step.objects.create(
        policy=policy, offset_days=0, action=action, channels=["sms"],
        template_key="due_today", tone="preventive",
    )  # fmt: skip


def _planned(creditor, step, count):
    debtors = Debtor.objects.bulk_create(
        Debtor(creditor=creditor, external_id=f"E{n}", full_name=f"D{n}", country="CO",
               timezone="America/Bogota")
        for n in range(count)
    )  # fmt: skip
    Outreach.objects.bulk_create(
        Outreach(
            creditor=creditor, debtor=debtor, step=step, anchor_due_on=DAY, planned_on=DAY,
            action="message", channel="sms", template_key="due_today", tone="preventive",
            language="es", currency="COP", amount_due=Decimal("1000.00"),
            window_start=OPENS, window_end=CLOSES,
        )
        for debtor in debtors
    )  # fmt: skip
    return debtors


def test_only_own_written_steps_and_no_holdout_on_a_legally_required_notice():
    creditor = make_creditor()
    agent = staff("agente", AGENT, creditor)
    default_step = Step.objects.filter(policy__creditor__isnull=True).first()
    two = [VariantSpec("A"), VariantSpec("B", template_key="overdue_early")]

    with pytest.raises(ExperimentError, match="políticas propias"):
        experiments.create(creditor, default_step, agent, name="x", variants=two)
    notice = _step(creditor, "bureau_notice")
    with pytest.raises(ExperimentError, match="obligatorio"):
        experiments.create(creditor, notice, agent, name="x", variants=two, holdout_percent=10)
    own = Step.objects.create(
        policy=notice.policy, offset_days=3, action="message", channels=["sms"],
        template_key="due_today", tone="early",
    )  # fmt: skip
    with pytest.raises(ExperimentError, match="no-existe"):
        experiments.create(
            creditor, own, agent, name="x",
            variants=[VariantSpec("A"), VariantSpec("B", template_key="no-existe")],
        )  # fmt: skip
    assert Experiment.objects.count() == 0


def test_the_days_plan_gets_its_arms_holdout_cancelled_template_and_hour_recorded():
    creditor = make_creditor()
    supervisor = staff("super", SUPERVISOR, creditor)
    step = _step(creditor)
    debtors = _planned(creditor, step, 300)
    experiment = experiments.create(
        creditor, step, supervisor, name="Tono y hora",
        variants=[VariantSpec("A"), VariantSpec("B", template_key="overdue_early", send_hour=17)],
        holdout_percent=20,
    )  # fmt: skip
    experiments.start(experiment, supervisor)

    done = experiments.apply_to_plan(DAY, NOW)

    arms = {variant.name: variant for variant in experiment.variants.all()}
    rows = {row.debtor_id: row for row in Outreach.objects.all()}
    assert len(rows) == 300 and all(row.variant_id for row in rows.values())
    held = [row for row in rows.values() if row.variant_id == arms["sin mensaje"].pk]
    assert 40 <= len(held) <= 80
    assert {(row.status, row.status_reason) for row in held} == {("cancelled", HOLDOUT_REASON)}
    b_rows = [row for row in rows.values() if row.variant_id == arms["B"].pk]
    assert {row.template_key for row in b_rows} == {"overdue_early"}
    assert {row.window_start for row in b_rows} == {datetime(2026, 11, 24, 22, 0, tzinfo=UTC)}
    a_rows = [row for row in rows.values() if row.variant_id == arms["A"].pk]
    assert {(row.template_key, row.window_start) for row in a_rows} == {("due_today", OPENS)}
    assert done["held_out"] == len(held) and done["moved"] == len(b_rows)
    assert Assignment.objects.filter(experiment=experiment).count() == 300
    # Stable: the same debtor is in the same arm in a second experiment run of the day.
    again = {a.debtor_id: a.variant_id for a in Assignment.objects.all()}
    assert all(again[d.pk] == rows[d.pk].variant_id for d in debtors)
    assert experiments.apply_to_plan(DAY, NOW) == {"recorded": 0, "held_out": 0, "moved": 0}


def test_the_readout_counts_payments_within_the_window_and_a_supervisor_promotes_the_winner():
    creditor = make_creditor()
    supervisor = staff("super", SUPERVISOR, creditor)
    agent = staff("agente", AGENT, creditor)
    step = _step(creditor)
    debtors = _planned(creditor, step, 400)
    experiment = experiments.create(
        creditor, step, agent, name="Plantillas", min_per_arm=100,
        variants=[VariantSpec("A"), VariantSpec("B", template_key="overdue_early")],
    )  # fmt: skip
    with pytest.raises(ExperimentError, match="supervisor"):
        experiments.start(experiment, agent)
    experiments.start(experiment, supervisor)
    experiments.apply_to_plan(DAY, NOW)
    arm_b = Variant.objects.get(experiment=experiment, name="B")
    in_b = set(Assignment.objects.filter(variant=arm_b).values_list("debtor_id", flat=True))
    # Everyone in B pays 10 days later; one in ten in A; a payment after 30 days never counts.
    Payment.objects.bulk_create(
        Payment(
            creditor=creditor, debtor=debtor, external_id=f"P{debtor.pk}", currency="COP",
            amount=Decimal("500.00"),
            paid_at=NOW + timedelta(days=10 if debtor.pk in in_b or debtor.pk % 10 == 0 else 31),
        )
        for debtor in debtors
    )  # fmt: skip

    early = experiments.readout(experiment, NOW + timedelta(days=29))
    assert early.verdict.state == "running" and early.pending == 400

    later = NOW + timedelta(days=31)
    found = experiments.readout(experiment, later)
    by_name = {arm.name: arm for arm in found.arms}
    assert by_name["B"].paid == by_name["B"].debtors == len(in_b)
    assert by_name["B"].amount == 500.0 * len(in_b)
    assert by_name["A"].paid == sum(1 for d in debtors if d.pk not in in_b and d.pk % 10 == 0)
    assert (found.verdict.state, found.verdict.winner) == ("winner", arm_b.pk)
    with pytest.raises(ExperimentError, match="supervisor"):
        experiments.promote(experiment, agent, later)

    winner = experiments.promote(experiment, supervisor, later)

    assert winner == arm_b
    step.refresh_from_db()
    experiment.refresh_from_db()
    assert step.template_key == "overdue_early"
    assert (experiment.status, experiment.winner_id) == ("promoted", arm_b.pk)
    assert list(ExperimentEvent.objects.values_list("kind", "actor")) == [
        ("created", "agente"), ("started", "super"), ("promoted", "super")
    ]  # fmt: skip
    with pytest.raises(ExperimentError, match="ya se aplicó"):
        experiments.promote(experiment, supervisor, later)


def test_no_winner_no_promotion():
    creditor = make_creditor()
    supervisor = staff("super", SUPERVISOR, creditor)
    step = _step(creditor)
    _planned(creditor, step, 50)
    experiment = experiments.create(
        creditor, step, supervisor, name="Pocas", min_per_arm=100,
        variants=[VariantSpec("A"), VariantSpec("B", template_key="overdue_early")],
    )  # fmt: skip
    experiments.start(experiment, supervisor)
    experiments.apply_to_plan(DAY, NOW)

    with pytest.raises(ExperimentError, match="regla de parada"):
        experiments.promote(experiment, supervisor, NOW + timedelta(days=40))
    assert Step.objects.get(pk=step.pk).template_key == "due_today"
    assert Debt.objects.count() == 0
