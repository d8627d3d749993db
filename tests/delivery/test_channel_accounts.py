"""One identity per creditor: sends go out with the creditor's own account, webhooks come
back routed to it by the receiving number, verified with that account's secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import httpx
import pytest
from django.conf import settings
from django.test import Client

from recaudo.conversations.models import Message
from recaudo.delivery import accounts
from recaudo.delivery.channels.registry import HttpChannelMixin, reset_channels
from recaudo.delivery.dispatcher import Dispatcher
from recaudo.delivery.models import ChannelAccount
from recaudo.outreach.models import Outreach, WebhookEvent
from recaudo.outreach.planner import plan
from recaudo.portfolio.models import ChannelConsent
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 24)  # Tuesday
PLANNED_AT = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
SEND_AT = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 in Bogotá
PHONE = "+573001234567"
ACME_NUMBER_ID = "111000111000111"
ACME_TOKEN = "EAAG-acme-token"
ACME_APP_SECRET = "acme-app-secret"
OTHER_NUMBER_ID = "222000222000222"
OTHER_APP_SECRET = "other-app-secret"
GLOBAL = settings.CHANNELS["whatsapp"]


@pytest.fixture(autouse=True)
def _fresh_clients():
    reset_channels()
    yield
    reset_channels()


@pytest.fixture
def provider(monkeypatch):
    """Every channel's HTTP client talks to this recorder, which accepts every message."""
    requests: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json={"messages": [{"id": f"wamid.{len(requests)}"}]})

    original = HttpChannelMixin._init_http

    def with_recorder(self, config, transport):
        original(self, config, httpx.MockTransport(answer))

    monkeypatch.setattr(HttpChannelMixin, "_init_http", with_recorder)
    return requests


def whatsapp_account(creditor, number_id=ACME_NUMBER_ID, token=ACME_TOKEN, secret=ACME_APP_SECRET):
    return ChannelAccount.objects.create(
        creditor=creditor,
        channel="whatsapp",
        routing_key=number_id,
        details={"display_number": "15550001111", "waba_id": "900900"},
        secret=token,
        signing_secret=secret,
    )


def contactable(creditor, phone=PHONE):
    debtor = make_debtor(creditor, phone=phone, first_name="Lucía")
    point = debtor.contact_points.get(kind="phone")
    for channel in ("whatsapp", "sms"):
        ChannelConsent.objects.create(
            contact_point=point, channel=channel, source="contrato", granted_at=PLANNED_AT
        )
    return debtor


# --- sending -----------------------------------------------------------------


def test_each_creditor_sends_from_its_own_number_and_one_without_an_account_from_the_global(
    provider,
):
    acme, other = make_creditor(), make_creditor()
    whatsapp_account(acme)
    acme_debtor = contactable(acme, "+573001110000")
    other_debtor = contactable(other, "+573002220000")
    for debtor in (acme_debtor, other_debtor):
        make_debt(debtor, "150000.00", due_on=DAY + timedelta(days=7))
    plan(DAY, now=PLANNED_AT)

    worker = Dispatcher(name="t", rng=random.Random(1))
    worker.run_once(SEND_AT)
    worker.close()

    sent = {json.loads(r.content)["to"]: r for r in provider}
    assert set(sent) == {"573001110000", "573002220000"}
    acme_request, other_request = sent["573001110000"], sent["573002220000"]
    assert acme_request.url.path.endswith(f"/{ACME_NUMBER_ID}/messages")
    assert acme_request.headers["Authorization"] == f"Bearer {ACME_TOKEN}"
    assert other_request.url.path.endswith(f"/{GLOBAL['phone_number_id']}/messages")
    assert other_request.headers["Authorization"] == f"Bearer {GLOBAL['access_token']}"
    assert set(Outreach.objects.values_list("status", flat=True)) == {"sent"}


def test_an_inactive_account_sends_nothing_of_its_own_the_global_account_serves(provider):
    acme = make_creditor()
    account = whatsapp_account(acme)
    account.active = False
    account.save()

    channel = accounts.channel_for("whatsapp", acme.pk)

    assert channel.config["phone_number_id"] == GLOBAL["phone_number_id"]


