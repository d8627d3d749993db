"""A direct debit's own notices: the debtor reads the date, the amount, the card and the way out.

Issue 19: the notice before a charge reused the promise reminder ("you can
pay at...") and a refused charge the "online payment not completed" one. The
charges run against the payment sandbox (Stripe's API and test cards); the
notices go through the dispatcher (``delivery.messages``) and, on WhatsApp,
into the sandbox's Cloud API, which accepts only an approved template with
its exact number of parameters.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest
from django.utils import timezone

from recaudo.delivery.channels.whatsapp import WhatsAppChannel
from recaudo.outreach.models import Outreach
from recaudo.payments import debit, debit_charges
from recaudo.payments.actions import agree_plan
from recaudo.payments.agreements import settle_agreements
from recaudo.payments.links import live_link
from recaudo.portfolio.models import ChannelConsent, ContactPoint
from recaudo.sandbox.catalog import approved_whatsapp_templates
from tests.dispatching import dispatch_and_record
from tests.factories import make_creditor, make_debt, make_debtor
from tests.helpers import own_token
from tests.payments.test_debit import NEEDS_AUTHENTICATION, NO_FUNDS, enrol

pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 15) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def reachable(debtor, channels: list[str], value: str = "") -> None:
    """The debtor's one contact point, on ``channels``, each with its consent."""
    debtor.contact_points.all().delete()
    kind = "email" if channels == ["email"] else "phone"
    point = ContactPoint.objects.create(
        debtor=debtor, kind=kind, value=value or "+573001112233", channels=channels
    )
    for channel in channels:
        ChannelConsent.objects.create(
            contact_point=point, channel=channel, source="contrato", granted_at=timezone.now()
        )


@pytest.fixture
def plan(debtor, frozen):
    """1 419 567.50 COP in three: 283 913.50 on 2026-11-20, 567 827.00 in December and January."""
    reachable(debtor, ["whatsapp", "sms"])
    plan = agree_plan(live_link(debtor.pk), down_payment=Decimal("283913.50"), count=2)
    Outreach.objects.all().delete()  # the "plan agreed" notice: not what these tests read
    return plan


@pytest.fixture
def brazilian(frozen):
    creditor = make_creditor(brand_name="Vivacel", country="BR", default_currency="BRL")
    debtor = make_debtor(
        creditor, first_name="Juliana", full_name="Juliana Souza", country="BR",
        timezone="America/Sao_Paulo", language="pt",
    )  # fmt: skip
    make_debt(debtor, "3000.00", due_on=date(2026, 11, 1))
    reachable(debtor, ["sms"], "+5511987654321")
    agree_plan(live_link(debtor.pk), down_payment=Decimal("600"), count=2)
    Outreach.objects.all().delete()
    return debtor


@pytest.fixture
def american(frozen):
    creditor = make_creditor(brand_name="Brightline", country="US", default_currency="USD")
    debtor = make_debtor(
        creditor, first_name="Jessica", full_name="Jessica Miller", country="US",
        timezone="America/New_York", language="en",
    )  # fmt: skip
    make_debt(debtor, "900.00", due_on=date(2026, 11, 1))
    reachable(debtor, ["sms"], "+12025550123")
    agree_plan(live_link(debtor.pk), down_payment=Decimal("300"), count=2)
    Outreach.objects.all().delete()
    return debtor


def send_to_cloud_api(payment_sandbox, message):
    """Send ``message`` to the sandbox's WhatsApp Cloud API, every shipped template approved
    there: the outcome and the request bodies that went."""
    for approved in approved_whatsapp_templates():
        payment_sandbox.sandbox.catalog.register(
            approved.name, approved.language, approved.parameter_count, approved.text,
            header=approved.header, buttons=approved.buttons,
        )  # fmt: skip
    bodies: list[dict] = []

    class Recording(httpx.HTTPTransport):
        def handle_request(self, request):
            bodies.append(json.loads(request.read()))
            return super().handle_request(request)

    channel = WhatsAppChannel(
        {"base_url": f"{payment_sandbox.url}/whatsapp/v21.0"}, transport=Recording()
    )
    return channel.send(message), bodies


def only_message(when: datetime):
    """The one message a dispatcher pass sends once the notice's window is open."""
    row = Outreach.objects.get(action="notice", status="planned")
    [message] = dispatch_and_record(max(when, row.window_start))
    return message


