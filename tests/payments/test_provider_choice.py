"""Each creditor chooses its payment provider; the provider's account is the installation's."""

from __future__ import annotations

import pytest

from recaudo.payments.links import live_link
from recaudo.payments.models import Checkout, PaymentSettings
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = pytest.mark.django_db


def test_each_creditor_checks_out_with_the_provider_it_chose_under_one_set_of_credentials(
    client, debtor, frozen, payment_sandbox, settings
):
    other = make_creditor(brand_name="Ferretería Norte")
    PaymentSettings.objects.create(creditor=other, provider="stripe")
    stripe_debtor = make_debtor(other, external_id="N-1", full_name="Luis Pardo")
    make_debt(stripe_debtor, "90000.00")

    by_default = client.post(f"/p/{live_link(debtor.pk).token}/pagar", {"choice": "all"})
    by_stripe = client.post(f"/p/{live_link(stripe_debtor.pk).token}/pagar", {"choice": "all"})

    assert by_default.status_code == 303
    assert by_default["Location"].startswith(payment_sandbox.url)
    # Stripe's credentials are the installation's (PAYMENTS["providers"]["stripe"],
    # STRIPE_SECRET_KEY), not the creditor's: none set here, so it cannot open.
    assert by_stripe.status_code == 502
    assert "No pudimos abrir el pago" in by_stripe.content.decode()
    assert dict(Checkout.objects.values_list("creditor__brand_name", "provider")) == {
        "Tienda Sol": "sandbox",
        "Ferretería Norte": "stripe",
    }