def test_a_changed_account_gets_a_new_client_and_the_old_one_is_closed(monkeypatch, provider):
    monkeypatch.setattr(accounts, "ACCOUNT_LOOKUP_SECONDS", 0.0)
    acme = make_creditor()
    account = whatsapp_account(acme)
    first = accounts.channel_for("whatsapp", acme.pk)
    assert accounts.channel_for("whatsapp", acme.pk) is first  # cached: one client per account
    first.client  # opened  # noqa: B018

    account.secret = "EAAG-rotated-token"
    account.save()
    second = accounts.channel_for("whatsapp", acme.pk)

    assert second is not first
    assert second.config["access_token"] == "EAAG-rotated-token"
    assert first._client is None  # closed
    assert account.revision == 2


def test_a_token_rotated_between_two_batches_is_used_by_the_next_batch_without_waiting(
    provider,
):
    # The lookup cache keeps its default 10 s: the dispatcher reads the batch's accounts afresh.
    acme = make_creditor()
    account = whatsapp_account(acme)
    first, second = contactable(acme, "+573001110000"), contactable(acme, "+573001110001")
    make_debt(first, "150000.00", due_on=DAY + timedelta(days=7))
    plan(DAY, now=PLANNED_AT)
    worker = Dispatcher(name="t", rng=random.Random(1))
    worker.run_once(SEND_AT)

    account.secret = "EAAG-rotated-token"
    account.save()
    make_debt(second, "90000.00", due_on=DAY + timedelta(days=7))
    plan(DAY, now=PLANNED_AT)
    worker.run_once(SEND_AT + timedelta(seconds=1))
    worker.close()

    tokens = [(json.loads(r.content)["to"], r.headers["Authorization"]) for r in provider]
    assert tokens == [
        ("573001110000", f"Bearer {ACME_TOKEN}"),
        ("573001110001", "Bearer EAAG-rotated-token"),
    ]


def test_an_account_deactivated_between_two_batches_leaves_the_next_to_the_global_number(
    provider,
):
    acme = make_creditor()
    account = whatsapp_account(acme)
    first, second = contactable(acme, "+573001110000"), contactable(acme, "+573001110001")
    make_debt(first, "150000.00", due_on=DAY + timedelta(days=7))
    plan(DAY, now=PLANNED_AT)
    worker = Dispatcher(name="t", rng=random.Random(1))
    worker.run_once(SEND_AT)

    account.active = False
    account.save()
    make_debt(second, "90000.00", due_on=DAY + timedelta(days=7))
    plan(DAY, now=PLANNED_AT)
    worker.run_once(SEND_AT + timedelta(seconds=1))
    worker.close()

    paths = [r.url.path.rsplit("/", 2)[1] for r in provider]
    assert paths == [ACME_NUMBER_ID, GLOBAL["phone_number_id"]]


def test_two_creditors_cannot_claim_the_same_number():
    from django.db import IntegrityError, transaction

    whatsapp_account(make_creditor())
    with pytest.raises(IntegrityError), transaction.atomic():
        whatsapp_account(make_creditor(), token="x", secret="y")


# --- inbound routing ---------------------------------------------------------


def inbound_body(number_id: str, text="hola, cuánto debo", message_id="wamid.IN1") -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": number_id},
        "contacts": [{"profile": {"name": "Lucía"}, "wa_id": PHONE[1:]}],
        "messages": [
            {
                "from": PHONE[1:],
                "id": message_id,
                "timestamp": "1795000000",
                "type": "text",
                "text": {"body": text},
            }
        ],
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "W", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body).encode()


def post_whatsapp(body: bytes, secret: str):
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return Client().post(
        "/webhooks/whatsapp",
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=f"sha256={digest}",
    )


@pytest.fixture
def two_creditors_one_phone():
    """Acme and Other each have their own number; the same person owes both."""
    acme, other = make_creditor(), make_creditor()
    whatsapp_account(acme)
    whatsapp_account(other, OTHER_NUMBER_ID, "EAAG-other", OTHER_APP_SECRET)
    return contactable(acme), contactable(other)


