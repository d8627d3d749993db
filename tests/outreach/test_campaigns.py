"""Campaigns: a one-off send to a segment under the same rules, caps and at-most-once.

Issue 15: a creditor could not send "20% de descuento si pagas antes del
viernes" to a segment without writing a policy step for it.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command

from recaudo.outreach.campaigns import create, launch, launch_due, results
from recaudo.outreach.models import Campaign, Outreach
from recaudo.policies.models import Segment, Template
from recaudo.portfolio.actions import record_payment
from recaudo.portfolio.models import ChannelConsent, ContactPoint
from recaudo.portfolio.rules import InputError
from tests.dispatching import dispatch_and_record as _dispatch
from tests.factories import make_debt, make_debtor

# Friday 2026-12-04, 10:00 in Bogotá.
FRIDAY = date(2026, 12, 4)
NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
BODY = (
    "{{ marca }}: hola {{ nombre }}, si pagas tu saldo de {{ saldo }} antes del viernes "
    "tienes 20% de descuento: {{ enlace_pago }}"
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def promo(creditor):
    Template.objects.create(creditor=creditor, key="promo_viernes", channel="sms", body=BODY)
    return "promo_viernes"


def _debtor(creditor, *, kind="person", sms=True, phone="+573001234567"):
    debtor = make_debtor(creditor, kind=kind, first_name="Ana")
    point = ContactPoint.objects.create(debtor=debtor, kind="phone", value=phone, channels=["sms"])
    if sms:
        ChannelConsent.objects.create(
            contact_point=point, channel="sms", source="contrato", granted_at=NOW
        )
    make_debt(debtor, "200000.00", due_on=FRIDAY - timedelta(days=20))
    return debtor


def _people_segment() -> Segment:
    return Segment.objects.get(creditor__isnull=True, name="Personas")


def _campaign(creditor, promo, **values) -> Campaign:
    return create(
        creditor,
        name="Descuento viernes",
        template_key=promo,
        send_on=values.pop("send_on", FRIDAY),
        today=FRIDAY,
        channels=("sms",),
        **values,
    )


def test_a_campaign_writes_one_contact_per_reachable_debtor_of_its_segment_once(creditor, promo):
    person = _debtor(creditor)
    company = _debtor(creditor, kind="company", phone="+573001234568")
    unreachable = _debtor(creditor, sms=False, phone="+573001234569")
    campaign = _campaign(creditor, promo, segment=_people_segment())

    summary = launch(campaign.pk, NOW)

    assert summary == {"planned": 1, "not_in_segment": 1, "no_usable_channel": 1}
    row = Outreach.objects.get()
    assert (row.debtor, row.campaign, row.channel, row.action) == (
        person,
        campaign,
        "sms",
        "message",
    )
    assert row.window_start == NOW  # 10:00 in Bogotá, inside the hours
    assert list(row.debt_links.values_list("debt__debtor", flat=True)) == [person.pk]
    # At most once: launching again (or the worker's daily launch) writes nothing.
    assert launch(campaign.pk, NOW) == {}
    assert launch_due(NOW) == {}
    assert Outreach.objects.count() == 1
    assert not Outreach.objects.filter(debtor__in=[company, unreachable]).exists()


def test_the_daily_cap_moves_the_campaign_to_the_next_allowed_day_within_its_last_day(
    creditor, promo
):
    debtor = _debtor(creditor)
    already = _debtor(creditor, phone="+573001234568")
    # Colombia allows one contact a day (Ley 2300 de 2023): ``already`` had it today.
    Outreach.objects.create(
        creditor=creditor, debtor=already, anchor_due_on=FRIDAY, planned_on=FRIDAY,
        action="message", channel="sms", template_key="overdue_late", tone="late",
        language="es", currency="COP", amount_due=Decimal("200000"),
        window_start=NOW - timedelta(hours=2), window_end=NOW + timedelta(hours=6),
        status="sent", sent_at=NOW - timedelta(hours=2),
    )  # fmt: skip
    friday_only = _campaign(creditor, promo)
    until_monday = _campaign(creditor, promo, send_until=FRIDAY + timedelta(days=3))

    assert launch(friday_only.pk, NOW) == {"planned": 1, "no_allowed_moment": 1}
    assert Outreach.objects.get(campaign=friday_only).debtor == debtor
    # Both have a contact today now (the first campaign's counts, planned): Saturday.
    assert launch(until_monday.pk, NOW) == {"planned": 2}

    saturday_8 = datetime(2026, 12, 5, 13, 0, tzinfo=UTC)  # 08:00 in Bogotá
    assert set(
        Outreach.objects.filter(campaign=until_monday).values_list("debtor", "window_start")
    ) == {(debtor.pk, saturday_8), (already.pk, saturday_8)}


def test_a_debtor_who_pays_before_it_goes_gets_nothing_and_the_results_count_what_happened(
    creditor, promo
):
    payer = _debtor(creditor)
    later = _debtor(creditor, phone="+573001234568")
    reader = _debtor(creditor, phone="+573001234569")
    campaign = _campaign(creditor, promo, send_on=FRIDAY + timedelta(days=1))
    saturday = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)  # 09:00 in Bogotá
    launch(campaign.pk, NOW)
    record_payment(
        creditor=creditor, debtor=payer, external_id="TRF-1", amount=Decimal("200000"),
        currency="COP", paid_at=NOW, actor="test",
    )  # fmt: skip

    with time_machine.travel(saturday, tick=False):
        sent = _dispatch(saturday)
    assert sorted(message.to for message in sent) == ["+573001234568", "+573001234569"]
    assert "20% de descuento" in sent[0].text and "$200.000,00" in sent[0].text
    assert Outreach.objects.get(debtor=payer).status == "cancelled"
    Outreach.objects.filter(debtor=reader).update(
        status="read", delivered_at=saturday, read_at=saturday
    )
    for debtor, days, reference in ((reader, 2, "TRF-2"), (later, 9, "TRF-3")):
        record_payment(
            creditor=creditor, debtor=debtor, external_id=reference, amount=Decimal("160000"),
            currency="COP", paid_at=saturday + timedelta(days=days), actor="test",
        )  # fmt: skip

    found = results(campaign)

    assert (found.contacts, found.sent, found.delivered, found.read) == (3, 2, 1, 1)
    assert (found.cancelled, found.failed, found.planned) == (1, 0, 0)
    # Within the 7 days: the reader's payment, not the one 9 days later.
    assert (found.paid_within, found.paid_amount) == (1, {"COP": Decimal("160000.0000")})


def test_bad_campaigns_are_refused_naming_the_field(creditor, promo):
    with pytest.raises(InputError) as missing:
        _campaign(creditor, "promo_navidad")
    with pytest.raises(InputError) as past:
        _campaign(creditor, promo, send_on=FRIDAY - timedelta(days=1))
    with pytest.raises(InputError) as reversed_days:
        _campaign(creditor, promo, send_until=FRIDAY - timedelta(days=1))

    assert missing.value.field == "template_key"
    assert "No hay plantilla «promo_navidad» para: sms" in missing.value.message
    assert (past.value.field, reversed_days.value.field) == ("send_on", "send_until")
    assert not Campaign.objects.exists()


def test_the_cli_creates_launches_and_shows_a_campaign_with_its_results(creditor, promo):
    _debtor(creditor)
    out = io.StringIO()

    call_command(
        "campaign", "create", "--creditor", str(creditor.pk), "--name", "Navidad",
        "--template", promo, "--date", "2026-12-04", "--channels", "sms", "--segment",
        "Personas", stdout=out,
    )  # fmt: skip
    campaign = Campaign.objects.get()
    call_command("campaign", "launch", stdout=out)
    call_command("campaign", "show", str(campaign.pk), stdout=out)

    text = out.getvalue()
    assert f"Campaña {campaign.pk} programada para el 2026-12-04: «Navidad»." in text
    assert f"Campaña {campaign.pk}: planned: 1" in text
    assert "plantilla promo_viernes por sms; segmento: Personas" in text
    assert "contactos: 1; en espera: 1; enviados: 0" in text
    with pytest.raises(CommandError, match="--date: «el viernes» no es una fecha"):
        call_command("campaign", "create", "--creditor", str(creditor.pk), "--name", "X",
                     "--template", promo, "--date", "el viernes")  # fmt: skip


def test_the_admin_shows_the_results_and_refuses_a_campaign_without_its_template(
    client, creditor, promo
):
    from django.contrib.auth import get_user_model

    _debtor(creditor)
    campaign = _campaign(creditor, promo)
    launch(campaign.pk, NOW)
    client.force_login(get_user_model().objects.create_superuser("admin", password="x"))

    page = client.get(f"/admin/outreach/campaign/{campaign.pk}/change/").content.decode()
    refused = client.post(
        "/admin/outreach/campaign/add/",
        {
            "creditor": creditor.pk, "name": "Navidad", "template_key": "promo_navidad",
            "channels": '["sms"]', "send_on": "2026-12-24", "send_until": "",
            "results_days": "7",
        },
    )  # fmt: skip

    assert "contactos: 1; en espera: 1" in page
    assert "No hay plantilla «promo_navidad» para: sms" in refused.content.decode()
    assert Campaign.objects.count() == 1
