"""The portal's other choices: a new due date, a discount (quita), how to be contacted."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from recaudo.outreach.models import Outreach
from recaudo.payments import concessions
from recaudo.payments.actions import apply_provider_record
from recaudo.payments.links import live_link
from recaudo.payments.models import Checkout, DebtorRequest
from recaudo.payments.providers.base import ProviderRecord
from recaudo.policies.models import Segment
from recaudo.portfolio.models import AuditEvent, ChannelConsent, ContactPoint, Debt

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(debtor):
    """The debtor's segment lets them move a date by 10 days and take up to 20% off."""
    shipped = Segment.objects.filter(creditor__isnull=True)
    assert shipped.update(max_extension_days=10, max_discount_percent=Decimal(20))
    return shipped


def _planned(debtor, debt, anchor: date, channel: str = "sms", point=None) -> Outreach:
    row = Outreach.objects.create(
        creditor=debtor.creditor,
        debtor=debtor,
        anchor_due_on=anchor,
        planned_on=date(2026, 11, 21),
        action="reminder",
        channel=channel,
        contact_point=point,
        template_key="overdue",
        language="es",
        currency="COP",
        amount_due=debt.balance,
        window_start=timezone.now(),
        window_end=timezone.now(),
    )
    row.debt_links.create(debt=debt, balance=debt.balance)
    return row


def test_a_new_due_date_within_the_segments_extension_moves_the_debt_and_its_reminders(
    client, debtor, limits, frozen
):
    debt = Debt.objects.get(invoice_number="FV-2")  # due 2026-11-15; today 2026-11-20
    stale = _planned(debtor, debt, date(2026, 11, 15))
    token = live_link(debtor.pk).token
    response = client.post(f"/p/{token}/nueva-fecha", {"debt": str(debt.pk), "date": "2026-11-30"})
    assert response.status_code == 303 and response["Location"].endswith("done=extension")
    debt.refresh_from_db()
    assert debt.due_on == date(2026, 11, 30)
    asked = DebtorRequest.objects.get()
    assert (asked.kind, asked.status, asked.decided_by) == ("extension", "approved", "segment")
    stale.refresh_from_db()
    assert stale.status == "cancelled"
    event = AuditEvent.objects.get(kind="debt_updated", debt=debt)
    assert event.data["due_on"] == ["2026-11-15", "2026-11-30"]
    assert "Listo: cambiamos la fecha" in client.get(response["Location"]).content.decode()


def test_a_new_due_date_beyond_the_extension_waits_for_a_supervisor_who_approves_it(
    client, debtor, limits, frozen
):
    debt = Debt.objects.get(invoice_number="FV-2")
    token = live_link(debtor.pk).token
    response = client.post(
        f"/p/{token}/nueva-fecha", {"debt": str(debt.pk), "date": "2026-12-01", "reason": "Viaje"}
    )
    assert response["Location"].endswith("done=extension-review")
    debt.refresh_from_db()
    assert debt.due_on == date(2026, 11, 15)
    asked = DebtorRequest.objects.get()
    assert (asked.status, asked.reason) == ("pending", "Viaje")

    get_user_model().objects.create_superuser("supervisora", "s@example.com", "clave-larga-123")
    client.login(username="supervisora", password="clave-larga-123")
    client.post(
        "/admin/payments/debtorrequest/",
        {"action": "approve", "_selected_action": [str(asked.pk)]},
    )
    asked.refresh_from_db()
    debt.refresh_from_db()
    assert (asked.status, asked.decided_by) == ("approved", "admin:supervisora")
    assert debt.due_on == date(2026, 12, 1)


def test_a_refused_request_changes_nothing_and_cannot_be_approved_after(debtor, limits, frozen):
    debt = Debt.objects.get(invoice_number="FV-2")
    asked = concessions.request_extension(
        live_link(debtor.pk), debt_id=debt.pk, new_due_on=date(2027, 1, 15)
    )
    assert concessions.refuse(asked.pk, "admin:sup") is True
    assert concessions.approve(asked.pk, "admin:sup") is False
    debt.refresh_from_db()
    assert debt.due_on == date(2026, 11, 15)
    assert DebtorRequest.objects.get().status == "refused"