def test_a_reply_to_a_creditors_number_lands_in_that_creditors_conversation(
    two_creditors_one_phone,
):
    acme_debtor, other_debtor = two_creditors_one_phone

    to_other = post_whatsapp(inbound_body(OTHER_NUMBER_ID), OTHER_APP_SECRET)
    to_acme = post_whatsapp(inbound_body(ACME_NUMBER_ID, message_id="wamid.IN2"), ACME_APP_SECRET)

    assert to_other.status_code == 200
    assert to_acme.status_code == 200
    inbound = Message.objects.filter(direction="in").order_by("pk")
    assert [(m.provider_event_id, m.thread.debtor_id) for m in inbound] == [
        ("wamid.IN1", other_debtor.pk),
        ("wamid.IN2", acme_debtor.pk),
    ]


def test_a_webhook_naming_a_number_but_signed_with_another_creditors_secret_is_refused(
    two_creditors_one_phone,
):
    response = post_whatsapp(inbound_body(ACME_NUMBER_ID), OTHER_APP_SECRET)

    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()
    assert not Message.objects.exists()


def test_a_webhook_for_an_unknown_number_is_skipped_and_logged_and_nothing_is_kept(
    two_creditors_one_phone, caplog
):
    response = post_whatsapp(inbound_body("999999999999999"), GLOBAL["app_secret"])

    assert response.status_code == 200  # signed by our app: Meta must not retry it
    assert (
        "webhook whatsapp: skipped the changes for 999999999999999: no account for this number"
        in caplog.text
    )
    assert not WebhookEvent.objects.exists()
    assert not Message.objects.exists()


def test_a_webhook_for_an_unknown_number_signed_by_no_secret_we_know_is_refused(
    two_creditors_one_phone,
):
    response = post_whatsapp(inbound_body("999999999999999"), "somebody-elses-secret")

    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()


# --- one POST per Meta app, changes of several numbers -----------------------


def batch_body(*changes: tuple[str, str, str]) -> bytes:
    """One POST with one change per (number id, text, message id), as Meta batches them."""
    entries = []
    for number_id, text, message_id in changes:
        [entry] = json.loads(inbound_body(number_id, text, message_id))["entry"]
        entries.append(entry)
    body = {"object": "whatsapp_business_account", "entry": entries}
    return json.dumps(body).encode()


@pytest.fixture
def one_app_two_creditors():
    """Acme and Other are two numbers of one Meta app: one app secret signs both."""
    acme, other = make_creditor(), make_creditor()
    whatsapp_account(acme)
    whatsapp_account(other, OTHER_NUMBER_ID, "EAAG-other", ACME_APP_SECRET)
    return contactable(acme), contactable(other)


def test_one_post_for_two_numbers_of_one_app_lands_each_reply_in_its_creditors_conversation(
    one_app_two_creditors,
):
    acme_debtor, other_debtor = one_app_two_creditors
    body = batch_body(
        (ACME_NUMBER_ID, "hola acme", "wamid.A"), (OTHER_NUMBER_ID, "hola other", "wamid.O")
    )

    response = post_whatsapp(body, ACME_APP_SECRET)

    assert response.status_code == 200
    inbound = Message.objects.filter(direction="in").order_by("provider_event_id")
    assert [(m.provider_event_id, m.text, m.thread.debtor_id) for m in inbound] == [
        ("wamid.A", "hola acme", acme_debtor.pk),
        ("wamid.O", "hola other", other_debtor.pk),
    ]
    [stored] = WebhookEvent.objects.all()
    assert stored.headers[":numbers"] == f"{ACME_NUMBER_ID},{OTHER_NUMBER_ID}"


