from __future__ import annotations

import socket
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured

from recaudo.delivery.channels.email import EmailChannel
from recaudo.delivery.channels.rcs import RbmChannel
from recaudo.delivery.channels.registry import get_channel, reset_channels
from recaudo.delivery.channels.sms import TwilioSmsChannel
from recaudo.delivery.channels.whatsapp import WhatsAppChannel
from recaudo.outreach.contract import OutboundMessage


@pytest.fixture(autouse=True)
def fresh_channels():
    reset_channels()
    yield
    reset_channels()


def message() -> OutboundMessage:
    return OutboundMessage(
        outreach_id=1, channel="whatsapp", to="+5215512345678", text="Hola", idempotency_key="k-1"
    )


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("whatsapp", WhatsAppChannel),
        ("sms", TwilioSmsChannel),
        ("rcs", RbmChannel),
        ("email", EmailChannel),
    ],
)
def test_it_builds_each_channel_once_per_process(name, cls):
    channel = get_channel(name)

    assert isinstance(channel, cls)
    assert channel.name == name
    assert get_channel(name) is channel


def test_it_refuses_an_unknown_channel_by_name():
    with pytest.raises(ImproperlyConfigured, match="Unknown channel 'fax'"):
        get_channel("fax")


def test_it_builds_a_new_channel_from_changed_settings_after_a_reset(settings):
    first = get_channel("whatsapp")
    settings.CHANNELS = {
        **settings.CHANNELS,
        "whatsapp": {**settings.CHANNELS["whatsapp"], "phone_number_id": "999"},
    }

    assert get_channel("whatsapp") is first
    reset_channels()
    assert get_channel("whatsapp").config["phone_number_id"] == "999"


def test_it_says_which_setting_is_missing_when_a_channel_is_not_configured(settings):
    settings.CHANNELS = {**settings.CHANNELS, "rcs": {**settings.CHANNELS["rcs"], "agent_id": ""}}

    with pytest.raises(ImproperlyConfigured, match="'rcs' is not configured: set agent_id"):
        get_channel("rcs")


def test_sms_needs_a_sender_number_or_a_messaging_service(settings):
    sms = {**settings.CHANNELS["sms"], "from_number": "", "messaging_service_sid": ""}
    settings.CHANNELS = {**settings.CHANNELS, "sms": sms}

    with pytest.raises(ImproperlyConfigured, match="set from_number"):
        get_channel("sms")


def test_it_opens_the_http_client_on_first_use_with_the_configured_timeout(settings):
    settings.PROVIDER_TIMEOUT_SECONDS = 2.5
    channel = get_channel("whatsapp")

    assert channel._client is None
    client = channel.client
    assert client is channel.client
    assert client.timeout == 2.5


def test_a_reset_closes_the_http_client():
    client = get_channel("sms").client

    reset_channels()

    assert client.is_closed


def test_a_real_connection_refused_is_retried(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    whatsapp = {**settings.CHANNELS["whatsapp"], "base_url": f"http://127.0.0.1:{closed_port}"}
    settings.CHANNELS = {**settings.CHANNELS, "whatsapp": whatsapp}

    result = get_channel("whatsapp").send(message())

    assert (result.outcome, result.error_code) == ("retry", "connect_error")


def test_a_real_server_that_never_answers_leaves_the_send_unknown(settings):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []

    def accept_and_say_nothing() -> None:
        connection, _ = listener.accept()
        accepted.append(connection)
        connection.recv(65536)

    thread = threading.Thread(target=accept_and_say_nothing, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    whatsapp = {**settings.CHANNELS["whatsapp"], "base_url": f"http://127.0.0.1:{port}"}
    settings.CHANNELS = {**settings.CHANNELS, "whatsapp": whatsapp}
    settings.PROVIDER_TIMEOUT_SECONDS = 0.3
    try:
        result = get_channel("whatsapp").send(message())
    finally:
        thread.join(timeout=5)
        for connection in accepted:
            connection.close()
        listener.close()

    assert (result.outcome, result.error_code) == ("unknown", "timeout")
