"""SMS through Twilio Programmable Messaging; see docs/channels.md.

Our idempotency key rides in the StatusCallback URL (``?ref=``), so status
callbacks name the outreach attempt even when the send outcome was never
written. Webhook signatures are computed over ``PUBLIC_BASE_URL`` + the
request path, so ``PUBLIC_BASE_URL`` must be the URL Twilio calls.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.http import QueryDict

from recaudo.channels import SMS
from recaudo.delivery.channels.registry import (
    HttpChannelMixin,
    MediaError,
    channel_config,
    request,
    response_json,
    retry_after_seconds,
)
from recaudo.outreach.contract import (
    Event,
    EventKind,
    LookupResult,
    OutboundMessage,
    PayloadError,
    ProviderResult,
    SignatureError,
    WebhookRequest,
)

logger = logging.getLogger(__name__)

OPERATOR_RETRY_AFTER_SECONDS = 3600.0
# How far Twilio's clock may differ from ours when a lost answer is looked up.
CLOCK_SKEW = timedelta(minutes=5)
# What Twilio's error codes mean lives with the channel's facts (recaudo.channels).
ERRORS = SMS.errors

# Twilio's own opt-out keywords (single word, any case). Twilio blocks the
# number after them even without Advanced Opt-Out (which adds OptOutType).
TWILIO_STOP_KEYWORDS = {
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "REVOKE",
    "OPTOUT",
}

STATUS_KINDS: dict[str, EventKind] = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
    "undelivered": "failed",
}


# Where MMS media URLs point (they need the account's credentials).
MEDIA_HOSTS = ("api.twilio.com",)


class TwilioSmsChannel(HttpChannelMixin):
    name: ClassVar[str] = SMS.name
    signature_header: ClassVar[str] = "X-Twilio-Signature"

    def __init__(
        self,
        settings_override: dict[str, Any] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        config = channel_config(
            self.name, settings_override, ("base_url", "account_sid", "auth_token")
        )
        if not (config.get("from_number") or config.get("messaging_service_sid")):
            config = channel_config(self.name, config, ("from_number",))  # raises, naming it
        config.setdefault("public_base_url", settings.PUBLIC_BASE_URL)
        self.config = config
        self._init_http(config, transport)

    # -- sending -------------------------------------------------------------

    def status_callback_url(self, idempotency_key: str) -> str:
        url = f"{self.config['public_base_url'].rstrip('/')}/webhooks/twilio"
        return f"{url}?ref={quote(idempotency_key, safe='')}" if idempotency_key else url

    def build_form(self, message: OutboundMessage) -> dict[str, str]:
        form = {"To": message.to, "Body": message.text}
        if self.config.get("messaging_service_sid"):
            form["MessagingServiceSid"] = self.config["messaging_service_sid"]
        else:
            form["From"] = self.config["from_number"]
        form["StatusCallback"] = self.status_callback_url(message.idempotency_key)
        return form

    def send(self, message: OutboundMessage) -> ProviderResult:
        account = self.config["account_sid"]
        url = f"{self.config['base_url'].rstrip('/')}/2010-04-01/Accounts/{account}/Messages.json"
        answer = request(
            self.client,
            "POST",
            url,
            data=self.build_form(message),
            auth=(account, self.config["auth_token"]),
        )
        if isinstance(answer, ProviderResult):
            return answer
        body = response_json(answer)
        if answer.status_code in (200, 201):
            sid = body.get("sid")
            if isinstance(sid, str) and sid:
                return ProviderResult(outcome="accepted", provider_message_id=sid, raw=body)
            return ProviderResult(
                outcome="unknown",
                error_code="no_sid",
                error_message="success without sid",
                raw=body,
            )
        return classify_error(answer.status_code, body, retry_after_seconds(answer))

    def lookup(self, to: str, since: datetime, text: str = "") -> LookupResult:
        """Did Twilio get a message to ``to`` from our sender at or after ``since``?

        Twilio's Messages list (``GET .../Messages.json`` filtered by ``To``
        and ``From``, newest first) holds every message it accepted, from the
        moment it was created. One of ours to that number since the send
        started is the lost answer; none means the request never arrived.
        Clocks differ (ours, Twilio's ``date_created`` in whole seconds), so
        candidates are taken from five minutes before the mark, and, when the
        text that left is known, only those with that body: one is the lost
        answer, none means the request never arrived, more than one is
        ``unclear`` rather than a guess.
        """
        account = self.config["account_sid"]
        url = f"{self.config['base_url'].rstrip('/')}/2010-04-01/Accounts/{account}/Messages.json"
        params = {"To": to, "PageSize": "20"}
        if self.config.get("from_number") and not self.config.get("messaging_service_sid"):
            params["From"] = self.config["from_number"]
        answer = request(
            self.client, "GET", url, params=params, auth=(account, self.config["auth_token"])
        )
        if isinstance(answer, ProviderResult):
            return LookupResult("unclear", detail=answer.error_message)
        if answer.status_code != 200:
            return LookupResult("unclear", detail=f"HTTP {answer.status_code}")
        body = response_json(answer)
        candidates = []
        for item in body.get("messages") or []:
            try:
                created = parsedate_to_datetime(str(item.get("date_created", "")))
            except (TypeError, ValueError):
                continue
            if (
                str(item.get("direction", "")).startswith("outbound")
                and created >= since - CLOCK_SKEW
                and (not text or item.get("body") == text)
            ):
                candidates.append(str(item.get("sid", "")))
        if len(candidates) == 1 and candidates[0]:
            return LookupResult("found", provider_message_id=candidates[0])
        if not candidates:
            return LookupResult("absent")
        return LookupResult("unclear", detail=f"{len(candidates)} messages since the send started")

    # -- webhooks ------------------------------------------------------------

    def expected_signature(self, url: str, params: QueryDict | dict[str, Any]) -> str:
        """base64(HMAC-SHA1(auth token, url + each sorted name + its sorted values))."""
        payload = url
        for name in sorted(set(params)):
            values: list[Any] = (
                params.getlist(name) if isinstance(params, QueryDict) else [params[name]]
            )
            for value in sorted(set(values)):
                payload += name + value
        digest = hmac.new(self.config["auth_token"].encode(), payload.encode(), hashlib.sha1)
        return base64.b64encode(digest.digest()).decode()

    def verify_signature(self, request: WebhookRequest) -> None:
        header = request.headers.get(self.signature_header, "")
        if not header:
            raise SignatureError("missing X-Twilio-Signature")
        url = self.config["public_base_url"].rstrip("/") + request.path
        for candidate in _url_variants(url):
            expected = self.expected_signature(candidate, request.form)
            if hmac.compare_digest(header.encode(), expected.encode()):
                return
        raise SignatureError("X-Twilio-Signature does not match (is PUBLIC_BASE_URL right?)")

    def webhook_id(self, request: WebhookRequest) -> str:
        # One callback per message and status.
        sid = request.form.get("MessageSid") or request.form.get("SmsSid") or ""
        status = request.form.get("MessageStatus") or request.form.get("SmsStatus") or ""
        return f"{sid}:{status}" if sid else ""

    def download_media(self, url: str, max_bytes: int) -> tuple[bytes, str]:
        """An MMS file (``MediaUrl0``): Twilio's media URL with the account's credentials.

        The credentials go only to Twilio's API host (or the configured one,
        the sandbox); Twilio answers with a redirect to a short-lived file
        URL, fetched without credentials. Files over ``max_bytes`` are refused.
        """
        host = urlsplit(url).hostname or ""
        allowed = {urlsplit(self.config["base_url"]).hostname, *MEDIA_HOSTS}
        if urlsplit(url).scheme not in ("http", "https") or host not in allowed:
            raise MediaError(f"refused to send the credentials to {host or url[:40]}")
        account = self.config["account_sid"]
        answer = request(self.client, "GET", url, auth=(account, self.config["auth_token"]))
        for _hop in range(3):
            if isinstance(answer, ProviderResult):
                raise MediaError(f"media: {answer.error_code}")
            location = answer.headers.get("Location", "")
            if answer.status_code not in (301, 302, 303, 307, 308) or not location:
                break
            answer = request(self.client, "GET", location)
        if isinstance(answer, ProviderResult):
            raise MediaError(f"media: {answer.error_code}")
        if answer.status_code != 200:
            raise MediaError(f"media: HTTP {answer.status_code}")
        if len(answer.content) > max_bytes:
            raise MediaError(f"media: larger than {max_bytes} bytes")
        return answer.content, answer.headers.get("Content-Type", "")

    def parse_webhook(self, request: WebhookRequest) -> list[Event]:
        params = request.form
        sid = params.get("MessageSid") or params.get("SmsSid") or ""
        if not sid:
            raise PayloadError(
                "Twilio webhook has no MessageSid (not a form-encoded message event)"
            )
        raw = {key: values[0] if len(values) == 1 else values for key, values in params.lists()}
        reference = request.query.get("ref", "")
        status = params.get("MessageStatus") or ""
        if status and status != "received":
            return [
                Event(
                    channel=self.name,
                    kind=STATUS_KINDS.get(status, "other"),
                    provider_message_id=sid,
                    provider_event_id=f"{sid}:{status}",
                    reference=reference,
                    address=params.get("To", ""),
                    error_code=params.get("ErrorCode", ""),
                    error_message=params.get("ErrorMessage", ""),
                    raw=raw,
                )
            ]
        text = params.get("Body", "")
        has_media = params.get("NumMedia", "0") not in ("", "0") and bool(params.get("MediaUrl0"))
        # An MMS with a file and no text (a receipt's photo) is a message too.
        kind: EventKind = "inbound" if text.strip() or has_media else "other"
        opt_out_type = params.get("OptOutType")
        if opt_out_type is not None:
            if opt_out_type.upper() == "STOP":
                kind = "opt_out"
        elif text.strip().upper() in TWILIO_STOP_KEYWORDS:
            kind = "opt_out"
        return [
            Event(
                channel=self.name,
                kind=kind,
                provider_event_id=sid,
                reference=reference,
                address=params.get("From", ""),
                text=text,
                raw=raw,
            )
        ]


def classify_error(
    status_code: int, body: dict[str, Any], retry_after: float | None
) -> ProviderResult:
    """Twilio's error answer as an outcome (the table in docs/channels.md)."""
    code = body.get("code")
    code = code if isinstance(code, int) else None
    key = str(code) if code is not None else ""
    result: dict[str, Any] = {
        "error_code": str(code) if code is not None else f"http_{status_code}",
        "error_message": str(body.get("message") or f"HTTP {status_code}")[:500],
        "raw": body,
    }
    if key in ERRORS.opted_out:
        return ProviderResult(outcome="permanent", **result)
    if key in ERRORS.invalid_address:
        return ProviderResult(outcome="permanent", invalidates_contact_point=True, **result)
    if key in ERRORS.unreachable or key in ERRORS.refused:
        # Not reachable by SMS: the same phone may still take calls, so the
        # contact point stays valid.
        return ProviderResult(outcome="permanent", **result)
    if key in ERRORS.temporary or status_code == 429:
        return ProviderResult(outcome="retry", retry_after=retry_after, **result)
    if key in ERRORS.operator or status_code in (401, 403):
        logger.error("Twilio auth/sender failure, sends paused: %s", result["error_message"])
        wait = max(retry_after or 0.0, OPERATOR_RETRY_AFTER_SECONDS)
        return ProviderResult(outcome="retry", retry_after=wait, **result)
    if status_code >= 500:
        return ProviderResult(outcome="retry", retry_after=retry_after, **result)
    return ProviderResult(outcome="permanent", **result)


def _url_variants(url: str) -> list[str]:
    """The URL as called and with its default port added or removed (as twilio-python does)."""
    parts = urlsplit(url)
    default_port = {"https": 443, "http": 80}.get(parts.scheme)
    if default_port is None or not parts.hostname:
        return [url]
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if parts.port == default_port:
        other = parts._replace(netloc=host)
    elif parts.port is None:
        other = parts._replace(netloc=f"{host}:{default_port}")
    else:
        return [url]
    return [url, urlunsplit(other)]
