"""The one list of channels (recaudo/channels.py) and the webhook adapter interface."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from recaudo.channels import (
    CHANNEL_NAMES,
    EMAIL_CHANNELS,
    PHONE_CHANNELS,
    PROVIDER_CHANNELS,
    WRITTEN_CHANNELS,
    channel_facts,
    consent_needed,
    find_channel,
)
from recaudo.compliance.rules import CHANNELS as COMPLIANCE_CHANNELS
from recaudo.delivery.channels.registry import CHANNEL_CLASSES, channel_class
from recaudo.delivery.rules import after_send
from recaudo.outreach.contract import ProviderResult, WebhookRequest
from recaudo.portfolio.models import ContactPoint

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def test_every_app_lists_the_channels_in_the_same_order():
    assert CHANNEL_NAMES == ("whatsapp", "sms", "rcs", "email", "call")
    assert COMPLIANCE_CHANNELS == CHANNEL_NAMES
    assert WRITTEN_CHANNELS == ("whatsapp", "sms", "rcs", "email")
    assert ContactPoint.PHONE_CHANNELS == ("whatsapp", "sms", "rcs", "call")
    assert ContactPoint.EMAIL_CHANNELS == ("email",)
    # Phone channels first, as the migrations recorded the choices.
    assert ContactPoint.Channel.values == ["whatsapp", "sms", "rcs", "call", "email"]
    assert consent_needed(frozenset()) == {"whatsapp"}


def test_every_channel_with_webhooks_has_a_registered_class_that_names_it():
    assert PROVIDER_CHANNELS == {
        "whatsapp": "whatsapp",
        "twilio": "sms",
        "rbm": "rcs",
        "mail": "email",
    }
    assert set(CHANNEL_CLASSES) <= set(CHANNEL_NAMES)
    for name in CHANNEL_CLASSES:
        channel_type = channel_class(name)
        assert channel_type.name == name
        assert bool(channel_type.signature_header) == bool(channel_facts(name).provider)
    assert set(PROVIDER_CHANNELS.values()) <= set(CHANNEL_CLASSES)
    assert {*PHONE_CHANNELS, *EMAIL_CHANNELS} == set(CHANNEL_NAMES)


def test_an_unknown_channel_name_is_refused_by_name():
    assert find_channel("fax") is None
    with pytest.raises(KeyError, match="unknown channel 'fax'"):
        channel_facts("fax")


@pytest.mark.parametrize(
    ("channel", "code", "meaning"),
    [
        ("whatsapp", "131026", "channel"),
        ("sms", "21211", "address"),
        ("sms", "30005", "address"),
        ("sms", "30006", "channel"),
        ("sms", "21614", "channel"),
        ("sms", "21612", None),
        ("sms", "30003", None),
        ("sms", "21610", None),
        ("rcs", "NOT_FOUND", "channel"),
        ("rcs", "PERMANENT", "channel"),
        ("rcs", "INVALID_ARGUMENT", "channel"),
        ("email", "550", "address"),
        ("whatsapp", "21211", None),
    ],
)
def test_a_failure_code_means_what_its_channel_says(channel, code, meaning):
    assert channel_facts(channel).errors.invalidation(code) == meaning


def test_only_a_twilio_opt_out_code_records_an_opt_out_after_a_send():
    refused = ProviderResult("permanent", error_code="21610")
    rng = random.Random(1)

    sms = after_send(refused, channel="sms", attempts=1, max_attempts=5, now=NOW, rng=rng)
    whatsapp = after_send(refused, channel="whatsapp", attempts=1, max_attempts=5, now=NOW, rng=rng)

    assert (sms.next, sms.opted_out) == ("fallback", True)
    assert (whatsapp.next, whatsapp.opted_out) == ("fallback", False)


def test_only_whatsapp_has_a_service_window():
    assert channel_facts("whatsapp").service_window == timedelta(hours=24)
    assert [name for name in CHANNEL_NAMES if channel_facts(name).service_window] == ["whatsapp"]


def test_a_webhook_request_reads_headers_query_and_form_like_django():
    request = WebhookRequest(
        path="/webhooks/twilio?ref=outreach-1-1&ref=outreach-1-2",
        headers={"content-type": "application/x-www-form-urlencoded; charset=utf-8"},
        body=b"Body=Hola+%C2%BFcu%C3%A1nto%3F&To=%2B52",
    )

    assert request.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert request.query.get("ref") == "outreach-1-2"
    assert request.query_string == "ref=outreach-1-1&ref=outreach-1-2"
    assert (request.form["Body"], request.form["To"]) == ("Hola ¿cuánto?", "+52")


def test_a_webhook_request_has_no_form_unless_the_body_is_url_encoded():
    request = WebhookRequest(headers={"Content-Type": "application/json"}, body=b"a=1")

    assert dict(request.form) == {}


def test_production_code_never_builds_requests_with_the_test_client():
    root = Path(__file__).resolve().parent.parent / "recaudo"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "django.test" in path.read_text(encoding="utf-8")
    ]

    assert offenders == []
