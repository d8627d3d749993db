"""Wompi (Colombia): signed checkout links, checksummed events, Nequi through the fake.

Facts and sources: docs/payments.md, "Wompi". The fake (recaudo/sandbox/wompi.py)
checks the integrity signature as Wompi's checkout does and signs its events
as Wompi does; Recaudo trusts only ``GET /v1/transactions/{id}``.
"""

from __future__ import annotations

import hashlib
import json
import time
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core import checks
from django.utils import timezone

from recaudo.outreach.contract import SignatureError, WebhookRequest
from recaudo.outreach.models import Outreach
from recaudo.payments.checks import payment_errors
from recaudo.payments.links import live_link
from recaudo.payments.models import Checkout, PaymentWebhookEvent, ProviderAccount
from recaudo.payments.portal import method_label
from recaudo.payments.providers.base import CheckoutRequest, ProviderError
from recaudo.payments.providers.wompi import (
    WompiProvider,
    event_checksum,
    integrity_signature,
)
from recaudo.portfolio.models import ChannelConsent, Debt, Payment
from recaudo.sandbox import wompi as fake_wompi
from recaudo.sandbox.wompi import WOMPI_KEY, Account
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = pytest.mark.django_db

# docs.wompi.co, "Widget & Checkout Web", step 3: the integrity signature's example.
DOC_REFERENCE = "sk8-438k4-xmxm392-sn2m"
DOC_INTEGRITY_SECRET = "prod_integrity_Z5mMke9x0k8gpErbDqwrJXMqsI6SFli6"
DOC_SIGNATURE = "37c8407747e595535433ef8f6a811d853cd943046624a0ec04662b17bbf33bf5"
# docs.wompi.co, "Eventos": the example event's values and events secret.
DOC_EVENTS_SECRET = "prod_events_OcHnIzeBl5socpwByQ4hA52Em3USQ93Z"

CONFIG = {
    "base_url": "https://sandbox.wompi.co/v1",
    "checkout_url": "https://checkout.wompi.co/p/",
    "public_key": "pub_test_abc",
    "private_key": "prv_test_abc",
    "integrity_secret": "test_integrity_abc",
    "webhook_secret": "test_events_abc",
}


def _event(transaction: dict, secret: str, timestamp: int | None = None) -> dict:
    event = {
        "event": "transaction.updated",
        "data": {"transaction": transaction},
        "environment": "test",
        "signature": {
            "properties": ["transaction.id", "transaction.status", "transaction.amount_in_cents"],
            "checksum": "",
        },
        "timestamp": timestamp if timestamp is not None else int(time.time()),
        "sent_at": "2026-11-20T15:00:00.000Z",
    }
    event["signature"]["checksum"] = event_checksum(event, secret)
    return event


def _request(event: dict, **headers: str) -> WebhookRequest:
    return WebhookRequest(
        method="POST", path="/webhooks/payments/wompi", headers=headers,
        body=json.dumps(event).encode(),
    )  # fmt: skip


# -- the provider, alone --------------------------------------------------------------


def test_the_integrity_signature_reproduces_wompis_documented_example():
    assert integrity_signature(DOC_REFERENCE, 2490000, "COP", DOC_INTEGRITY_SECRET) == (
        DOC_SIGNATURE
    )


def test_the_checkout_link_carries_the_amount_in_cents_our_reference_and_its_signature():
    provider = WompiProvider(CONFIG)
    session = provider.create_checkout(
        CheckoutRequest(
            reference="ref-1", amount=Decimal("185000.50"), currency="COP",
            description="Plan hogar", success_url="https://recaudo.test/p/tok/r/ref-1",
            cancel_url="https://recaudo.test/p/tok", notification_url="https://x.test/wh",
        )
    )  # fmt: skip
    url = urlsplit(session.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://checkout.wompi.co/p/"
    assert parse_qs(url.query) == {
        "public-key": ["pub_test_abc"],
        "currency": ["COP"],
        "amount-in-cents": ["18500050"],
        "reference": ["ref-1"],
        "signature:integrity": [hashlib.sha256(b"ref-118500050COPtest_integrity_abc").hexdigest()],
        "redirect-url": ["https://recaudo.test/p/tok/r/ref-1"],
    }
    assert session.session_id == "reference:ref-1"


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        (Decimal("100.005"), "COP", "whole cents only"),
        (Decimal("100"), "USD", "Colombian pesos only"),
    ],
)
def test_a_fraction_of_a_cent_or_another_currency_is_refused_before_any_link(
    amount, currency, message
):
    request = CheckoutRequest(
        reference="r", amount=amount, currency=currency, description="", success_url="https://a",
        cancel_url="https://a", notification_url="https://a",
    )  # fmt: skip
    with pytest.raises(ProviderError, match=message) as raised:
        WompiProvider(CONFIG).create_checkout(request)
    assert raised.value.permanent


