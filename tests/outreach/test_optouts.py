"""One opt-out lexicon for the webhook layer and the bot, and an audit event for every opt-out."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
import time_machine

from recaudo.conversations.inbound import receive
from recaudo.conversations.nlu import understand
from recaudo.delivery import provider_events
from recaudo.delivery.channels.sms import TWILIO_STOP_KEYWORDS
from recaudo.outreach import optouts
from recaudo.outreach.contract import Event
from recaudo.outreach.links import unsubscribe_token
from recaudo.outreach.models import Outreach
from recaudo.payments import contact
from recaudo.portfolio.models import AuditEvent, ChannelConsent, ContactPoint
from tests.delivery.test_provider_events import PHONE, make_outreach

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 in Bogotá, a Tuesday
TODAY = date(2026, 11, 24)
PHONE_CHANNELS = {"whatsapp", "sms", "rcs", "call"}


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def _whatsapp(text: str, **fields) -> Event:
    values = {
        "channel": "whatsapp",
        "kind": "inbound",
        "provider_event_id": "wamid.IN1",
        "address": PHONE.lstrip("+"),  # WhatsApp's wa_id has no plus sign
        "text": text,
        "occurred_at": NOW,
    }
    values.update(fields)
    return Event(**values)


def _revoked(point: ContactPoint) -> set[str]:
    return set(
        ChannelConsent.objects.filter(contact_point=point, revoked_at__isnull=False).values_list(
            "channel", flat=True
        )
    )


# --- The lexicon ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("STOP", "channel"),
        ("stop", "channel"),
        ("¡Baja!", "channel"),
        ("  Cancelar ", "channel"),
        ("alto", "channel"),
        ("STOPALL", "all"),
        ("No más", "all"),
        ("no me contacten más", "all"),
        ("STOP PLEASE", None),
        ("quiero pagar el viernes", None),
        ("", None),
    ],
)
def test_opt_out_words_are_matched_against_the_whole_message(text, scope):
    # Moved from tests/delivery/test_provider_events.py: the keyword table.
    assert optouts.keyword_scope(text) == scope


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("STOP PLEASE", "channel"),  # no keyword, but the phrase "stop" the bot always heard
        ("No me escribaaan más!!", "all"),
        ("baja 🙏", "channel"),
        ("🛑", "channel"),
        ("pls no me escriban mas", "all"),
        ("no me vuelvan a escribir", "channel"),
        ("a fin de mes te pago", None),
        ("pago a fin de mes", None),
        ("quiero cancelar la deuda", None),
        ("el monto es muy alto", None),
    ],
)
def test_phrases_stop_the_channel_and_keywords_inside_sentences_do_not_count(text, scope):
    assert optouts.opt_out_scope(text) == scope


def test_the_providers_stop_counts_for_the_channel_unless_the_words_say_everything():
    assert optouts.opt_out_scope("", provider_says_stop=True) == "channel"
    assert optouts.opt_out_scope("Hola", provider_says_stop=True) == "channel"
    assert optouts.opt_out_scope("STOPALL", provider_says_stop=True) == "all"


def test_every_keyword_twilio_blocks_on_its_own_is_in_the_table():
    assert {word: optouts.keyword_scope(word) for word in TWILIO_STOP_KEYWORDS} == {
        "STOP": "channel",
        "STOPALL": "all",
        "UNSUBSCRIBE": "channel",
        "CANCEL": "channel",
        "END": "channel",
        "QUIT": "channel",
        "REVOKE": "channel",
        "OPTOUT": "channel",
    }


def test_each_keyword_has_one_scope_in_every_language():
    table = {
        word: scope
        for by_scope in optouts.KEYWORDS.values()
        for scope, words in by_scope.items()
        for word in words
    }
    assert table == optouts.KEYWORD_SCOPES
    assert optouts.KEYWORD_SCOPES["parar"] == "channel"  # Spanish and Portuguese agree


# --- The same answer from the webhook layer and the bot ---------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("Fin", "channel"),
        ("BAJA", "channel"),
        ("STOP", "channel"),
        ("SAIR", "channel"),
        ("Cancelar", "channel"),
        ("no me escriban más", "all"),
        ("a fin de mes te pago", None),
        ("quiero cancelar la deuda", None),
    ],
)
def test_the_webhook_path_and_the_bot_give_the_same_answer(text, scope):
    outreach = make_outreach(status="planned")
    phone = outreach.contact_point

    outcome = provider_events.process_events([_whatsapp(text)])

    bot = understand(text, TODAY)
    opted_out_by_webhook = outcome.startswith(optouts.OPT_OUT_OUTCOME)
    assert optouts.opt_out_scope(text) == scope
    assert opted_out_by_webhook is (scope is not None)
    assert (bot.intent == "opt_out") is (scope is not None)
    phone.refresh_from_db()
    outreach.refresh_from_db()
    stopped = "whatsapp" if scope == "channel" else "all channels"
    expected = {
        None: (provider_events.INBOUND_OUTCOME, set(), None, 0),
        "channel": (f"opt-out: {stopped} on 1 contact point(s), 1 planned outreach cancelled",
                    {"whatsapp"}, None, 1),
        "all": (f"opt-out: {stopped} on 1 contact point(s), 1 planned outreach cancelled",
                PHONE_CHANNELS, NOW, 1),
    }[scope]  # fmt: skip
    opt_out_events = AuditEvent.objects.filter(kind="opt_out").count()
    assert (outcome, _revoked(phone), phone.opted_out_at, opt_out_events) == expected
    if scope is None:
        # The bot may still act on it (a dispute stops reminders too), never as an opt-out.
        assert not outreach.status_reason.startswith("opt-out")
    else:
        assert outreach.status == "cancelled"


def test_fin_de_mes_stays_a_promise_to_pay_in_the_bot():
    assert understand("a fin de mes te pago", TODAY).intent == "promise_to_pay"
    assert understand("pago a fin de mes", TODAY).intent == "promise_to_pay"
    assert understand("Fin", TODAY).intent == "opt_out"


# --- One audit event per opt-out ----------------------------------------------------


@pytest.mark.django_db
def test_an_opt_out_by_webhook_writes_one_audit_event_with_who_what_when_and_the_words():
    outreach = make_outreach(status="planned")
    phone = outreach.contact_point
    said_at = datetime(2026, 11, 24, 14, 58, tzinfo=UTC)

    provider_events.apply_event(
        Event(
            channel="sms",
            kind="opt_out",
            address=PHONE,
            text="STOP",
            occurred_at=said_at,
            raw={"OptOutType": "STOP"},
        )
    )

    [event] = AuditEvent.objects.all()
    assert (event.kind, event.actor, event.creditor_id, event.debtor_id, event.created_at) == (
        "opt_out",
        "twilio",
        outreach.creditor_id,
        outreach.debtor_id,
        NOW,
    )
    assert event.data == {
        "channel": "sms",
        "scope": "channel",
        "source": "webhook",
        "text": "STOP",
        "contact_point": phone.pk,
        "address": "••• 4567",
        "channels": ["sms"],
        "cancelled": 0,  # the planned row is on WhatsApp
        "occurred_at": "2026-11-24T14:58:00+00:00",
    }
    assert "3001234567" not in json.dumps(event.data)


@pytest.mark.django_db
def test_an_opt_out_for_everything_by_webhook_lists_every_channel_it_stopped():
    outreach = make_outreach(status="planned", rcs=True)

    provider_events.apply_event(_whatsapp("No me contacten más, por favor"))

    [event] = AuditEvent.objects.all()
    assert (event.kind, event.actor) == ("opt_out", "whatsapp")
    assert event.data == {
        "channel": "whatsapp",
        "scope": "all",
        "source": "webhook",
        "text": "No me contacten más, por favor",
        "contact_point": outreach.contact_point_id,
        "address": "••• 4567",
        "channels": ["call", "rcs", "sms", "whatsapp"],
        "cancelled": 1,
        "occurred_at": "2026-11-24T15:00:00+00:00",
    }


@pytest.mark.django_db
def test_the_debtors_words_are_trimmed_in_the_audit_event():
    make_outreach(status="planned")
    long_text = "no me escriban nunca más " + "por favor " * 40

    provider_events.apply_event(_whatsapp(long_text))

    [event] = AuditEvent.objects.all()
    assert event.data["text"] == long_text.strip()[: optouts.TEXT_LIMIT]
    assert len(event.data["text"]) == 200


@pytest.mark.django_db
def test_an_opt_out_the_bot_hears_writes_one_audit_event_from_the_bot():
    outreach = make_outreach(status="planned")

    message = receive(_whatsapp("por favor no me vuelvan a escribir"))

    assert message is not None and message.intent == "opt_out"
    [event] = AuditEvent.objects.all()
    assert (event.kind, event.actor, event.debtor_id) == ("opt_out", "debtor", outreach.debtor_id)
    assert event.data == {
        "channel": "whatsapp",
        "scope": "channel",
        "source": "bot",
        "text": "por favor no me vuelvan a escribir",
        "contact_point": outreach.contact_point_id,
        "address": "••• 4567",
        "channels": ["whatsapp"],
        "cancelled": 1,
        "occurred_at": "2026-11-24T15:00:00+00:00",
    }


@pytest.mark.django_db
def test_a_misspelt_opt_out_only_the_classifier_reads_is_applied_and_audited_by_the_bot():
    outreach = make_outreach(status="planned")
    assert optouts.opt_out_scope("dejen de hostigarme") is None

    outcome = provider_events.apply_event(_whatsapp("dejen de hostigarme"))

    assert outcome == provider_events.INBOUND_OUTCOME
    [event] = AuditEvent.objects.all()
    assert (event.data["source"], event.data["scope"], event.data["cancelled"]) == (
        "bot",
        "channel",
        1,
    )
    assert _revoked(outreach.contact_point) == {"whatsapp"}


@pytest.mark.django_db
def test_the_unsubscribe_page_writes_one_audit_event(creditor, client):
    outreach = make_outreach(creditor, status="planned")
    email = outreach.debtor.contact_points.get(kind="email")

    client.post(f"/u/{unsubscribe_token(email.pk, 'email')}", {"List-Unsubscribe": "One-Click"})

    [event] = AuditEvent.objects.all()
    assert (event.kind, event.actor, event.debtor_id) == ("opt_out", "debtor", outreach.debtor_id)
    assert event.data == {
        "channel": "email",
        "scope": "all",
        "source": "unsubscribe page",
        "text": "",
        "contact_point": email.pk,
        "address": f"{email.value[0]}•••@example.com",
        "channels": ["email"],
        "cancelled": 0,
        "occurred_at": "2026-11-24T15:00:00+00:00",
    }


@pytest.mark.django_db
def test_stopping_a_channel_on_the_portal_writes_one_audit_event(creditor):
    outreach = make_outreach(creditor, status="planned")
    phone = outreach.contact_point

    cancelled = contact.stop_channel(outreach.debtor, f"{phone.pk}:whatsapp")

    assert cancelled == 1
    outreach.refresh_from_db()
    assert outreach.status_reason == "opted out on portal (whatsapp)"
    [event] = AuditEvent.objects.all()
    assert (event.kind, event.actor) == ("opt_out", "debtor")
    assert event.data == {
        "channel": "whatsapp",
        "scope": "channel",
        "source": "portal",
        "text": "",
        "contact_point": phone.pk,
        "address": "••• 4567",
        "channels": ["whatsapp"],
        "cancelled": 1,
        "occurred_at": "2026-11-24T15:00:00+00:00",
    }


@pytest.mark.django_db
def test_stopping_everything_on_the_portal_writes_one_audit_event_per_contact_point(creditor):
    outreach = make_outreach(creditor, status="planned")
    debtor = outreach.debtor

    cancelled = contact.stop_everything(debtor)

    assert cancelled == 1
    points = list(debtor.contact_points.order_by("pk"))
    events = list(AuditEvent.objects.order_by("id"))
    assert [(e.kind, e.actor, e.data["contact_point"]) for e in events] == [
        ("opt_out", "debtor", point.pk) for point in points
    ]
    assert [(e.data["scope"], e.data["source"], e.data["cancelled"]) for e in events] == [
        ("all", "portal", 1),
        ("all", "portal", 0),
    ]
    assert not ContactPoint.objects.filter(debtor=debtor, opted_out_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_refusal_the_provider_reports_writes_one_consent_change_and_cancels_nothing(creditor):
    outreach = make_outreach(creditor, status="planned")
    phone = outreach.contact_point

    optouts.record_provider_refusal(
        phone.pk, "whatsapp", actor="whatsapp", reason="131050: user stopped marketing", when=NOW
    )

    outreach.refresh_from_db()
    assert outreach.status == "planned"
    assert _revoked(phone) == {"whatsapp"}
    [event] = AuditEvent.objects.all()
    assert (event.kind, event.actor) == ("consent_changed", "whatsapp")
    assert event.data == {
        "channel": "whatsapp",
        "scope": "channel",
        "source": "provider",
        "text": "131050: user stopped marketing",
        "contact_point": phone.pk,
        "address": "••• 4567",
        "channels": ["whatsapp"],
        "cancelled": 0,
        "occurred_at": "2026-11-24T15:00:00+00:00",
    }


@pytest.mark.django_db
def test_an_opt_out_from_an_unknown_address_writes_no_audit_event():
    make_outreach(status="planned")

    outcome = provider_events.apply_event(_whatsapp("BAJA", address="5710000000"))

    assert outcome == "opt-out: no contact point for this address"
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_every_contact_point_with_the_address_gets_its_own_audit_event(creditor):
    from tests.factories import make_creditor

    first = make_outreach(creditor, status="planned")
    other_creditor = make_creditor(name="Otra Empresa")
    second = make_outreach(other_creditor, status="planned")

    provider_events.apply_event(_whatsapp("STOP"))

    events = AuditEvent.objects.order_by("creditor_id")
    assert [(e.creditor_id, e.debtor_id, e.data["contact_point"]) for e in events] == [
        (first.creditor_id, first.debtor_id, first.contact_point_id),
        (second.creditor_id, second.debtor_id, second.contact_point_id),
    ]
    assert Outreach.objects.filter(status="cancelled").count() == 2