def test_two_changes_of_one_entry_for_two_numbers_are_split_between_their_creditors(
    one_app_two_creditors,
):
    acme_debtor, other_debtor = one_app_two_creditors
    payload = json.loads(batch_body((ACME_NUMBER_ID, "a", "wamid.A")))
    [other_entry] = json.loads(batch_body((OTHER_NUMBER_ID, "o", "wamid.O")))["entry"]
    payload["entry"][0]["changes"] += other_entry["changes"]

    response = post_whatsapp(json.dumps(payload).encode(), ACME_APP_SECRET)

    assert response.status_code == 200
    owners = dict(Message.objects.filter(direction="in").values_list("text", "thread__debtor"))
    assert owners == {"a": acme_debtor.pk, "o": other_debtor.pk}


def test_a_deferred_batch_is_split_the_same_way_when_the_worker_processes_it(
    one_app_two_creditors, settings
):
    from recaudo.delivery import provider_events

    acme_debtor, other_debtor = one_app_two_creditors
    settings.WEBHOOK_PROCESSING = "deferred"
    body = batch_body((ACME_NUMBER_ID, "a", "wamid.A"), (OTHER_NUMBER_ID, "o", "wamid.O"))

    assert post_whatsapp(body, ACME_APP_SECRET).status_code == 200
    provider_events.process_pending()

    owners = dict(Message.objects.filter(direction="in").values_list("text", "thread__debtor"))
    assert owners == {"a": acme_debtor.pk, "o": other_debtor.pk}


def test_in_a_batch_the_changes_of_a_number_with_another_app_secret_are_skipped_not_stored(
    two_creditors_one_phone, caplog
):
    acme_debtor, _other_debtor = two_creditors_one_phone
    body = batch_body(
        (ACME_NUMBER_ID, "hola acme", "wamid.A"), (OTHER_NUMBER_ID, "forged", "wamid.O")
    )

    response = post_whatsapp(body, ACME_APP_SECRET)

    assert response.status_code == 200
    [message] = Message.objects.filter(direction="in")
    assert (message.text, message.thread.debtor_id) == ("hola acme", acme_debtor.pk)
    assert (
        f"skipped the changes for {OTHER_NUMBER_ID}: its account has another app secret "
        "than the one that signed" in caplog.text
    )
    [stored] = WebhookEvent.objects.all()
    assert stored.headers[":numbers"] == ACME_NUMBER_ID
    from recaudo.delivery.provider_events import stored_events

    assert [event.text for event in stored_events(stored)] == ["hola acme"]


def test_a_batch_signed_by_the_other_app_keeps_only_the_other_apps_number(
    two_creditors_one_phone,
):
    _acme_debtor, other_debtor = two_creditors_one_phone
    body = batch_body((ACME_NUMBER_ID, "forged", "wamid.A"), (OTHER_NUMBER_ID, "hola", "wamid.O"))

    response = post_whatsapp(body, OTHER_APP_SECRET)

    assert response.status_code == 200
    [message] = Message.objects.filter(direction="in")
    assert (message.text, message.thread.debtor_id) == ("hola", other_debtor.pk)


def test_a_batch_that_no_secret_of_the_numbers_it_names_verifies_is_refused_whole(
    two_creditors_one_phone,
):
    body = batch_body((ACME_NUMBER_ID, "a", "wamid.A"), (OTHER_NUMBER_ID, "o", "wamid.O"))

    response = post_whatsapp(body, "not-any-app-secret")

    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()
    assert not Message.objects.exists()


def test_the_global_number_still_answers_for_creditors_without_an_account(
    two_creditors_one_phone,
):
    third = make_creditor()
    third_debtor = contactable(third, "+573009990000")
    body = inbound_body(GLOBAL["phone_number_id"]).replace(PHONE[1:].encode(), b"573009990000")

    response = post_whatsapp(body, GLOBAL["app_secret"])

    assert response.status_code == 200
    [message] = Message.objects.filter(direction="in")
    assert message.thread.debtor_id == third_debtor.pk


def test_deferred_processing_routes_the_stored_webhook_to_the_same_creditor(
    two_creditors_one_phone, settings
):
    from recaudo.delivery import provider_events

    _acme_debtor, other_debtor = two_creditors_one_phone
    settings.WEBHOOK_PROCESSING = "deferred"

    assert post_whatsapp(inbound_body(OTHER_NUMBER_ID), OTHER_APP_SECRET).status_code == 200
    assert not Message.objects.exists()
    provider_events.process_pending()

    [message] = Message.objects.filter(direction="in")
    assert message.thread.debtor_id == other_debtor.pk


