"""The strategy editor: policies as a timeline edited with forms, segments with a preview of
who falls in them today, every change audited and validated as the planner needs it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from recaudo.policies.models import Policy, Segment, Step, StrategyChange, Template
from recaudo.policies.segments import segment_for
from recaudo.roles import AGENT, SUPERVISOR
from recaudo.staff.strategy import segment_previews, timeline
from tests.factories import make_creditor, make_debt, make_debtor
from tests.staff.helpers import browser_of, staff

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel("2026-11-23 15:00Z", tick=False):
        yield


@pytest.fixture
def creditor():
    return make_creditor()


@pytest.fixture
def policy(creditor):
    policy = Policy.objects.create(creditor=creditor, code="propia", name="Propia")
    Step.objects.create(
        policy=policy, offset_days=-15, action="message", channels=["whatsapp", "sms"],
        template_key="reminder_before", tone="preventive", stage="friendly",
    )  # fmt: skip
    Step.objects.create(
        policy=policy, offset_days=0, action="message", channels=["sms"],
        template_key="due_today", tone="preventive",
    )  # fmt: skip
    Step.objects.create(
        policy=policy, offset_days=30, action="message", channels=["whatsapp"],
        template_key="overdue_late", tone="late", stage="firm", repeat_every_days=7,
        repeat_until_days=58,
    )  # fmt: skip
    return policy


def _post_data(policy, changes=None):
    """The policy page's form as the browser sends it, with ``changes`` to step fields:
    {(index, field): value}."""
    steps = list(policy.steps.order_by("offset_days", "action", "pk"))
    data = {
        "name": policy.name, "description": policy.description, "register": policy.register,
        "place_new_debts": "on", "active": "on",
        "steps-TOTAL_FORMS": str(len(steps) + 1), "steps-INITIAL_FORMS": str(len(steps)),
        "steps-MIN_NUM_FORMS": "0", "steps-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for index, step in enumerate(steps):
        prefix = f"steps-{index}-"
        data.update({
            prefix + "id": str(step.pk), prefix + "policy": str(policy.pk),
            prefix + "offset_days": str(step.offset_days), prefix + "action": step.action,
            prefix + "template_key": step.template_key, prefix + "tone": step.tone,
            prefix + "stage": step.stage,
            prefix + "repeat_every_days": str(step.repeat_every_days or ""),
            prefix + "repeat_from": step.repeat_from,
            prefix + "repeat_until_days": str(step.repeat_until_days or ""),
        })  # fmt: skip
        for slot in range(4):
            channels = step.channels
            data[f"{prefix}channels_{slot}"] = channels[slot] if slot < len(channels) else ""
    # The empty row that adds a step, as the browser sends it (its selects' first values).
    data[f"steps-{len(steps)}-repeat_from"] = "step"
    for (index, field), value in (changes or {}).items():
        data[f"steps-{index}-{field}"] = value
    return data


def test_the_timeline_runs_from_the_first_step_to_the_last_level_with_repeats(policy):
    drawn = timeline(list(policy.steps.all()))

    assert (drawn.start, drawn.end) == (-15, 58)
    assert [row.step.offset_days for row in drawn.steps] == [-15, 0, 30]
    assert drawn.steps[0].marks == ["WA", "SMS"]
    assert len(drawn.steps[2].repeat_ticks) == 4  # days 37, 44, 51, 58
    assert [band.label for band in drawn.bands] == ["amistosa", "firme"]


def test_a_supervisor_changes_a_steps_day_and_channels_and_it_is_audited(creditor, policy):
    client = browser_of(staff("sofia", SUPERVISOR, creditor))
    before_days = sorted(policy.steps.values_list("offset_days", flat=True))

    response = client.post(
        f"/equipo/estrategia/politicas/{policy.pk}/",
        _post_data(
            policy,
            {(0, "offset_days"): "-10", (0, "channels_0"): "email", (0, "channels_1"): "whatsapp"},
        ),
    )

    assert response.status_code == 302
    first = policy.steps.order_by("offset_days").first()
    assert (first.offset_days, first.channels) == (-10, ["email", "whatsapp"])
    change = StrategyChange.objects.get(kind="policy", object_id=policy.pk)
    assert change.actor == "staff:sofia"
    assert [s["offset_days"] for s in change.before["steps"]] == before_days
    assert [s["offset_days"] for s in change.after["steps"]] == [-10, 0, 30]
    assert change.after["steps"][0]["channels"] == ["email", "whatsapp"]
    page = client.get(f"/equipo/estrategia/politicas/{policy.pk}/").content.decode()
    assert 'data-day="-10" data-channels="@ WA"' in page


def test_an_invalid_step_is_refused_naming_the_step_and_field_and_nothing_is_saved(policy):
    client = browser_of(staff("sofia", SUPERVISOR, policy.creditor))
    before = list(policy.steps.values_list("offset_days", "channels", "repeat_until_days"))

    response = client.post(
        f"/equipo/estrategia/politicas/{policy.pk}/",
        _post_data(
            policy,
            {(2, "repeat_until_days"): "31", (1, "channels_0"): "paloma", (0, "offset_days"): "-5"},
        ),
    )

    assert response.status_code == 400
    problems = response.context["problems"]
    assert (
        "Paso 3 (día 30) · Repetir hasta el día: "
        "Debe ser al menos el día del paso más una repetición (37)." in problems
    )
    assert any(p.startswith("Paso 2 (día 0) · Canales en orden de preferencia:") for p in problems)
    assert list(policy.steps.values_list("offset_days", "channels", "repeat_until_days")) == before
    assert not StrategyChange.objects.exists()


def test_a_written_step_must_name_an_existing_template(policy):
    client = browser_of(staff("sofia", SUPERVISOR, policy.creditor))

    response = client.post(
        f"/equipo/estrategia/politicas/{policy.pk}/",
        _post_data(policy, {(1, "template_key"): "no-existe"}),
    )

    assert response.status_code == 400
    assert (
        "Paso 2 (día 0) · Plantilla: No hay ninguna plantilla «no-existe» para este acreedor."
        in response.context["problems"]
    )


def test_a_new_step_is_added_and_one_removed_in_the_same_save(policy):
    client = browser_of(staff("sofia", SUPERVISOR, policy.creditor))
    data = _post_data(policy, {(0, "DELETE"): "on"})
    data.update({
        "steps-3-offset_days": "60", "steps-3-action": "call_task", "steps-3-tone": "late",
        "steps-3-stage": "pre_legal", "steps-3-repeat_from": "step", "steps-3-channels_0": "call",
        "steps-3-policy": str(policy.pk),
    })  # fmt: skip

    response = client.post(f"/equipo/estrategia/politicas/{policy.pk}/", data)

    assert response.status_code == 302
    assert list(policy.steps.order_by("offset_days").values_list("offset_days", "action")) == [
        (0, "message"), (30, "message"), (60, "call_task"),
    ]  # fmt: skip


def test_an_agent_reads_the_policy_without_a_form_and_cannot_post(policy):
    client = browser_of(staff("ana", AGENT, policy.creditor))

    page = client.get(f"/equipo/estrategia/politicas/{policy.pk}/")
    posted = client.post(f"/equipo/estrategia/politicas/{policy.pk}/", _post_data(policy))

    assert page.status_code == 200
    assert 'id="policy-form"' not in page.content.decode()
    assert 'id="timeline-' in page.content.decode()
    assert posted.status_code == 403


def test_a_supervisor_cannot_edit_the_shared_default_policy(creditor):
    shared = Policy.objects.filter(creditor__isnull=True).first()
    client = browser_of(staff("sofia", SUPERVISOR, creditor))

    page = client.get(f"/equipo/estrategia/politicas/{shared.pk}/")
    posted = client.post(f"/equipo/estrategia/politicas/{shared.pk}/", _post_data(shared))

    assert page.status_code == 200
    assert 'id="policy-form"' not in page.content.decode()
    assert posted.status_code == 403


# --- Segments --------------------------------------------------------------------------


@pytest.fixture
def segments(creditor, policy):
    late = Policy.objects.create(creditor=creditor, code="tardia", name="Tardía")
    vip = Segment.objects.create(
        creditor=creditor, name="VIP", position=1, policy=late, tags_any=["vip"]
    )
    big = Segment.objects.create(
        creditor=creditor, name="Grandes en mora", position=2, policy=late,
        min_days_past_due=1, min_balance=Decimal("500000"),
    )  # fmt: skip
    rest = Segment.objects.create(creditor=creditor, name="Resto", position=9, policy=policy,
                                  is_default=True)  # fmt: skip
    return vip, big, rest


def test_the_preview_counts_each_segments_debtors_and_debts_exactly_as_the_planner_matches(
    creditor, segments
):
    vip, big, rest = segments
    people = []
    # A VIP who is also big and late: the first segment wins.
    people.append(make_debtor(creditor, tags=["vip"]))
    make_debt(people[-1], "900000.00", due_on=date(2026, 10, 1))
    # Big and late over two debts (500,000 in total), one not yet due.
    people.append(make_debtor(creditor))
    make_debt(people[-1], "300000.00", due_on=date(2026, 11, 1))
    make_debt(people[-1], "200000.00", due_on=date(2026, 12, 20))
    # Big but not yet late; small and late; a paid debt only (nobody).
    people.append(make_debtor(creditor))
    make_debt(people[-1], "800000.00", due_on=date(2026, 12, 1))
    people.append(make_debtor(creditor))
    make_debt(people[-1], "1000.00", issued_on=date(2026, 8, 1), due_on=date(2026, 9, 1))
    paid = make_debtor(creditor)
    make_debt(paid, "5000.00", status="paid")
    other = make_creditor()
    make_debt(make_debtor(other, tags=["vip"]), "900000.00")

    previews = segment_previews(creditor, TODAY)

    assert {key: (p.debtors, p.debts) for key, p in previews.items()} == {
        vip.pk: (1, 1), big.pk: (1, 2), rest.pk: (2, 2),
    }  # fmt: skip
    assert [d.pk for d in previews[rest.pk].sample] == [people[2].pk, people[3].pk]
    # The planner's own matching agrees, debtor by debtor.
    expected = {vip.pk: [people[0].pk], big.pk: [people[1].pk], rest.pk: [p.pk for p in people[2:]]}
    assert {s: [d.pk for d in previews[s].sample] for s in expected} == expected
    assert [segment_for(person, TODAY).pk for person in people] == [
        vip.pk, big.pk, rest.pk, rest.pk,
    ]  # fmt: skip


def test_the_strategy_page_lists_segments_and_loads_the_preview(creditor, segments):
    client = browser_of(staff("ana", AGENT, creditor))
    make_debt(make_debtor(creditor, tags=["vip"]), "1000.00")

    page = client.get(f"/equipo/estrategia/?acreedor={creditor.pk}")
    fragment = client.get(f"/equipo/estrategia/vista-previa?acreedor={creditor.pk}")

    assert page.status_code == 200
    assert [s.name for s in page.context["segments"]] == ["VIP", "Grandes en mora", "Resto"]
    assert f'data-segment="{segments[0].pk}"' in fragment.content.decode()
    assert fragment.context["rows"][0][1].debtors == 1


def test_a_segment_is_edited_with_form_fields_and_audited(creditor, segments):
    vip = segments[0]
    client = browser_of(staff("sofia", SUPERVISOR, creditor))
    data = {
        "name": "VIP y corporativos", "position": "1", "policy": str(vip.policy_id),
        "tags_any": "vip, corporativo", "country": "co", "max_instalments": "12",
        "min_down_payment_percent": "10", "max_discount_percent": "5", "max_extension_days": "0",
    }  # fmt: skip

    response = client.post(f"/equipo/estrategia/segmentos/{vip.pk}/", data)

    assert response.status_code == 302
    vip.refresh_from_db()
    assert (vip.name, vip.tags_any, vip.country, vip.max_instalments) == (
        "VIP y corporativos", ["vip", "corporativo"], "CO", 12,
    )  # fmt: skip
    change = StrategyChange.objects.get(kind="segment", object_id=vip.pk)
    assert (change.before["tags_any"], change.after["tags_any"]) == (
        ["vip"],
        ["vip", "corporativo"],
    )


def test_a_segment_with_its_range_backwards_is_refused_and_unchanged(creditor, segments):
    big = segments[1]
    client = browser_of(staff("sofia", SUPERVISOR, creditor))
    data = {
        "name": "x", "position": "2", "policy": str(big.policy_id), "min_days_past_due": "30",
        "max_days_past_due": "10", "max_instalments": "6", "min_down_payment_percent": "20",
        "max_discount_percent": "0", "max_extension_days": "0",
    }  # fmt: skip

    response = client.post(f"/equipo/estrategia/segmentos/{big.pk}/", data)

    assert response.status_code == 400
    assert "Debe ser mayor o igual que «días de mora desde»." in response.content.decode()
    big.refresh_from_db()
    assert (big.name, big.max_days_past_due) == ("Grandes en mora", None)


def test_a_segment_cannot_use_another_creditors_policy(creditor, segments):
    theirs = Policy.objects.create(creditor=make_creditor(), code="ajena", name="Ajena")
    client = browser_of(staff("sofia", SUPERVISOR, creditor))
    data = {"name": "x", "position": "3", "policy": str(theirs.pk), "max_instalments": "6",
            "min_down_payment_percent": "20", "max_discount_percent": "0",
            "max_extension_days": "0"}  # fmt: skip

    response = client.post(f"/equipo/estrategia/segmentos/nuevo?acreedor={creditor.pk}", data)

    assert response.status_code == 400
    assert not Segment.objects.filter(name="x").exists()


def test_copying_the_defaults_gives_the_creditor_its_own_editable_segments(creditor):
    client = browser_of(staff("sofia", SUPERVISOR, creditor))
    shared = list(Segment.objects.filter(creditor__isnull=True).order_by("position", "pk"))

    response = client.post("/equipo/estrategia/copiar", {"acreedor": str(creditor.pk)})
    again = client.post("/equipo/estrategia/copiar", {"acreedor": str(creditor.pk)})

    assert response.status_code == again.status_code == 302
    own = list(Segment.objects.filter(creditor=creditor).order_by("position", "pk"))
    assert [s.name for s in own] == [s.name for s in shared]
    assert all(s.policy.creditor_id == creditor.pk for s in own)
    shared_steps = Step.objects.filter(policy__creditor__isnull=True, policy__segments__in=shared)
    own_steps = Step.objects.filter(policy__creditor=creditor)
    assert own_steps.count() == shared_steps.distinct().count()
    assert StrategyChange.objects.filter(kind="segment", creditor=creditor).count() == len(shared)
    assert Template.objects.filter(creditor=creditor).count() == 0


def test_a_debtor_owing_in_several_currencies_counts_in_the_one_owed_most(creditor, segments):
    rest = segments[2]
    dollars = Segment.objects.create(
        creditor=creditor, name="Dólares", position=0, policy=rest.policy, currency="USD",
        min_balance=Decimal("400"),
    )  # fmt: skip
    mostly_pesos = make_debtor(creditor)
    make_debt(mostly_pesos, "300000.00", currency="COP")
    make_debt(mostly_pesos, "900.00", currency="USD")
    only_dollars = make_debtor(creditor)
    make_debt(only_dollars, "450.00", currency="USD")
    make_debt(only_dollars, "50.00", currency="USD")
    tied = make_debtor(creditor)  # 500 each: the first currency alphabetically, EUR
    make_debt(tied, "500.00", currency="USD")
    make_debt(tied, "500.00", currency="EUR")

    previews = segment_previews(creditor, TODAY)

    assert [d.pk for d in previews[dollars.pk].sample] == [only_dollars.pk]
    assert previews[dollars.pk].debts == 2
    assert [d.pk for d in previews[rest.pk].sample] == [mostly_pesos.pk, tied.pk]
    assert [segment_for(person, TODAY).pk for person in (mostly_pesos, only_dollars, tied)] == [
        rest.pk, dollars.pk, rest.pk,
    ]  # fmt: skip


def test_the_strategy_and_template_pages_read_in_english(creditor, policy, segments):
    client = browser_of(staff("sofia", SUPERVISOR, creditor))
    client.cookies["django_language"] = "en"
    template = Template.objects.create(
        creditor=creditor, key="due_today", channel="sms", language="en", body="Hi {{ nombre }}"
    )

    strategy = client.get(f"/equipo/estrategia/?acreedor={creditor.pk}").content.decode()
    page = client.get(f"/equipo/estrategia/politicas/{policy.pk}/").content.decode()
    editor = client.get(f"/equipo/plantillas/{template.pk}/").content.decode()
    refused = client.post(
        f"/equipo/estrategia/politicas/{policy.pk}/",
        _post_data(policy, {(2, "repeat_until_days"): "31"}),
    )

    assert "Collection strategy" in strategy and "Segments" in strategy
    assert "Save the policy" in page and "Timeline" in page
    assert "Preview" in editor and "Hi Emma" in editor
    assert "Step 3 (day 30) · " in refused.content.decode()


def test_two_steps_on_the_same_day_with_the_same_action_are_refused(policy):
    client = browser_of(staff("sofia", SUPERVISOR, policy.creditor))

    response = client.post(
        f"/equipo/estrategia/politicas/{policy.pk}/",
        _post_data(policy, {(1, "offset_days"): "-15"}),
    )

    assert response.status_code == 400
    assert response.context["problems"] == [
        "Los pasos 1 y 2 son del mismo día (-15) con la misma acción: cambie el día o la acción "
        "de uno."
    ]
    assert sorted(policy.steps.values_list("offset_days", flat=True)) == [-15, 0, 30]


def test_a_creditor_on_the_defaults_copies_them_before_adding_a_segment(creditor):
    client = browser_of(staff("sofia", SUPERVISOR, creditor))
    shared_policy = Policy.objects.filter(creditor__isnull=True).first()

    response = client.post(
        f"/equipo/estrategia/segmentos/nuevo?acreedor={creditor.pk}",
        {"name": "x", "position": "1", "policy": str(shared_policy.pk), "max_instalments": "6",
         "min_down_payment_percent": "20", "max_discount_percent": "0",
         "max_extension_days": "0"},
    )  # fmt: skip

    assert response.status_code == 302
    assert not Segment.objects.filter(creditor=creditor).exists()
    assert [str(m) for m in response.wsgi_request._messages] == [
        "Primero cree los segmentos propios a partir de los por defecto."
    ]