def test_a_checkout_without_the_integrity_secret_names_the_variable_to_set():
    request = CheckoutRequest(
        reference="r", amount=Decimal("1"), currency="COP", description="",
        success_url="https://a", cancel_url="https://a", notification_url="https://a",
    )  # fmt: skip
    with pytest.raises(ProviderError, match="WOMPI_INTEGRITY_SECRET"):
        WompiProvider({**CONFIG, "integrity_secret": ""}).create_checkout(request)


def test_the_event_checksum_hashes_the_named_values_the_timestamp_and_the_secret():
    transaction = {"id": "1234-1610641025-49201", "status": "APPROVED", "amount_in_cents": 4490000}
    event = _event(transaction, DOC_EVENTS_SECRET, timestamp=1530291411)
    text = b"1234-1610641025-49201APPROVED44900001530291411" + DOC_EVENTS_SECRET.encode()
    assert event["signature"]["checksum"] == hashlib.sha256(text).hexdigest().upper()


def test_a_genuine_event_is_accepted_and_a_changed_or_stale_one_refused():
    provider = WompiProvider(CONFIG)
    transaction = {"id": "1-2-3", "status": "APPROVED", "amount_in_cents": 100}
    event = _event(transaction, "test_events_abc")
    provider.verify_signature(
        _request(event, **{"X-Event-Checksum": event["signature"]["checksum"]}), tolerance=300
    )
    # Lower case is the same digest.
    event_lower = {**event, "signature": {**event["signature"],
                   "checksum": event["signature"]["checksum"].lower()}}  # fmt: skip
    provider.verify_signature(_request(event_lower), tolerance=300)

    changed = json.loads(json.dumps(event))
    changed["data"]["transaction"]["amount_in_cents"] = 999999
    with pytest.raises(SignatureError, match="does not match"):
        provider.verify_signature(_request(changed), tolerance=300)
    with pytest.raises(SignatureError, match="does not match"):
        provider.verify_signature(_request(event, **{"X-Event-Checksum": "0" * 64}), tolerance=300)
    with pytest.raises(SignatureError, match="does not match"):
        WompiProvider({**CONFIG, "webhook_secret": "other"}).verify_signature(_request(event))
    stale = _event(transaction, "test_events_abc", timestamp=int(time.time()) - 4000)
    with pytest.raises(SignatureError, match="tolerance"):
        provider.verify_signature(_request(stale), tolerance=300)
    unsigned = {key: value for key, value in event.items() if key != "signature"}
    with pytest.raises(SignatureError) as missing:
        provider.verify_signature(_request(unsigned), tolerance=300)
    assert missing.value.missing


T9 = {
    "id": "t9", "status": "APPROVED", "amount_in_cents": 18500050, "currency": "COP",
    "reference": "ref-1", "payment_method_type": "NEQUI",
}  # fmt: skip
REF_9 = [
    {"id": "t2", "status": "DECLINED", "amount_in_cents": 500000, "currency": "COP",
     "reference": "ref-9", "payment_method_type": "PSE"},
    {"id": "t1", "status": "APPROVED", "amount_in_cents": 500000, "currency": "COP",
     "reference": "ref-9", "payment_method_type": "BANCOLOMBIA_TRANSFER"},
]  # fmt: skip


