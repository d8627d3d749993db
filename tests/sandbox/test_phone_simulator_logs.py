"""The phone simulator's calls to the sandbox leave no phone number in the web log."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.factories import make_debtor
from tests.log_capture import written_logs

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox_enabled")]
PHONE = "+5215512345671"


def test_opening_a_debtors_phone_logs_the_sandbox_request_without_the_number(
    creditor, server, settings
):
    settings.SANDBOX_URL = server.url
    debtor = make_debtor(creditor, full_name="Ana María Pérez", phone=PHONE)
    browser = Client()
    browser.force_login(get_user_model().objects.create_user("staff", is_staff=True))

    with written_logs() as written:
        response = browser.get(f"/sandbox/deudores/{debtor.pk}/")

    logged = written.getvalue()
    assert response.status_code == 200
    assert "HTTP Request: GET " in logged  # httpx logged the call to the sandbox
    assert "/_sandbox/messages?address=[redacted]" in logged
    assert "5512345671" not in logged
    assert "Ana María" not in logged