def test_a_date_in_the_past_is_refused_with_a_message(client, debtor, limits, frozen):
    debt = Debt.objects.get(invoice_number="FV-2")
    token = live_link(debtor.pk).token
    response = client.post(f"/p/{token}/nueva-fecha", {"debt": str(debt.pk), "date": "2026-11-19"})
    assert response.status_code == 400
    assert "posterior a hoy" in response.content.decode()
    assert not DebtorRequest.objects.exists()


def test_the_portal_offers_the_segments_discount_as_pay_x_now_to_settle(
    client, debtor, limits, frozen
):
    page = client.get(f"/p/{live_link(debtor.pk).token}").content.decode()
    # 1,419,567.50 COP with 20% off, rounded up to the centavo.
    assert 'id="discount-help"' in page and "$1.135.654,00" in page


def test_a_discount_within_the_segment_is_offered_and_paying_it_settles_the_debts(
    client, debtor, limits, frozen
):
    token = live_link(debtor.pk).token
    response = client.post(f"/p/{token}/descuento", {"amount": "1200000"})
    assert response["Location"].endswith("done=discount")
    offer = DebtorRequest.objects.get()
    assert (offer.status, offer.amount, offer.discount_percent) == (
        "approved",
        Decimal("1200000.00"),
        Decimal("15.47"),
    )
    page = client.get(response["Location"]).content.decode()
    assert 'id="pay-settlement"' in page and "$1.200.000,00" in page

    checkout = Checkout.objects.create(
        reference="ref-settle",
        link=live_link(debtor.pk),
        creditor=debtor.creditor,
        debtor=debtor,
        kind="settlement",
        settlement=offer,
        provider="sandbox",
        amount=offer.amount,
        currency="COP",
    )
    record = ProviderRecord(
        reference="ref-settle",
        status="paid",
        payment_id="pay-1",
        amount=Decimal("1200000.00"),
        currency="COP",
        method="sandbox",
    )
    apply_provider_record(checkout.pk, record)
    # The payment covers the older debt in full; the rest of the newer one is forgiven.
    assert dict(Debt.objects.values_list("invoice_number", "status")) == {
        "FV-1": "paid",
        "FV-2": "written_off",
    }
    offer.refresh_from_db()
    assert offer.status == "settled"
    assert 'id="nothing-owed"' in client.get(f"/p/{token}").content.decode()


def test_a_discount_beyond_the_segment_goes_to_a_supervisor_and_is_not_offered(
    client, debtor, limits, frozen
):
    token = live_link(debtor.pk).token
    response = client.post(f"/p/{token}/descuento", {"amount": "700000", "reason": "Sin empleo"})
    assert response["Location"].endswith("done=discount-review")
    asked = DebtorRequest.objects.get()
    assert (asked.status, asked.discount_percent) == ("pending", Decimal("50.69"))
    page = client.get(response["Location"]).content.decode()
    assert 'id="pay-settlement"' not in page and 'id="discount-form"' not in page
    assert concessions.approve(asked.pk, "admin:sup") is True
    assert 'id="pay-settlement"' in client.get(f"/p/{token}").content.decode()
    assert set(Debt.objects.values_list("status", flat=True)) == {"open"}


@pytest.fixture
def phone_and_email(debtor):
    phone = ContactPoint.objects.create(
        debtor=debtor, kind="phone", value="+573001112233", channels=["whatsapp", "sms"]
    )
    email = ContactPoint.objects.create(
        debtor=debtor, kind="email", value="camila@example.com", channels=["email"]
    )
    ChannelConsent.objects.create(
        contact_point=phone, channel="whatsapp", source="contrato", granted_at=timezone.now()
    )
    return phone, email


