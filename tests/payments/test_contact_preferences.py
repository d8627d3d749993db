"""The portal lets a debtor choose a channel and hours; stored, audited, shown in the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from recaudo.payments.links import live_link
from recaudo.portfolio.models import AuditEvent, ChannelConsent, ContactPoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def points(debtor):
    """A phone with WhatsApp consent and an email without: Colombia needs one per channel."""
    phone = ContactPoint.objects.create(
        debtor=debtor, kind="phone", value="+573001112233", channels=["whatsapp", "sms"]
    )
    ContactPoint.objects.create(
        debtor=debtor, kind="email", value="camila@example.com", channels=["email"]
    )
    ChannelConsent.objects.create(
        contact_point=phone, channel="whatsapp", source="contrato", granted_at=timezone.now()
    )
    return phone


def _options(page: str) -> list[str]:
    select = page.split('id="preferred-channel">', 1)[1].split("</select>", 1)[0]
    return [part.split('"', 1)[0] for part in select.split('<option value="')[1:]]


def test_the_portal_offers_only_the_channels_with_consent_and_saves_the_choice(
    client, debtor, points, frozen
):
    token = live_link(debtor.pk).token
    assert _options(client.get(f"/p/{token}").content.decode()) == ["", "whatsapp"]

    response = client.post(
        f"/p/{token}/contacto",
        {"action": "preferences", "preferred_channel": "whatsapp", "hours": "afternoon"},
    )

    assert response.status_code == 303 and response["Location"].endswith("done=preferences")
    debtor.refresh_from_db()
    assert (debtor.preferred_channel, str(debtor.preferred_hours_from)) == ("whatsapp", "12:00:00")
    assert str(debtor.preferred_hours_to) == "18:00:00"
    event = AuditEvent.objects.get(debtor=debtor, kind="debtor_updated")
    assert event.actor == "portal:debtor"
    assert event.data["changes"]["preferred_channel"] == ["", "whatsapp"]
    page = client.get(f"/p/{token}?done=preferences").content.decode()
    assert '<option value="whatsapp" selected>' in page
    assert '<option value="afternoon" selected>' in page


def test_a_channel_without_consent_or_a_reversed_range_is_refused_with_a_reason(
    client, debtor, points, frozen
):
    token = live_link(debtor.pk).token

    email = client.post(
        f"/p/{token}/contacto", {"action": "preferences", "preferred_channel": "email"}
    )
    reversed_range = client.post(
        f"/p/{token}/contacto",
        {"action": "preferences", "hours_from": "19:00", "hours_to": "08:00"},
    )

    assert email.status_code == 400
    assert "Elija un medio de la lista." in email.content.decode()
    assert reversed_range.status_code == 400
    assert "debe ser anterior a" in reversed_range.content.decode()
    debtor.refresh_from_db()
    assert (debtor.preferred_channel, debtor.preferred_hours_from) == ("", None)
    assert not AuditEvent.objects.filter(debtor=debtor, kind="debtor_updated").exists()


def test_a_typed_range_is_stored_as_given(client, debtor, points, frozen):
    token = live_link(debtor.pk).token

    client.post(
        f"/p/{token}/contacto",
        {"action": "preferences", "hours": "morning", "hours_from": "09:30", "hours_to": "11:00"},
    )

    debtor.refresh_from_db()
    assert (str(debtor.preferred_hours_from), str(debtor.preferred_hours_to)) == (
        "09:30:00",
        "11:00:00",
    )


def test_the_admin_shows_and_edits_the_preferences(client, debtor, points, frozen):
    user = get_user_model().objects.create_superuser("admin", password="x")
    client.force_login(user)
    debtor.preferred_channel = "whatsapp"
    debtor.save(update_fields=["preferred_channel"])

    page = client.get(f"/admin/portfolio/debtor/{debtor.pk}/change/").content.decode()

    assert 'name="preferred_channel"' in page and 'value="whatsapp"' in page
    assert 'name="preferred_hours_from"' in page and 'name="preferred_hours_to"' in page


def test_the_admin_refuses_an_unknown_channel_and_a_range_without_its_end(
    client, debtor, points, frozen
):
    user = get_user_model().objects.create_superuser("admin", password="x")
    client.force_login(user)
    url = f"/admin/portfolio/debtor/{debtor.pk}/change/"
    form = {
        "creditor": debtor.creditor_id, "external_id": debtor.external_id, "kind": "person",
        "full_name": debtor.full_name, "first_name": "", "national_id_type": "",
        "national_id_number": "", "country": "CO", "timezone": "America/Bogota",
        "language": "es", "tags": "[]", "preferred_channel": "fax",
        "preferred_hours_from": "08:00", "preferred_hours_to": "",
    }  # fmt: skip

    page = client.post(url, form).content.decode()

    assert "Canal desconocido: «fax»" in page
    assert "Indique las dos horas (desde y hasta), o ninguna." in page
    debtor.refresh_from_db()
    assert (debtor.preferred_channel, debtor.preferred_hours_from) == ("", None)