def twilio_post(params: dict[str, str], auth_token: str):
    path = "/webhooks/twilio"
    url = settings.PUBLIC_BASE_URL + path
    payload = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return Client().post(
        path,
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=base64.b64encode(digest).decode(),
    )


def test_an_sms_to_a_creditors_sender_is_verified_with_its_auth_token_and_routed_to_it():
    acme, other = make_creditor(), make_creditor()
    ChannelAccount.objects.create(
        creditor=acme,
        channel="sms",
        routing_key="+15005550100",
        details={"account_sid": "AC" + "1" * 32},
        secret="acme-auth-token",
    )
    acme_debtor, _other_debtor = contactable(acme), contactable(other)
    sms = {
        "MessageSid": "SM" + "7" * 32,
        "AccountSid": "AC" + "1" * 32,
        "From": PHONE,
        "To": "+15005550100",
        "Body": "hola",
        "NumMedia": "0",
    }

    wrong = twilio_post(sms, settings.CHANNELS["sms"]["auth_token"])
    right = twilio_post(sms, "acme-auth-token")

    assert wrong.status_code == 403
    assert right.status_code == 200
    [message] = Message.objects.filter(direction="in")
    assert message.thread.debtor_id == acme_debtor.pk


# --- email: routed by the address the debtor wrote to ------------------------


GLOBAL_RELAY_SECRET = settings.CHANNELS["email"]["inbound_secret"]


def post_mail(
    to: str,
    message_id: str,
    secret: str = GLOBAL_RELAY_SECRET,
    delivered_to: str | list[str] = "",
    cc: str = "",
):
    from email.message import EmailMessage

    from recaudo.sandbox.signing import mail_signature

    message = EmailMessage()
    for address in [delivered_to] if isinstance(delivered_to, str) else delivered_to:
        if address:
            message["Delivered-To"] = address  # each server adds its own, topmost last added
    message["From"] = "Lucía <lucia@example.com>"
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = "Re: Su saldo"
    message["Message-ID"] = message_id
    message.set_content("hola, ¿cuánto debo?")
    body = message.as_bytes()
    return Client().post(
        "/webhooks/email",
        body,
        content_type="message/rfc822",
        HTTP_X_RECAUDO_SIGNATURE=mail_signature(secret, body),
    )


def lucia_owing(*creditors):
    """Lucía's email is a contact point of a debtor of each creditor: {creditor pk: debtor}."""
    from recaudo.portfolio.models import ContactPoint

    debtors = {}
    for creditor in creditors:
        debtor = make_debtor(creditor)
        ContactPoint.objects.create(
            debtor=debtor, kind="email", value="lucia@example.com", channels=["email"]
        )
        debtors[creditor.pk] = debtor
    return debtors


def test_an_email_to_a_creditors_from_address_lands_in_that_creditors_conversation():
    acme, other = make_creditor(), make_creditor()
    ChannelAccount.objects.create(
        creditor=acme, channel="email", routing_key="Cobranza@Acme.example", secret="smtp-pass"
    )
    debtors = lucia_owing(acme, other)

    to_acme = post_mail("Acme <cobranza@acme.example>", "<m1@example.com>")

    assert to_acme.status_code == 200
    [message] = Message.objects.filter(direction="in")
    assert message.thread.debtor_id == debtors[acme.pk].pk
    assert ChannelAccount.objects.get().routing_key == "cobranza@acme.example"


@pytest.fixture
def acme_mail_with_its_own_relay():
    """Acme's email account has its own relay secret; Other has no email account."""
    acme, other = make_creditor(), make_creditor()
    ChannelAccount.objects.create(
        creditor=acme,
        channel="email",
        routing_key="cobranza@acme.example",
        secret="smtp-pass",
        signing_secret="acme-relay-secret",
    )
    return acme, lucia_owing(acme, other)