def test_the_portal_lists_masked_contact_points_and_saves_the_preferred_one(
    client, debtor, phone_and_email, frozen
):
    phone, email = phone_and_email
    token = live_link(debtor.pk).token
    page = client.get(f"/p/{token}").content.decode()
    assert "••• 2233" in page and "c•••@example.com" in page
    assert "+573001112233" not in page and "camila@example.com" not in page
    response = client.post(f"/p/{token}/contacto", {"action": "prefer", "point": str(email.pk)})
    assert response["Location"].endswith("done=preferred")
    assert dict(ContactPoint.objects.values_list("pk", "preferred")) == {
        phone.pk: False,
        email.pk: True,
    }


def test_stopping_one_channel_revokes_its_consent_and_cancels_only_its_planned_contacts(
    client, debtor, phone_and_email, frozen
):
    phone, _email = phone_and_email
    debt = Debt.objects.get(invoice_number="FV-1")
    on_whatsapp = _planned(debtor, debt, date(2026, 10, 15), "whatsapp", phone)
    on_sms = _planned(debtor, debt, date(2026, 10, 15), "sms", phone)
    token = live_link(debtor.pk).token
    response = client.post(
        f"/p/{token}/contacto", {"action": "stop", "channel": f"{phone.pk}:whatsapp"}
    )
    assert response["Location"].endswith("done=stopped")
    assert ChannelConsent.objects.get(contact_point=phone, channel="whatsapp").revoked_at
    on_whatsapp.refresh_from_db()
    on_sms.refresh_from_db()
    assert (on_whatsapp.status, on_sms.status) == ("cancelled", "planned")
    phone.refresh_from_db()
    assert phone.opted_out_at is None
    page = client.get(f"/p/{token}").content.decode()
    assert f'value="{phone.pk}:whatsapp"' not in page and f'value="{phone.pk}:sms"' in page


def test_stopping_a_channel_without_a_consent_row_records_a_withdrawn_one(
    client, debtor, phone_and_email, frozen
):
    phone, _email = phone_and_email
    client.post(
        f"/p/{live_link(debtor.pk).token}/contacto",
        {"action": "stop", "channel": f"{phone.pk}:sms"},
    )
    consent = ChannelConsent.objects.get(contact_point=phone, channel="sms")
    assert (consent.source, consent.revoked_at is not None) == ("portal", True)


def test_stopping_everything_opts_out_every_point_and_cancels_every_planned_contact(
    client, debtor, phone_and_email, frozen
):
    phone, email = phone_and_email
    debt = Debt.objects.get(invoice_number="FV-1")
    rows = [
        _planned(debtor, debt, date(2026, 10, 15), "whatsapp", phone),
        _planned(debtor, debt, date(2026, 10, 15), "email", email),
    ]
    token = live_link(debtor.pk).token
    unconfirmed = client.post(f"/p/{token}/contacto", {"action": "stop-all"})
    assert unconfirmed.status_code == 400
    assert not ContactPoint.objects.filter(opted_out_at__isnull=False).exists()
    response = client.post(f"/p/{token}/contacto", {"action": "stop-all", "confirm": "yes"})
    assert response["Location"].endswith("done=stopped-all")
    assert not ContactPoint.objects.filter(opted_out_at__isnull=True).exists()
    assert {Outreach.objects.get(pk=row.pk).status for row in rows} == {"cancelled"}


def test_a_contact_point_of_another_debtor_cannot_be_touched(client, debtor, frozen):
    from tests.factories import make_debtor

    other = make_debtor(debtor.creditor, phone="+573009998877")
    point = other.contact_points.get()
    response = client.post(
        f"/p/{live_link(debtor.pk).token}/contacto",
        {"action": "stop", "channel": f"{point.pk}:sms"},
    )
    assert response.status_code == 400
    assert not ChannelConsent.objects.exists()


def test_the_new_choices_speak_english_with_lang_en(
    client, debtor, limits, phone_and_email, frozen
):
    page = client.get(f"/p/{live_link(debtor.pk).token}?lang=en").content.decode()
    assert "Ask for a new payment date" in page
    assert "Ask for a discount" in page
    assert "How to contact you" in page