def _wompi(seen: list, listed: dict[str, list], public: dict[str, dict]) -> WompiProvider:
    """Wompi's API: transactions by id for anyone, by reference only this account's."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), request.headers.get("Authorization")))
        if request.url.path == "/v1/transactions":
            return httpx.Response(
                200, json={"data": listed.get(request.url.params["reference"], [])}
            )
        return httpx.Response(200, json={"data": public[request.url.path.rsplit("/", 1)[1]]})

    return WompiProvider(CONFIG, transport=httpx.MockTransport(handler))


def test_a_checksum_that_does_not_cover_the_transactions_id_status_and_amount_is_refused():
    # A genuine checksum over a value the sender chose (a property of its own naming)
    # must not vouch for another transaction's id.
    transaction = {"id": "t-any", "status": "APPROVED", "amount_in_cents": 100, "x": "t-9"}
    event = {
        "event": "transaction.updated",
        "data": {"transaction": transaction},
        "signature": {"properties": ["transaction.x"], "checksum": ""},
        "timestamp": int(time.time()),
    }
    event["signature"]["checksum"] = event_checksum(event, "test_events_abc")

    with pytest.raises(SignatureError, match="does not cover"):
        WompiProvider(CONFIG).verify_signature(_request(event), tolerance=300)


def test_fetch_reads_the_transaction_and_names_its_method():
    seen: list = []
    provider = _wompi(seen, {"ref-1": [T9], "ref-9": REF_9}, {"t9": T9})

    record = provider.fetch("t9")
    assert (record.status, record.amount, record.currency, record.reference) == (
        "paid", Decimal("185000.50"), "COP", "ref-1",
    )  # fmt: skip
    assert (record.payment_id, record.method) == ("t9", "wompi:nequi")
    by_reference = provider.fetch("reference:ref-9")
    assert (by_reference.payment_id, by_reference.method) == ("t1", "wompi:bancolombia_transfer")
    assert seen == [
        ("https://sandbox.wompi.co/v1/transactions/t9", None),
        ("https://sandbox.wompi.co/v1/transactions?reference=ref-1", "Bearer prv_test_abc"),
        ("https://sandbox.wompi.co/v1/transactions?reference=ref-9", "Bearer prv_test_abc"),
    ]


def test_a_transaction_another_wompi_account_holds_under_our_reference_is_refused():
    # Someone pays themselves through their own Wompi account under our reference, then
    # hands us that transaction's id: Wompi shows it to anyone, but our key does not list it.
    theirs = {**T9, "id": "t-theirs"}
    provider = _wompi([], {"ref-1": [T9]}, {"t-theirs": theirs})

    with pytest.raises(ProviderError, match="not this account's") as refused:
        provider.fetch("t-theirs")
    assert refused.value.permanent


@pytest.mark.parametrize(
    ("status", "ours"),
    [("DECLINED", "failed"), ("ERROR", "failed"), ("VOIDED", "reversed"), ("PENDING", "open")],
)
def test_wompis_statuses_map_to_ours(status, ours):
    transaction = {"id": "t", "status": status, "amount_in_cents": 100, "currency": "COP",
                   "reference": "r", "payment_method_type": "CARD"}  # fmt: skip
    provider = _wompi([], {"r": [transaction]}, {"t": transaction})
    assert provider.fetch("t").status == ours


def test_a_wompi_payment_reads_as_wompi_and_its_method():
    assert method_label("wompi:nequi") == "Wompi · Nequi"
    assert method_label("wompi:pse") == "Wompi · PSE (débito desde su cuenta bancaria)"


def test_check_deploy_names_each_missing_wompi_variable(settings):
    settings.SANDBOX_PAYMENTS_ENABLED = False
    settings.PAYMENTS = {"default_provider": "wompi", "providers": {"wompi": {
        "public_key": "pub_prod_x", "private_key": "", "integrity_secret": "",
        "webhook_secret": "",
    }}}  # fmt: skip
    messages = [error.msg for error in payment_errors(None) if error.id == "recaudo.E022"]
    assert [message.split(" is empty")[0] for message in messages] == [
        "WOMPI_PRIVATE_KEY", "WOMPI_INTEGRITY_SECRET", "WOMPI_EVENTS_SECRET",
    ]  # fmt: skip
    assert all(isinstance(error, checks.Error) for error in payment_errors(None))


# -- through the fake -----------------------------------------------------------------


@pytest.fixture
def colombian(db):
    creditor = make_creditor(brand_name="Tienda Sol")
    debtor = make_debtor(
        creditor, first_name="Camila", full_name="Camila Rojas", phone="+573001234567"
    )
    ChannelConsent.objects.create(
        contact_point=debtor.contact_points.get(), channel="whatsapp", source="contrato",
        granted_at=timezone.now(),
    )  # fmt: skip
    make_debt(debtor, "185000.50")
    return debtor


@pytest.fixture
def wompi(settings, payment_sandbox):
    """Recaudo's Wompi settings pointing at the fake, with the fake's default account."""
    payment_sandbox.sandbox.behaviour.webhooks_enabled = False  # the tests post the events
    url = payment_sandbox.url
    settings.PAYMENTS = {
        "default_provider": "wompi",
        "providers": {
            "sandbox": {"base_url": f"{url}/payments"},
            "wompi": {
                "base_url": f"{url}/wompi/v1",
                "checkout_url": f"{url}/wompi/p/",
                "public_key": fake_wompi.DEFAULT_PUBLIC_KEY,
                "private_key": fake_wompi.DEFAULT_PRIVATE_KEY,
                "integrity_secret": fake_wompi.DEFAULT_INTEGRITY_SECRET,
                "webhook_secret": fake_wompi.DEFAULT_EVENTS_SECRET,
            },
        },
    }
    payment_sandbox.fake = payment_sandbox.runner.app[WOMPI_KEY]
    return payment_sandbox


def _start(client, debtor) -> Checkout:
    started = client.post(f"/p/{live_link(debtor.pk).token}/pagar", {"choice": "all"})
    assert started.status_code == 303, started.content.decode()[:400]
    checkout = Checkout.objects.filter(debtor=debtor).latest("pk")
    assert started["Location"] == checkout.url
    return checkout


def _pay(wompi, checkout: Checkout, **choice: str) -> tuple[str, dict]:
    """The debtor at the fake's page: pick, pay; (the way back, the transaction's event)."""
    page = httpx.get(checkout.url, timeout=10)
    assert page.status_code == 200 and 'id="wompi-nequi-pay"' in page.text
    params = {name: values[0] for name, values in parse_qs(urlsplit(checkout.url).query).items()}
    paid = httpx.post(f"{wompi.url}/wompi/p/pay", data={**params, **choice}, timeout=10)
    assert paid.status_code == 303, paid.text[:300]
    back = paid.headers["Location"]
    transaction_id = parse_qs(urlsplit(back).query)["id"][0]
    fake = wompi.fake
    found = fake.transactions[transaction_id]
    webhook = wompi.background.call(lambda: fake.event(found, fake.accounts[found.public_key]))
    return back, {"body": webhook.body, "checksum": webhook.headers["X-Event-Checksum"]}


def _post_event(client, event: dict, path: str = "/webhooks/payments/wompi"):
    return client.post(
        path, event["body"], content_type="application/json",
        HTTP_X_EVENT_CHECKSUM=event["checksum"],
    )  # fmt: skip


def _failed_notices() -> list[str]:
    return list(
        Outreach.objects.filter(template_key="payment_failed").values_list("notice_key", flat=True)
    )


def _local(url: str) -> str:
    """The path of one of Recaudo's URLs (the test client serves them)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_a_nequi_payment_through_wompi_settles_the_debt_once(client, colombian, wompi, settings):
    checkout = _start(client, colombian)
    assert checkout.provider == "wompi" and checkout.url.startswith(f"{wompi.url}/wompi/p/?")
    back, event = _pay(wompi, checkout, method="NEQUI", phone_number="3991111111")
    token = live_link(colombian.pk).token
    assert back.startswith(f"{settings.PUBLIC_BASE_URL}/p/{token}/r/{checkout.reference}?id=")
    assert back.endswith("&env=test")

    answer = _post_event(client, event)
    assert (answer.status_code, answer.content.decode()) == (
        200, f"checkout {checkout.reference[:12]} paid",
    )  # fmt: skip
    payment = Payment.objects.get()
    assert (payment.amount, payment.currency, payment.method) == (
        Decimal("185000.50"), "COP", "wompi:nequi",
    )  # fmt: skip
    assert Debt.objects.get().status == "paid"

    # Wompi retries an event it thinks undelivered; a later event for the same status too.
    again = _post_event(client, event)
    assert (again.status_code, again.content) == (200, b"already processed")
    fake = wompi.fake
    transaction = next(iter(fake.transactions.values()))
    later = wompi.background.call(
        lambda: fake.event(transaction, fake.accounts[transaction.public_key])
    )
    assert (
        _post_event(
            client, {"body": later.body, "checksum": later.headers["X-Event-Checksum"]}
        ).content
        == b"already processed"
    )
    assert Payment.objects.count() == 1 and PaymentWebhookEvent.objects.count() == 1

    page = client.get(_local(back))
    assert 'data-outcome="paid"' in page.content.decode()


