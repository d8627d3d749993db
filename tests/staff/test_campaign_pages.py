"""Campaigns from the staff pages: a supervisor schedules and cancels, audited; the checks of
``outreach.campaigns.create`` name the field; others read; another creditor's is a 404."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from recaudo.outreach.models import Campaign
from recaudo.policies.models import StrategyChange
from recaudo.roles import AGENT, SUPERVISOR
from tests.factories import make_creditor
from tests.staff.helpers import browser_of, staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel("2026-11-23 15:00Z", tick=False):
        yield


def _form(creditor, **changes):
    data = {
        "acreedor": str(creditor.pk), "name": "Descuento de diciembre",
        "template_key": "payment_offer", "channels_0": "whatsapp", "channels_1": "sms",
        "channels_2": "", "send_on": "2026-12-01", "send_until": "2026-12-03",
        "results_days": "7",
    }  # fmt: skip
    return {**data, **changes}


def test_a_supervisor_schedules_a_campaign_audited(settings):
    creditor = make_creditor()
    client = browser_of(staff("sofia", SUPERVISOR, creditor))

    response = client.post("/equipo/campanas/", _form(creditor))

    assert response.status_code == 302
    made = Campaign.objects.get()
    assert (made.creditor, made.channels, made.send_on, made.send_until, made.created_by) == (
        creditor, ["whatsapp", "sms"], date(2026, 12, 1), date(2026, 12, 3), "staff:sofia",
    )  # fmt: skip
    change = StrategyChange.objects.get(kind="campaign", object_id=made.pk)
    assert (change.before, change.after["status"]) == ({}, "scheduled")
    page = client.get(f"/equipo/campanas/?acreedor={creditor.pk}")
    assert f'data-campaign="{made.pk}"' in page.content.decode()


def test_a_send_day_in_the_past_is_refused_naming_the_field():
    creditor = make_creditor()
    client = browser_of(staff("sofia", SUPERVISOR, creditor))

    response = client.post("/equipo/campanas/", _form(creditor, send_on="2026-11-20"))

    assert response.status_code == 400
    assert response.context["form"].errors["send_on"] == ["La fecha de envío 2026-11-20 ya pasó."]
    assert not Campaign.objects.exists()


def test_cancelling_a_scheduled_campaign_then_agents_and_other_creditors_cannot():
    creditor, other = make_creditor(), make_creditor()
    supervisor = browser_of(staff("sofia", SUPERVISOR, creditor))
    supervisor.post("/equipo/campanas/", _form(creditor))
    campaign = Campaign.objects.get()
    stranger = browser_of(staff("pedro", SUPERVISOR, other))
    agent = browser_of(staff("ana", AGENT, creditor))

    assert stranger.post(f"/equipo/campanas/{campaign.pk}/cancelar").status_code == 404
    assert stranger.get(f"/equipo/campanas/?acreedor={creditor.pk}").status_code == 404
    assert agent.post(f"/equipo/campanas/{campaign.pk}/cancelar").status_code == 403
    assert agent.post("/equipo/campanas/", _form(creditor, name="otra")).status_code == 403
    assert agent.get(f"/equipo/campanas/?acreedor={creditor.pk}").status_code == 200
    campaign.refresh_from_db()
    assert campaign.status == "scheduled"

    cancelled = supervisor.post(f"/equipo/campanas/{campaign.pk}/cancelar")

    campaign.refresh_from_db()
    assert (cancelled.status_code, campaign.status) == (302, "cancelled")
    assert StrategyChange.objects.filter(kind="campaign").count() == 2
    assert Campaign.objects.count() == 1
