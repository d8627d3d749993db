"""The phone simulator is mounted only with SANDBOX_ENABLED, and shows an agent only the
debtors of their creditor, as the inbox does."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import NoReverseMatch, reverse

from recaudo.conversations.models import AgentProfile, Message
from recaudo.outreach.models import WebhookEvent
from recaudo.roles import CREDITOR_VIEWER, set_role
from tests.factories import make_creditor, make_debtor
from tests.helpers import ROOT

pytestmark = pytest.mark.django_db
MINE, THEIRS = "+5215512345601", "+5215512345602"


@pytest.fixture
def debtors(db):
    mine = make_debtor(make_creditor(), full_name="Ana Propia", phone=MINE)
    theirs = make_debtor(make_creditor(), full_name="Berta Ajena", phone=THEIRS)
    return mine, theirs


def logged_in(username: str, *, creditor=None, superuser: bool = False) -> Client:
    user = get_user_model().objects.create_user(
        username, password="x", is_staff=True, is_superuser=superuser
    )
    if creditor is not None:
        AgentProfile.objects.create(user=user, creditor=creditor)
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def sandbox_url(server, settings):
    settings.SANDBOX_URL = server.url
    return server.url


def test_an_agent_lists_and_finds_only_their_creditors_debtors(sandbox_enabled, debtors):
    mine, _ = debtors
    agent = logged_in("agente", creditor=mine.creditor)

    listing = agent.get(reverse("sandbox:debtors"))
    by_their_phone = agent.get(reverse("sandbox:debtors"), {"q": THEIRS[-6:]})
    by_their_name = agent.get(reverse("sandbox:debtors"), {"q": "Berta"})

    assert listing.status_code == 200
    assert list(listing.context["page"]) == [mine]
    assert "Berta Ajena" not in listing.content.decode()
    assert THEIRS not in listing.content.decode()
    assert list(by_their_phone.context["page"]) == []
    assert list(by_their_name.context["page"]) == []


def test_an_agent_cannot_open_another_creditors_debtors_phone(
    sandbox_enabled, debtors, sandbox_url
):
    mine, theirs = debtors
    agent = logged_in("agente", creditor=mine.creditor)

    assert agent.get(reverse("sandbox:phone", args=[mine.pk])).status_code == 200
    response = agent.get(reverse("sandbox:phone", args=[theirs.pk]))

    assert response.status_code == 404
    assert THEIRS not in response.content.decode()


def test_an_agent_cannot_answer_as_another_creditors_debtor_and_nothing_is_sent(
    sandbox_enabled, debtors, sandbox_url, receiver, api
):
    mine, theirs = debtors
    agent = logged_in("agente", creditor=mine.creditor)

    response = agent.post(
        reverse("sandbox:phone", args=[theirs.pk]),
        {"channel": "whatsapp", "phone": THEIRS, "text": "Ya pagué"},
    )

    assert response.status_code == 404
    assert receiver.wait_for(1, timeout=0.5) == []
    assert api.get("/_sandbox/messages", params={"address": THEIRS}).json()["messages"] == []
    assert not Message.objects.exists()
    assert not WebhookEvent.objects.exists()


def test_a_superuser_lists_opens_and_answers_as_every_creditors_debtors(
    sandbox_enabled, debtors, sandbox_url, receiver
):
    mine, theirs = debtors
    admin = logged_in("raiz", creditor=mine.creditor, superuser=True)

    listing = admin.get(reverse("sandbox:debtors"))
    assert {debtor.pk for debtor in listing.context["page"]} == {mine.pk, theirs.pk}
    assert admin.get(reverse("sandbox:phone", args=[theirs.pk])).status_code == 200
    answer = admin.post(
        reverse("sandbox:phone", args=[theirs.pk]),
        {"channel": "sms", "phone": THEIRS, "text": "Ya pagué"},
    )
    assert answer.status_code == 302
    assert receiver.wait_for(1)[0].path == "/webhooks/twilio"


def test_staff_tied_to_no_creditor_see_every_creditors_debtors(sandbox_enabled, debtors):
    staff = logged_in("equipo")

    listing = staff.get(reverse("sandbox:debtors"))

    assert {debtor.pk for debtor in listing.context["page"]} == {debtor.pk for debtor in debtors}


def test_with_the_sandbox_disabled_the_simulator_is_not_mounted(sandbox_disabled, debtors):
    mine, _ = debtors
    admin = logged_in("raiz", superuser=True)

    assert admin.get("/sandbox/").status_code == 404
    assert admin.get(f"/sandbox/deudores/{mine.pk}/").status_code == 404
    response = admin.post(
        f"/sandbox/deudores/{mine.pk}/", {"channel": "sms", "phone": MINE, "text": "hola"}
    )
    assert response.status_code == 404
    with pytest.raises(NoReverseMatch):
        reverse("sandbox:debtors")
    assert not Message.objects.exists()


def _sandbox_enabled_with(**environment: str) -> bool:
    """settings.SANDBOX_ENABLED as a fresh process reads it from this environment."""
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SANDBOX_ENABLED")}
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.SANDBOX_ENABLED))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "recaudo.settings", **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("environment", "enabled"),
    [
        ({}, False),
        ({"DEBUG": "true"}, True),
        ({"DEBUG": "false", "SANDBOX_ENABLED": "true"}, True),
        ({"DEBUG": "true", "SANDBOX_ENABLED": "false"}, False),
    ],
    ids=["default-off", "on-with-debug", "on-when-asked", "off-when-asked-in-debug"],
)
def test_sandbox_enabled_follows_debug_unless_set(environment, enabled):
    assert _sandbox_enabled_with(**environment) is enabled


def test_a_creditor_viewer_cannot_answer_as_their_own_debtor(
    sandbox_enabled, debtors, sandbox_url, receiver
):
    mine, _ = debtors
    viewer = get_user_model().objects.create_user("cliente", password="x", is_staff=True)
    set_role(viewer, CREDITOR_VIEWER)
    AgentProfile.objects.create(user=viewer, creditor=mine.creditor)
    browser = Client()
    browser.force_login(viewer)

    page = browser.get(reverse("sandbox:phone", args=[mine.pk]))
    answer = browser.post(
        reverse("sandbox:phone", args=[mine.pk]),
        {"channel": "sms", "phone": MINE, "text": "Ya pagué"},
    )

    assert page.status_code == 200
    assert answer.status_code == 403
    assert receiver.wait_for(1, timeout=0.5) == []
    assert not Message.objects.exists()