def test_a_declined_nequi_payment_fails_the_checkout_and_tells_the_debtor_once(
    client, colombian, wompi
):
    checkout = _start(client, colombian)
    _back, event = _pay(wompi, checkout, method="NEQUI", phone_number="3992222222")
    assert json.loads(event["body"])["data"]["transaction"]["status"] == "DECLINED"
    assert _post_event(client, event).status_code == 200
    assert _post_event(client, event).content == b"already processed"
    checkout.refresh_from_db()
    assert (checkout.status, checkout.payment_id) == ("failed", None)
    assert _failed_notices() == [f"payment-failed:{checkout.reference}"]
    assert not Payment.objects.exists()
    assert Debt.objects.get().status == "open"


def test_an_event_with_a_wrong_checksum_is_refused_and_nothing_is_stored(client, colombian, wompi):
    checkout = _start(client, colombian)
    _back, event = _pay(wompi, checkout, method="CARD", card_number="4242 4242 4242 4242")
    forged = json.loads(event["body"])
    forged["signature"]["checksum"] = "A" * 64
    answer = _post_event(client, {"body": json.dumps(forged), "checksum": "A" * 64})
    assert answer.status_code == 403
    unsigned = {key: value for key, value in forged.items() if key != "signature"}
    answer = client.post(
        "/webhooks/payments/wompi", json.dumps(unsigned), content_type="application/json"
    )
    assert answer.status_code == 401
    assert not PaymentWebhookEvent.objects.exists() and not Payment.objects.exists()
    checkout.refresh_from_db()
    assert checkout.status == "open"