def test_the_notice_before_a_charge_names_the_date_amount_card_and_instalment_in_spanish(
    client, debtor, plan, payment_sandbox, frozen
):
    enrol(client, debtor)  # Visa 4242
    december = plan.instalments.get(number=1)
    frozen.move_to(at(date(2026, 12, 18)))

    assert settle_agreements(date(2026, 12, 18))["debit_notices"] == 1

    notice = Outreach.objects.get(notice_key=f"debit-notice:{december.pk}")
    assert notice.template_key == "debit_upcoming"
    assert notice.notice_context == {
        "card_brand": "visa",
        "card_last4": "4242",
        "instalment_number": 2,
        "instalment_count": 3,
        "charge_amount": "567827.00",
        "currency": "COP",
        "charge_date": "2026-12-20",
    }
    message = only_message(at(date(2026, 12, 18)))
    assert message.channel == "whatsapp"
    link = f"http://127.0.0.1:8000/p/{own_token(message, debtor)}"
    assert message.text == (
        "Hola Camila, te escribimos de Tienda Sol: el 20 de diciembre cargaremos $567.827,00 "
        "a tu tarjeta Visa terminada en 4242 (cuota 2 de 3 de tu plan).\n"
        f"Si quieres cancelar la domiciliación: {link}\n¡Gracias!"
    )


def test_the_whatsapp_notice_is_an_approved_template_the_cloud_api_accepts(
    client, debtor, plan, payment_sandbox, frozen
):
    enrol(client, debtor)
    frozen.move_to(at(date(2026, 12, 18)))
    settle_agreements(date(2026, 12, 18))
    message = only_message(at(date(2026, 12, 18)))
    result, bodies = send_to_cloud_api(payment_sandbox, message)

    assert result.outcome == "accepted", result.error_message
    [sent] = bodies
    template = sent["template"]
    assert (template["name"], template["language"]) == ("recaudo_debit_upcoming", {"code": "es"})
    body = template["components"][0]
    assert [p["text"] for p in body["parameters"]] == [
        "Camila",
        "Tienda Sol",
        "20 de diciembre",
        "$567.827,00",
        "Visa",
        "4242",
        "2",
        "3",
        f"http://127.0.0.1:8000/p/{own_token(message, debtor)}",
    ]


def test_a_declined_charge_tells_which_card_why_and_the_retry_date(
    client, debtor, plan, payment_sandbox
):
    enrol(client, debtor, NO_FUNDS)

    assert debit_charges.charge_due_debits(at(date(2026, 11, 20))) == {"failed": 1}

    notice = Outreach.objects.get(action="notice", template_key="debit_failed")
    assert notice.notice_context["retry_date"] == "2026-11-21"
    message = only_message(at(date(2026, 11, 20)))
    link = f"http://127.0.0.1:8000/p/{own_token(message, debtor)}"
    assert message.text == (
        "Hola Camila, te escribimos de Tienda Sol: tu banco rechazó el cobro de $283.913,50 a "
        "tu tarjeta Visa terminada en 9995 (cuota 1 de 3). Lo intentaremos de nuevo el 21 de "
        f"noviembre.\nSi prefieres pagar antes, o cancelar la domiciliación: {link}\n"
        "Si necesitas ayuda, responde a este mensaje."
    )


def test_the_last_refused_attempt_says_there_will_be_no_other_and_links_paying_by_hand(
    client, debtor, plan, payment_sandbox
):
    enrol(client, debtor, NO_FUNDS)
    reachable(debtor, ["sms"])
    for day in (date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 23)):
        assert debit_charges.charge_due_debits(at(day)) == {"failed": 1}

    keys = list(
        Outreach.objects.filter(action="notice")
        .order_by("pk")
        .values_list("template_key", flat=True)
    )
    assert keys == ["debit_failed", "debit_failed", "debit_failed_final"]
    last = Outreach.objects.get(template_key="debit_failed_final")
    assert "retry_date" not in last.notice_context
    Outreach.objects.exclude(pk=last.pk).update(status="cancelled")
    message = only_message(at(date(2026, 11, 23)))
    assert message.channel == "sms"
    link = f"http://127.0.0.1:8000/p/{own_token(message, debtor)}"
    assert message.text == (
        "Tienda Sol: hola Camila, tu banco rechazo el cobro de $283.913,50 a tu tarjeta Visa "
        "terminada en 9995 (cuota 1 de 3). No lo intentaremos de nuevo: puedes pagarla con otro "
        f"medio o cancelar la domiciliacion en {link}"
    )


def test_a_bank_asking_for_authentication_sends_the_debtor_to_pay_by_hand(
    client, debtor, plan, payment_sandbox
):
    enrol(client, debtor, NEEDS_AUTHENTICATION)

    assert debit_charges.charge_due_debits(at(date(2026, 11, 20))) == {"action_required": 1}

    message = only_message(at(date(2026, 11, 20)))
    link = f"http://127.0.0.1:8000/p/{own_token(message, debtor)}"
    assert message.text == (
        "Hola Camila, te escribimos de Tienda Sol: tu banco pide que confirmes tú mismo el cobro "
        "de $283.913,50 a tu tarjeta Visa terminada en 3184 (cuota 1 de 3), así que no se hizo "
        "y no lo intentaremos de nuevo.\nPuedes pagar la cuota, o cancelar la domiciliación, "
        f"aquí: {link}\nSi necesitas ayuda, responde a este mensaje."
    )