def test_an_email_to_an_account_with_its_own_relay_secret_is_verified_with_that_secret(
    acme_mail_with_its_own_relay,
):
    acme, debtors = acme_mail_with_its_own_relay

    response = post_mail("cobranza@acme.example", "<m1@example.com>", "acme-relay-secret")

    assert response.status_code == 200
    [message] = Message.objects.filter(direction="in")
    assert message.thread.debtor_id == debtors[acme.pk].pk


def test_an_email_to_that_account_signed_with_the_global_relay_secret_is_refused_unstored(
    acme_mail_with_its_own_relay,
):
    response = post_mail("cobranza@acme.example", "<m1@example.com>", GLOBAL_RELAY_SECRET)

    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()
    assert not Message.objects.exists()


def test_an_email_to_an_address_no_account_owns_is_verified_with_the_global_relay_secret(
    acme_mail_with_its_own_relay,
):
    wrong = post_mail("someone@elsewhere.example", "<m1@example.com>", "acme-relay-secret")
    right = post_mail("someone@elsewhere.example", "<m2@example.com>", GLOBAL_RELAY_SECRET)

    assert wrong.status_code == 403
    assert right.status_code == 200
    [stored] = WebhookEvent.objects.all()
    assert stored.dedupe_key == "mail:<m2@example.com>"


def test_the_address_the_relay_delivered_to_routes_before_to_and_cc(
    acme_mail_with_its_own_relay,
):
    # Written To the global address with Acme in Cc, delivered to Acme's mailbox.
    acme, debtors = acme_mail_with_its_own_relay
    global_from = settings.CHANNELS["email"]["from_address"]

    response = post_mail(
        global_from,
        "<m1@example.com>",
        "acme-relay-secret",
        delivered_to="cobranza@acme.example",
    )

    assert response.status_code == 200
    [message] = Message.objects.filter(direction="in")
    assert message.thread.debtor_id == debtors[acme.pk].pk


def test_a_forwarded_mail_is_routed_by_the_topmost_delivered_to_alone(
    acme_mail_with_its_own_relay,
):
    # Sent to another creditor's mailbox, which forwarded it to Acme's: both servers
    # wrote a Delivered-To, the last hop (Acme's) on top.
    acme, debtors = acme_mail_with_its_own_relay
    other_account = ChannelAccount.objects.create(
        creditor=make_creditor(), channel="email", routing_key="b@other.example",
        signing_secret="other-relay-secret",
    )  # fmt: skip

    response = post_mail(
        other_account.routing_key,
        "<m1@example.com>",
        "acme-relay-secret",
        delivered_to=["cobranza@acme.example", "b@other.example"],
    )

    assert response.status_code == 200
    [message] = Message.objects.filter(direction="in")
    assert message.thread.debtor_id == debtors[acme.pk].pk


def test_to_routes_before_cc_so_a_copy_to_a_creditor_does_not_take_the_mail(
    acme_mail_with_its_own_relay,
):
    global_from = settings.CHANNELS["email"]["from_address"]

    as_acme = post_mail(
        global_from, "<m1@example.com>", "acme-relay-secret", cc="cobranza@acme.example"
    )
    as_global = post_mail(
        global_from, "<m2@example.com>", GLOBAL_RELAY_SECRET, cc="cobranza@acme.example"
    )

    assert as_acme.status_code == 403  # not Acme's mail: Acme's secret does not verify it
    assert as_global.status_code == 200
    assert list(WebhookEvent.objects.values_list("dedupe_key", flat=True)) == [
        "mail:<m2@example.com>"
    ]


def test_two_creditors_mailboxes_in_one_to_are_refused_with_the_reason():
    acme, other = make_creditor(), make_creditor()
    for creditor, address in ((acme, "a@acme.example"), (other, "b@other.example")):
        ChannelAccount.objects.create(
            creditor=creditor, channel="email", routing_key=address, signing_secret="s"
        )

    response = post_mail("a@acme.example, b@other.example", "<m1@example.com>", "s")

    assert response.status_code == 403
    assert response.content == (
        b"email: one header names several accounts (a@acme.example, b@other.example)\n"
    )
    assert not WebhookEvent.objects.exists()