def test_wompis_page_refuses_a_link_whose_amount_was_changed(client, colombian, wompi):
    checkout = _start(client, colombian)
    tampered = checkout.url.replace("amount-in-cents=18500050", "amount-in-cents=100")
    assert tampered != checkout.url
    page = httpx.get(tampered, timeout=10)
    assert page.status_code == 400 and "La firma de integridad es inválida" in page.text
    dollars = httpx.get(checkout.url.replace("currency=COP", "currency=USD"), timeout=10)
    assert dollars.status_code == 400 and "COP" in dollars.text
    params = {name: values[0] for name, values in parse_qs(urlsplit(tampered).query).items()}
    paid = httpx.post(f"{wompi.url}/wompi/p/pay", data={**params, "method": "NEQUI",
                      "phone_number": "3991111111"}, timeout=10)  # fmt: skip
    assert paid.status_code == 400 and not wompi.fake.transactions


def test_without_the_event_the_return_page_asks_wompi_by_the_transaction_id(
    client, colombian, wompi
):
    checkout = _start(client, colombian)
    back, _event = _pay(wompi, checkout, method="PSE", financial_institution_code="1")
    page = client.get(_local(back))
    assert 'data-outcome="paid"' in page.content.decode()
    assert Payment.objects.get().method == "wompi:pse"


def test_the_transactions_by_reference_need_the_private_key(wompi):
    answer = httpx.get(f"{wompi.url}/wompi/v1/transactions", params={"reference": "x"},
                       headers={"Authorization": "Bearer pub_test_recaudo_sandbox"})  # fmt: skip
    assert answer.status_code == 401


