"""A plan agreed sends the debtor its instalments (dates and amounts in their locale) and the link.

Issue 15: agreeing a plan on the portal or with the bot sent nothing; the
debtor had only the screen they had just left.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from recaudo.outreach.models import Outreach
from recaudo.payments.actions import agree_plan
from recaudo.payments.links import live_link
from recaudo.portfolio.models import ChannelConsent
from tests.dispatching import dispatch_and_record as _dispatch
from tests.factories import make_creditor, make_debt, make_debtor
from tests.helpers import own_token

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 in Bogotá, a Tuesday

pytestmark = pytest.mark.django_db


def _debtor(country="CO", phone="+573001234567", zone="America/Bogota", language="es"):
    creditor = make_creditor(brand_name="Tienda Sol", country=country)
    debtor = make_debtor(
        creditor, phone=phone, first_name="Lucía", full_name="Lucía Gómez", country=country,
        timezone=zone, language=language,
    )  # fmt: skip
    ChannelConsent.objects.create(
        contact_point=debtor.contact_points.get(),
        channel="whatsapp",
        source="contrato",
        granted_at=NOW - timedelta(days=30),
    )
    return debtor


def test_a_plan_agreed_on_the_portal_sends_every_instalment_with_its_date_and_amount(client):
    with time_machine.travel(NOW, tick=False):
        debtor = _debtor()
        make_debt(debtor, "300000.00", external_id="F-1")
        token = live_link(debtor.pk).token

        response = client.post(f"/p/{token}/plan", {"down_payment": "60000", "count": "2"})
        assert response.status_code == 303

        notice = Outreach.objects.get(action="notice")
        plan = debtor.instalment_plans.get()
        assert (notice.template_key, notice.notice_key) == ("plan_agreed", f"plan-agreed:{plan.pk}")
        assert notice.window_start == NOW  # a notice: not held behind the caps
        [message] = _dispatch(NOW)
    assert message.channel == "whatsapp"
    assert "- 24 de noviembre: $60.000,00 (cuota inicial)" in message.text
    assert "- 24 de diciembre: $120.000,00" in message.text
    assert "- 24 de enero de 2027: $120.000,00" in message.text
    assert f"/p/{own_token(message, debtor)}" in message.text


def test_a_brazilian_debtor_reads_the_plan_in_portuguese_with_reais_and_the_entrada():
    at = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # 10:00 in São Paulo
    with time_machine.travel(at, tick=False):
        debtor = _debtor("BR", "+5511987654321", "America/Sao_Paulo", "pt")
        make_debt(debtor, "3000.00", external_id="F-1", currency="BRL")

        agree_plan(live_link(debtor.pk), down_payment=Decimal("600"), count=2, source="bot")

        [message] = _dispatch(at)
    assert "Suas parcelas:" in message.text
    assert "- 24 de novembro: R$ 600,00 (entrada)" in message.text
    assert "- 24 de dezembro: R$ 1.200,00" in message.text


def test_a_debtor_addressed_as_usted_gets_the_plan_in_usted():
    with time_machine.travel(NOW, tick=False):
        debtor = _debtor()
        debtor.kind = "company"  # the shipped B2B policy says usted
        debtor.save(update_fields=["kind"])
        make_debt(debtor, "300000.00", external_id="F-1")

        agree_plan(live_link(debtor.pk), down_payment=Decimal("60000"), count=2)

        [message] = _dispatch(NOW)
    assert message.text.startswith("Hola Lucía, le escribimos de Tienda Sol. Su plan de pagos")
    assert "Sus cuotas:" in message.text


def test_a_plan_agreed_at_night_waits_for_the_morning_but_not_behind_the_caps():
    night = datetime(2026, 11, 25, 3, 30, tzinfo=UTC)  # 22:30 in Bogotá
    with time_machine.travel(night, tick=False):
        debtor = _debtor()
        make_debt(debtor, "300000.00", external_id="F-1")

        agree_plan(live_link(debtor.pk), down_payment=Decimal("60000"), count=2)

        notice = Outreach.objects.get(action="notice", template_key="plan_agreed")
        assert _dispatch(night) == []
    # 07:00 in Bogotá, when Colombia's hours open (Ley 2300 de 2023).
    assert notice.window_start == datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
