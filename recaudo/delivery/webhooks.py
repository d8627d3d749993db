"""Provider status and inbound webhooks: verify, store, then process.

Each POST is checked against the provider's signature before anything is
read or stored (401 without a signature, 403 with a wrong one), stored as a
``WebhookEvent`` (a repeated delivery finds the stored one and is not
processed again), then parsed by the channel and applied in one transaction
by ``events.process_webhook``. See docs/webhooks.md.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods, require_POST

from recaudo.channels import EMAIL, RCS, SMS, WHATSAPP, ChannelFacts
from recaudo.delivery import accounts
from recaudo.delivery import provider_events as events
from recaudo.delivery.channels.rcs import RbmChannel
from recaudo.delivery.channels.registry import channel_class
from recaudo.delivery.channels.whatsapp import WhatsAppChannel
from recaudo.outreach.contract import SignatureError, WebhookRequest
from recaudo.webhook_lane import provider_webhook

logger = logging.getLogger(__name__)

# Twilio wants TwiML or an empty 200; an empty <Response> sends no reply.
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# Headers kept with a stored webhook: enough to read it again and to check
# where it came from; ":path" is the path and query (Twilio's ?ref=).
KEPT_HEADERS = (
    "Content-Type",
    "User-Agent",
    "Host",
    "X-Forwarded-Proto",
    "X-Hub-Signature-256",
    "X-Twilio-Signature",
    "I-Twilio-Idempotency-Token",
    "X-Home-Region",
    "X-Goog-Signature",
    "X-Recaudo-Signature",
)


@provider_webhook
@require_http_methods(["GET", "POST"])
def whatsapp(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _whatsapp_subscription(request)
    return _receive(request, WHATSAPP)


def _whatsapp_subscription(request: HttpRequest) -> HttpResponse:
    """Meta's check of the callback URL: echo the challenge if the token is ours.

    Ours: the global ``verify_token`` or an active creditor account's own (its
    ``details["verify_token"]``, set on /equipo/cuentas/ for a creditor whose
    Meta app is its own); an account without one uses the global token. The
    GET names no phone number, so every account's token is tried.
    """
    for channel in accounts.every_channel(WHATSAPP.name):
        assert isinstance(channel, WhatsAppChannel)  # the registry maps "whatsapp" to it
        challenge = channel.verify_subscription(request.GET)
        if challenge is not None:
            return HttpResponse(challenge, content_type="text/plain")
    logger.warning("webhook whatsapp: subscription check refused")
    return HttpResponse("Forbidden", status=403, content_type="text/plain")


@provider_webhook
@require_POST
def twilio(request: HttpRequest) -> HttpResponse:
    response = _receive(request, SMS)
    if response.status_code == 200:
        return HttpResponse(EMPTY_TWIML, content_type="text/xml")
    return response


@provider_webhook
@require_POST
def rbm(request: HttpRequest) -> HttpResponse:
    if not request.headers.get(channel_class(RCS.name).signature_header):
        # Google's one-time setup POST is unsigned: it proves itself with our
        # clientToken (the global one or a creditor's agent's) and wants its
        # ``secret`` back. Nothing is stored.
        for channel in accounts.rcs_channels():
            assert isinstance(channel, RbmChannel)  # the registry maps "rcs" to it
            secret = channel.verify_setup(request.body)
            if secret is not None:
                return HttpResponse(secret, content_type="text/plain")
    return _receive(request, RCS)


@provider_webhook
@require_POST
def email(request: HttpRequest) -> HttpResponse:
    """A debtor's email, posted by the inbound relay as raw MIME (docs/webhooks.md)."""
    return _receive(request, EMAIL)


def _receive(http_request: HttpRequest, facts: ChannelFacts) -> HttpResponse:
    provider = facts.provider  # WebhookEvent.provider
    request = WebhookRequest.from_http(http_request)
    header = channel_class(facts.name).signature_header
    if not request.headers.get(header):
        logger.warning("webhook %s: no %s header", provider, header)
        return HttpResponse(status=401)
    try:
        # The account(s) the request names; their own secrets check the signature.
        verified = accounts.authenticate(facts.name, request)
    except accounts.UnknownAccount as error:
        logger.warning("webhook %s: refused, %s", provider, error)
        return HttpResponse(f"{error}\n", status=403, content_type="text/plain")
    except SignatureError as error:
        logger.warning("webhook %s: wrong signature (%s)", provider, error)
        return HttpResponse(status=403)
    for reason in verified.skipped:
        logger.warning("webhook %s: skipped the changes for %s", provider, reason)
    if not verified.parts:
        # Signed, but every change was another app's or nobody's: nothing to keep.
        return HttpResponse(status=200)
    channel = verified.parts[0][0].channel
    headers = _kept_headers(request)
    if verified.numbers is not None:
        headers[events.KEPT_NUMBERS_HEADER] = ",".join(verified.numbers)

    stored, created = events.store_webhook(
        provider,
        dedupe_key=events.dedupe_key(provider, request.body, event_id=channel.webhook_id(request)),
        headers=headers,
        body=request.body.decode("utf-8", errors="replace"),
    )
    if settings.WEBHOOK_PROCESSING == "deferred":
        # Stored and committed: the worker processes it (events.process_pending).
        if not created:
            events.retry_later(stored)
        return HttpResponse(status=200)
    try:
        events.process_webhook(stored, lambda: events.parsed_parts(verified.parts))
    except Exception as error:
        # A bug or an outage on our side, not the provider's: keep the stored
        # event unprocessed and answer 500 so the provider retries it.
        logger.exception("webhook %s: processing event %s failed", provider, stored.pk)
        events.record_failure(stored, error)
        return HttpResponse(status=500)
    return HttpResponse(status=200)


def _kept_headers(request: WebhookRequest) -> dict[str, str]:
    kept = {name: request.headers[name] for name in KEPT_HEADERS if name in request.headers}
    kept[":path"] = request.path
    return kept