def test_a_creditors_own_wompi_account_signs_with_its_keys_and_its_events_secret(
    client, colombian, wompi
):
    account = ProviderAccount.objects.create(
        creditor=colombian.creditor, provider="wompi", account_id="pub_test_own",
        api_key="prv_test_own", webhook_secret="test_events_own",
        signing_secret="test_integrity_own",
    )  # fmt: skip
    route = f"/webhooks/payments/wompi/{account.webhook_token}"
    wompi.background.call(lambda: wompi.fake.add_account(Account(
        public_key="pub_test_own", private_key="prv_test_own",
        integrity_secret="test_integrity_own", events_secret="test_events_own",
        events_url=f"http://testserver{route}",
    )))  # fmt: skip
    checkout = _start(client, colombian)
    assert "public-key=pub_test_own" in checkout.url
    _back, event = _pay(wompi, checkout, method="BANCOLOMBIA_TRANSFER", outcome="approve")
    # The global route verifies with the global events secret: refused, nothing stored.
    assert _post_event(client, event).status_code == 403
    assert not PaymentWebhookEvent.objects.exists()
    assert _post_event(client, event, route).status_code == 200
    assert Payment.objects.get().method == "wompi:bancolombia_transfer"


def test_an_id_from_the_browser_stays_one_path_segment_of_the_transactions_url():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return httpx.Response(404, json={"error": {"type": "NOT_FOUND_ERROR"}})

    provider = WompiProvider(CONFIG, transport=httpx.MockTransport(handler))
    with pytest.raises(ProviderError, match="404"):
        provider.fetch("../merchants/pub_test_abc?x=1")
    assert seen == ["/v1/transactions/..%2Fmerchants%2Fpub_test_abc%3Fx%3D1"]


@pytest.mark.parametrize(
    ("public_key", "base_url", "refused"),
    [
        ("pub_test_x", "https://production.wompi.co/v1", True),
        ("pub_prod_x", "https://sandbox.wompi.co/v1", True),
        ("pub_prod_x", "https://production.wompi.co/v1", False),
        ("pub_test_x", "https://sandbox.wompi.co/v1", False),
        ("pub_test_recaudo_sandbox", "http://127.0.0.1:8025/wompi/v1", False),
    ],
)
def test_check_deploy_refuses_keys_of_one_wompi_environment_with_the_others_api(
    settings, public_key, base_url, refused
):
    settings.PAYMENTS = {"providers": {"wompi": {"public_key": public_key, "base_url": base_url}}}
    errors = [error for error in payment_errors(None) if error.id == "recaudo.E023"]
    assert len(errors) == (1 if refused else 0)
    if refused:
        assert errors[0].msg.startswith("WOMPI_PUBLIC_KEY is not a ")


def test_make_run_points_wompi_at_the_sandboxs_fake_and_production_at_wompi(tmp_path):
    from tests.security.support import settings_from

    local = settings_from({"DEBUG": "true", "SANDBOX_URL": "http://127.0.0.1:8025"}, tmp_path)
    assert local["PAYMENTS"]["providers"]["wompi"] == {
        "base_url": "http://127.0.0.1:8025/wompi/v1",
        "checkout_url": "http://127.0.0.1:8025/wompi/p/",
        "public_key": fake_wompi.DEFAULT_PUBLIC_KEY,
        "private_key": fake_wompi.DEFAULT_PRIVATE_KEY,
        "integrity_secret": fake_wompi.DEFAULT_INTEGRITY_SECRET,
        "webhook_secret": fake_wompi.DEFAULT_EVENTS_SECRET,
    }
    production = settings_from({"DEBUG": "false"}, tmp_path)
    assert production["PAYMENTS"]["providers"]["wompi"] == {
        "base_url": "https://production.wompi.co/v1",
        "checkout_url": "https://checkout.wompi.co/p/",
        "public_key": "",
        "private_key": "",
        "integrity_secret": "",
        "webhook_secret": "",
    }


def test_the_demos_colombian_creditors_pay_through_wompi_only_when_it_is_configured(settings):
    from recaudo.payments.models import PaymentSettings
    from recaudo.sandbox.demo.accounts import give_colombian_creditors_wompi

    bogota, lima = make_creditor(name="Bogotá S.A.S."), make_creditor(name="Lima", country="PE")
    settings.PAYMENTS = {"providers": {"wompi": {"public_key": ""}}}
    assert give_colombian_creditors_wompi() == []
    settings.PAYMENTS = {"providers": {"wompi": {"public_key": fake_wompi.DEFAULT_PUBLIC_KEY}}}
    [chosen] = give_colombian_creditors_wompi()
    assert (chosen.creditor, chosen.provider) == (bogota, "wompi")
    assert give_colombian_creditors_wompi() == []  # once
    assert not PaymentSettings.objects.filter(creditor=lima).exists()
