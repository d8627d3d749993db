"""The staff-only phone simulator, against a running sandbox."""

from __future__ import annotations

import time

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from recaudo.policies.models import Template
from recaudo.sandbox.catalog import Approved, approved_whatsapp_templates
from tests.factories import make_debtor
from tests.sandbox.conftest import CREDENTIALS
from tests.sandbox.support import hub_signature_is_valid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox_enabled")]
PHONE = "+5215512345671"


@pytest.fixture
def staff_client(client_factory):
    return client_factory(is_staff=True)


@pytest.fixture
def client_factory(db):
    from django.test import Client

    def make(**flags):
        user = get_user_model().objects.create_user(f"user{len(flags)}", password="x", **flags)
        browser = Client()
        browser.force_login(user)
        return browser

    return make


@pytest.fixture
def debtor(creditor):
    return make_debtor(creditor, full_name="Ana María Pérez", phone=PHONE)


@pytest.fixture
def sandbox_url(server, settings):
    settings.SANDBOX_URL = server.url
    return server.url


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse("sandbox:debtors"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_user_who_is_not_staff_cannot_open_the_simulator(client_factory, debtor):
    browser = client_factory(is_staff=False)
    for url in (reverse("sandbox:debtors"), reverse("sandbox:phone", args=[debtor.pk])):
        response = browser.get(url)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_staff_find_debtors_by_name_or_phone(staff_client, debtor, creditor):
    make_debtor(creditor, full_name="Bruno Díaz", phone="+5215599999991")
    by_name = staff_client.get(reverse("sandbox:debtors"), {"q": "maría"})
    assert by_name.status_code == 200
    assert list(by_name.context["page"]) == [debtor]
    by_phone = staff_client.get(reverse("sandbox:debtors"), {"q": "12345671"})
    assert list(by_phone.context["page"]) == [debtor]
    assert "Ana María Pérez" in by_phone.content.decode()


def test_the_phone_shows_the_debtors_messages_with_ticks(staff_client, debtor, sandbox_url):
    body = {
        "messaging_product": "whatsapp",
        "to": PHONE.lstrip("+"),
        "type": "template",
        "template": {
            "name": "recordatorio_pago",
            "language": {"code": "es_MX"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Ana"},
                        {"type": "text", "text": "$1,250.00"},
                        {"type": "text", "text": "15 de agosto"},
                    ],
                }
            ],
        },
    }
    headers = {"Authorization": f"Bearer {CREDENTIALS.whatsapp_access_token}"}
    url = f"{sandbox_url}/whatsapp/v21.0/{CREDENTIALS.whatsapp_phone_number_id}/messages"
    assert httpx.post(url, json=body, headers=headers).status_code == 200
    sms = {"To": PHONE, "From": CREDENTIALS.twilio_from_number, "Body": "Tu saldo vence hoy"}
    twilio = (
        f"{sandbox_url}/twilio/2010-04-01/Accounts/{CREDENTIALS.twilio_account_sid}/Messages.json"
    )
    auth = (CREDENTIALS.twilio_account_sid, CREDENTIALS.twilio_auth_token)
    assert httpx.post(twilio, data=sms, auth=auth).status_code == 201
    time.sleep(0.4)  # the statuses move in the background
    response = staff_client.get(reverse("sandbox:phone", args=[debtor.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "[recordatorio_pago] Ana · $1,250.00 · 15 de agosto" in page
    assert "Tu saldo vence hoy" in page
    assert "✓✓ leído" in page
    assert "✓✓ entregado" in page
    conversations = {
        channel: messages for channel, _, messages in response.context["conversations"]
    }
    assert [m["status"] for m in conversations["whatsapp"]] == ["read"]
    assert [m["status"] for m in conversations["sms"]] == ["delivered"]


def test_the_phone_says_so_when_the_sandbox_is_not_running(staff_client, debtor, settings):
    settings.SANDBOX_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    response = staff_client.get(reverse("sandbox:phone", args=[debtor.pk]))
    assert response.status_code == 200
    assert response.context["unavailable"] is True
    assert "El sandbox no está en ejecución" in response.content.decode()


def test_answering_as_the_debtor_goes_through_the_inbound_webhook(
    staff_client, debtor, sandbox_url, receiver
):
    url = reverse("sandbox:phone", args=[debtor.pk])
    response = staff_client.post(
        url, {"channel": "whatsapp", "phone": PHONE, "text": "Pago el viernes"}
    )
    assert response.status_code == 302
    assert response["Location"] == url
    request = receiver.wait_for(1)[0]
    assert request.path == "/webhooks/whatsapp"
    signature = request.headers["X-Hub-Signature-256"]
    assert hub_signature_is_valid(CREDENTIALS.whatsapp_app_secret, request.body, signature)
    message = request.json()["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message["text"] == {"body": "Pago el viernes"}
    assert "Pago el viernes" in staff_client.get(url).content.decode()


def test_an_answer_from_a_phone_the_debtor_does_not_have_is_refused(
    staff_client, debtor, sandbox_url, receiver
):
    url = reverse("sandbox:phone", args=[debtor.pk])
    response = staff_client.post(url, {"channel": "sms", "phone": "+5215500000000", "text": "hola"})
    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    assert receiver.wait_for(1, timeout=0.3) == []


def test_templates_naming_a_whatsapp_template_are_approved_in_the_sandbox(creditor):
    Template.objects.create(
        key="recordatorio",
        channel="whatsapp",
        language="es",
        body="Hola {{ nombre }}, debes {{ total }} que vence el {{ vence }}.",
        whatsapp_template_name="recordatorio_pago",
        whatsapp_template_language="es_MX",
        whatsapp_parameters=["nombre", "total", "vence"],
    )
    Template.objects.create(
        key="aviso", channel="whatsapp", language="pt", body="Olá", whatsapp_template_name="aviso"
    )
    Template.objects.create(key="aviso", channel="sms", language="es", body="Hola")
    approved = approved_whatsapp_templates()
    assert Approved("aviso", "pt", 0, "Olá") in approved
    assert (
        Approved(
            "recordatorio_pago",
            "es_MX",
            3,
            "Hola {{1}}, debes {{2}} que vence el {{3}}.",
            buttons=("url",),
        )
        in approved
    )
    assert all(found.name != "" for found in approved)
    # The shipped statement reminder: its PDF as the header, the payment link, three quick replies.
    statement = next(a for a in approved if a.name == "recaudo_statement_document")
    assert (statement.header, statement.buttons) == (
        "document",
        ("url", "quick_reply", "quick_reply", "quick_reply"),
    )
    shipped = Template.objects.exclude(whatsapp_template_name="").count()
    assert len(approved) <= shipped


def _rbm_channel(sandbox_url):
    from recaudo.delivery.channels.rcs import RbmChannel

    return RbmChannel(
        {
            "base_url": f"{sandbox_url}/rbm",
            "agent_id": CREDENTIALS.rbm_agent_id,
            "access_token": CREDENTIALS.rbm_access_token,
            "client_token": CREDENTIALS.rbm_client_token,
        }
    )


def _rcs_reminder(to: str):
    from recaudo.outreach.contract import OutboundMessage, Suggestion

    return OutboundMessage(
        outreach_id=None, channel="rcs", to=to, text="Ana, tu pago de $1,250 vence hoy.",
        idempotency_key="outreach-7-0", card_title="Tienda Sol",
        suggestions=(
            Suggestion("Pagar", "recaudo:pay", url="https://pagos.test/p/tok"),
            Suggestion("Hablar con un asesor", "recaudo:agent"),
            Suggestion("Ya pagué", "recaudo:paid"),
        ),
    )  # fmt: skip


def _tapped(request) -> dict:
    import base64
    import json

    return json.loads(base64.b64decode(request.json()["message"]["data"]))


def test_the_phone_shows_rcs_chips_as_buttons_and_a_tap_posts_rbms_suggestion_response(
    staff_client, debtor, sandbox_url, receiver
):
    from django.test import Client

    from recaudo.conversations.models import Message
    from tests.sandbox.support import goog_signature_is_valid

    assert _rbm_channel(sandbox_url).send(_rcs_reminder(PHONE)).outcome == "accepted"
    url = reverse("sandbox:phone", args=[debtor.pk])

    page = staff_client.get(url).content.decode()

    assert '<span class="choices choices-rcs">' in page
    for postback, title in (("recaudo:pay", "Pagar"), ("recaudo:agent", "Hablar con un asesor")):
        assert f'<button type="submit" data-choice="{postback}">{title}</button>' in page
    assert 'href="https://pagos.test/p/tok" target="_blank"' in page

    tap = {"channel": "rcs", "choice_kind": "rcs_action", "choice_id": "recaudo:pay",
           "choice_title": "Pagar", "phone": PHONE}  # fmt: skip
    assert staff_client.post(url, tap).status_code == 302

    [webhook] = receiver.wait_for(1, where=lambda r: b"suggestionResponse" in _raw_data(r))
    event = _tapped(webhook)
    assert event["suggestionResponse"] == {
        "postbackData": "recaudo:pay", "text": "Pagar", "type": "ACTION",
    }  # fmt: skip
    assert "text" not in event
    signed = webhook.headers["X-Goog-Signature"]
    assert goog_signature_is_valid(CREDENTIALS.rbm_client_token, _raw_data(webhook), signed)
    # Recaudo takes it as the provider's own webhook: the bot reads the postback.
    answer = Client().post("/webhooks/rbm", webhook.body, content_type="application/json",
                           HTTP_X_GOOG_SIGNATURE=signed)  # fmt: skip
    assert answer.status_code == 200
    message = Message.objects.get(direction="in")
    assert (message.channel, message.text, message.intent) == ("rcs", "Pagar", "payment_link")


def _raw_data(request) -> bytes:
    import base64

    try:
        return base64.b64decode(request.json()["message"]["data"])
    except (KeyError, ValueError, TypeError):
        return b""


def test_a_tap_of_a_chip_kind_the_channel_does_not_have_is_refused(
    staff_client, debtor, sandbox_url, receiver
):
    url = reverse("sandbox:phone", args=[debtor.pk])
    wrong = {"channel": "rcs", "choice_kind": "quick_reply", "choice_id": "pay",
             "choice_title": "Pagar", "phone": PHONE}  # fmt: skip

    response = staff_client.post(url, wrong, follow=True)

    assert "Ese botón no es de este deudor." in response.content.decode()
    assert receiver.wait_for(1, timeout=0.3) == []
