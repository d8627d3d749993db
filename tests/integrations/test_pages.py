"""The back office's integration pages: admins manage, supervisors read, others are refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from recaudo.integrations.models import Delivery, Endpoint
from recaudo.portfolio.outbound import EventType, emit
from recaudo.roles import ADMIN, AGENT, AUDITOR, SUPERVISOR
from tests.factories import make_creditor, make_debtor
from tests.staff.helpers import browser_of, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def two():
    mine, theirs = make_creditor(name="Mío"), make_creditor(name="Ajeno")
    for creditor in (mine, theirs):
        Endpoint.objects.create(
            creditor=creditor, name=f"ERP {creditor.name}", url="https://erp.example/h",
            secret="whsec_x",
        )  # fmt: skip
    return mine, theirs


def test_an_admin_creates_an_endpoint_and_sees_its_secret_once(two, settings):
    mine, _ = two
    client = browser_of(staff("ana", ADMIN, mine))

    page = client.post(
        "/equipo/integraciones/",
        {"creditor": mine.pk, "name": "Contabilidad", "url": "https://conta.example/recaudo",
         "event_types": ["payment.recorded", "plan.broken"]},
    ).content.decode()  # fmt: skip

    made = Endpoint.objects.get(name="Contabilidad")
    assert made.creditor == mine
    assert made.event_types == ["payment.recorded", "plan.broken"]
    assert made.secret.startswith("whsec_") and made.secret in page
    assert made.secret not in client.get("/equipo/integraciones/").content.decode()


def test_an_admin_cannot_make_an_endpoint_for_a_creditor_outside_their_scope(two):
    mine, theirs = two
    client = browser_of(staff("ana", ADMIN, mine))

    client.post(
        "/equipo/integraciones/",
        {"creditor": theirs.pk, "name": "X", "url": "https://x.example/h"},
    ).content.decode()

    assert not Endpoint.objects.filter(name="X").exists()


def test_the_list_shows_only_the_users_creditors(two):
    mine, _ = two
    page = browser_of(staff("sofia", SUPERVISOR, mine)).get("/equipo/integraciones/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "ERP Mío" in text and "ERP Ajeno" not in text
    assert 'id="new-endpoint"' not in text  # a supervisor reads, does not create


@pytest.mark.parametrize("role", [AGENT, AUDITOR])
def test_agents_and_auditors_are_refused(two, role):
    mine, _ = two
    client = browser_of(staff("x", role, mine))
    endpoint = Endpoint.objects.get(creditor=mine)

    assert client.get("/equipo/integraciones/").status_code == 403
    assert client.get(f"/equipo/integraciones/{endpoint.pk}/").status_code == 403


def test_a_supervisor_reads_the_delivery_log_but_cannot_replay_or_disable(two):
    mine, _ = two
    endpoint = Endpoint.objects.get(creditor=mine)
    debtor = make_debtor(mine)
    emit(EventType.PAYMENT_RECORDED, creditor_id=mine.pk, debtor_id=debtor.pk, data={})
    client = browser_of(staff("sofia", SUPERVISOR, mine))

    log = client.get(f"/equipo/integraciones/{endpoint.pk}/").content.decode()

    assert "payment.recorded" in log and debtor.external_id in log
    assert client.post(f"/equipo/integraciones/{endpoint.pk}/desactivar").status_code == 403
    replay = client.post(f"/equipo/integraciones/{endpoint.pk}/reenviar", {"since": "2026-01-01"})
    assert replay.status_code == 403
    assert Endpoint.objects.get(pk=endpoint.pk).active


def test_an_admin_disables_enables_and_replays_from_a_date(two):
    mine, _ = two
    endpoint = Endpoint.objects.get(creditor=mine)
    debtor = make_debtor(mine)
    emit(EventType.PAYMENT_RECORDED, creditor_id=mine.pk, debtor_id=debtor.pk, data={})
    Delivery.objects.update(status="delivered", delivered_at=datetime.now(UTC))
    client = browser_of(staff("ana", ADMIN, mine))

    client.post(f"/equipo/integraciones/{endpoint.pk}/desactivar")
    assert Endpoint.objects.get(pk=endpoint.pk).active is False
    client.post(f"/equipo/integraciones/{endpoint.pk}/activar")
    assert Endpoint.objects.get(pk=endpoint.pk).active is True
    client.post(f"/equipo/integraciones/{endpoint.pk}/reenviar", {"since": "2026-01-01"})

    assert list(Delivery.objects.values_list("status", "attempts")) == [("pending", 0)]


def test_an_endpoint_of_another_creditor_is_a_404_even_for_an_admin(two):
    mine, theirs = two
    client = browser_of(staff("ana", ADMIN, mine))
    other = Endpoint.objects.get(creditor=theirs)

    assert client.get(f"/equipo/integraciones/{other.pk}/").status_code == 404
    assert client.post(f"/equipo/integraciones/{other.pk}/desactivar").status_code == 404
    assert Endpoint.objects.get(pk=other.pk).active


def test_the_staff_home_links_the_integrations_for_admins_and_supervisors_only(two):
    mine, _ = two

    supervisor = browser_of(staff("sofia", SUPERVISOR, mine)).get("/equipo/").content.decode()
    agent = browser_of(staff("pedro", AGENT, mine)).get("/equipo/").content.decode()

    assert 'href="/equipo/integraciones/"' in supervisor
    assert 'href="/equipo/integraciones/"' not in agent