def test_a_brazilian_debtor_reads_the_notice_in_portuguese_with_reais(
    client, brazilian, payment_sandbox, frozen
):
    enrol(client, brazilian)
    plan = brazilian.instalment_plans.get()
    frozen.move_to(datetime(2026, 12, 18, 13, tzinfo=UTC))  # 10:00 in São Paulo

    assert settle_agreements(date(2026, 12, 18))["debit_notices"] == 1

    message = only_message(datetime(2026, 12, 18, 13, tzinfo=UTC))  # 10:00 in São Paulo
    assert message.channel == "sms"
    link = f"http://127.0.0.1:8000/p/{own_token(message, brazilian)}"
    assert message.text == (
        "Vivacel: oi Juliana, em 20 de dezembro vamos cobrar R$ 1.200,00 no seu cartao Visa "
        "final 4242 (parcela 2 de 3 do seu plano). Para cancelar o debito automatico: "
        f"{link}"
    )
    assert plan.instalments.get(number=1).amount == Decimal("1200.00")


def test_an_english_debtor_reads_the_declined_notice_in_english_with_dollars(
    client, american, payment_sandbox
):
    enrol(client, american, NO_FUNDS)

    assert debit_charges.charge_due_debits(at(date(2026, 11, 20))) == {"failed": 1}

    message = only_message(at(date(2026, 11, 20)))
    link = f"http://127.0.0.1:8000/p/{own_token(message, american)}"
    assert message.text == (
        "Brightline: Hi Jessica, your bank declined the $300.00 charge to your Visa card ending "
        "in 9995 (instalment 1 of 3). We will try again on November 21. Pay sooner or cancel "
        f"the direct debit at {link} Reply STOP to opt out."
    )


def test_cancelling_from_the_portal_is_confirmed_once_by_email(
    client, debtor, plan, payment_sandbox, django_capture_on_commit_callbacks
):
    mandate = enrol(client, debtor)
    reachable(debtor, ["email"], "camila@example.com")
    debtor.creditor.support_email = ""
    debtor.creditor.save(update_fields=["support_email"])
    token = live_link(debtor.pk).token

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/p/{token}/domiciliar/cancelar")
    debit.cancel_mandate(mandate, channel="portal", by="again")  # already cancelled: no second

    notice = Outreach.objects.get(action="notice")
    assert (notice.template_key, notice.notice_key) == (
        "debit_cancelled",
        f"debit-cancelled:{mandate.pk}",
    )
    message = only_message(timezone.now())
    link = f"http://127.0.0.1:8000/p/{own_token(message, debtor)}"
    assert message.subject == "Tienda Sol: cancelamos tu domiciliación"
    assert message.text == (
        "Hola Camila:\n\nCancelamos la domiciliación de tu tarjeta Visa terminada en 4242: no "
        "haremos más cobros automáticos.\n\nLas cuotas que quedan puedes pagarlas aquí: "
        f"{link}\n\n¿Tienes preguntas? Contáctanos: +57 601 555 0100, o responde a este correo."
        "\n\nUn saludo,\nEquipo Tienda Sol"
    )


def test_a_cancel_asked_in_the_conversation_sends_no_second_confirmation(
    client, debtor, plan, payment_sandbox
):
    mandate = enrol(client, debtor)

    debit.cancel_mandate(mandate, channel="bot", by="thread 1")

    assert not Outreach.objects.filter(template_key="debit_cancelled").exists()


def test_a_debtor_addressed_as_usted_reads_the_notice_in_usted(
    client, debtor, plan, payment_sandbox, frozen
):
    debtor.kind = "company"  # the shipped B2B policy says usted
    debtor.save(update_fields=["kind"])
    reachable(debtor, ["sms"])
    enrol(client, debtor)
    frozen.move_to(at(date(2026, 12, 18)))

    assert settle_agreements(date(2026, 12, 18))["debit_notices"] == 1

    message = only_message(at(date(2026, 12, 18)))
    link = f"http://127.0.0.1:8000/p/{own_token(message, debtor)}"
    assert message.text == (
        "Tienda Sol: hola Camila, el 20 de diciembre cargaremos $567.827,00 a su tarjeta Visa "
        "terminada en 4242 (cuota 2 de 3 de su plan). Si quiere cancelar la domiciliacion: "
        f"{link}"
    )
