"""WhatsApp Business Cloud API (Meta Graph API); see docs/channels.md.

Sends templates (any time; with a document header and quick replies when the
message has them) or, inside the 24-hour window, free-form text or an
interactive message (reply buttons or a list: ``OutboundMessage.choices``) to
``POST {base_url}/{phone_number_id}/messages``; our idempotency key travels
in ``biz_opaque_callback_data`` and comes back in status webhooks. A tapped
button, list row or quick reply comes back as ``Event.choice``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

import httpx

from recaudo.channels import WHATSAPP
from recaudo.delivery.channels.registry import (
    HttpChannelMixin,
    MediaError,
    channel_config,
    request,
    response_json,
    retry_after_seconds,
)
from recaudo.inputs import loads_json, signatures_match
from recaudo.outreach.contract import (
    Event,
    EventKind,
    OutboundMessage,
    PayloadError,
    ProviderResult,
    SignatureError,
    WebhookRequest,
)

logger = logging.getLogger(__name__)

# Seconds to wait after an auth or account failure: every message would fail
# the same way until an operator acts, so do not hammer Meta meanwhile.
OPERATOR_RETRY_AFTER_SECONDS = 3600.0

# What Meta's error codes mean lives with the channel's facts (recaudo.channels).
ERRORS = WHATSAPP.errors

STATUS_KINDS: dict[str, EventKind] = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
}


# Where Meta serves the files of received media (the URL needs the access token).
MEDIA_HOSTS = ("lookaside.fbsbx.com",)


class WhatsAppChannel(HttpChannelMixin):
    name: ClassVar[str] = WHATSAPP.name
    signature_header: ClassVar[str] = "X-Hub-Signature-256"

    def __init__(
        self,
        settings_override: dict[str, Any] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = channel_config(
            self.name,
            settings_override,
            ("base_url", "phone_number_id", "access_token", "app_secret"),
        )
        self._init_http(self.config, transport)

    # -- sending -------------------------------------------------------------

    def build_payload(self, message: OutboundMessage) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.to.lstrip("+"),
        }
        if message.template_name:
            components: list[dict[str, Any]] = []
            if message.document_url:
                document = {"link": message.document_url}
                if message.document_filename:
                    document["filename"] = message.document_filename
                components.append(
                    {"type": "header", "parameters": [{"type": "document", "document": document}]}
                )
            if message.template_parameters:
                parameters = [{"type": "text", "text": p} for p in message.template_parameters]
                components.append({"type": "body", "parameters": parameters})
            if message.button_url_suffix:
                components.append(
                    {
                        "type": "button",
                        "sub_type": "url",
                        "index": "0",
                        "parameters": [{"type": "text", "text": message.button_url_suffix}],
                    }
                )
            # Quick replies follow the URL button in the approved template (index 0).
            first = 1 if message.button_url_suffix else 0
            for offset, reply in enumerate(message.quick_replies):
                components.append(
                    {
                        "type": "button",
                        "sub_type": "quick_reply",
                        "index": str(first + offset),
                        "parameters": [{"type": "payload", "payload": reply}],
                    }
                )
            template: dict[str, Any] = {
                "name": message.template_name,
                "language": {"code": message.template_language or "es"},
            }
            if components:
                template["components"] = components
            payload.update(type="template", template=template)
        elif message.choices:
            payload.update(type="interactive", interactive=interactive(message))
        else:
            preview = "https://" in message.text or "http://" in message.text
            payload.update(type="text", text={"preview_url": preview, "body": message.text})
        if message.idempotency_key:
            payload["biz_opaque_callback_data"] = message.idempotency_key
        return payload

    def send(self, message: OutboundMessage) -> ProviderResult:
        url = f"{self.config['base_url'].rstrip('/')}/{self.config['phone_number_id']}/messages"
        answer = request(
            self.client,
            "POST",
            url,
            json=self.build_payload(message),
            headers={"Authorization": f"Bearer {self.config['access_token']}"},
        )
        if isinstance(answer, ProviderResult):
            return answer
        body = response_json(answer)
        if answer.status_code == 200:
            messages = body.get("messages")
            first = messages[0] if isinstance(messages, list) and messages else {}
            wamid = first.get("id", "") if isinstance(first, dict) else ""
            if wamid:
                return ProviderResult(outcome="accepted", provider_message_id=wamid, raw=body)
            # 200 without an id: it may have been taken; the status webhook settles it.
            return ProviderResult(
                outcome="unknown",
                error_code="no_message_id",
                error_message="200 without id",
                raw=body,
            )
        return classify_error(answer.status_code, body, retry_after_seconds(answer), message)

    # -- media ---------------------------------------------------------------

    def download_media(self, media_id: str, max_bytes: int) -> tuple[bytes, str]:
        """A file the debtor sent (image, document): its URL by the media id, then the file.

        Both requests carry the access token (Meta: ``GET /{media-id}`` answers
        ``{url, mime_type, file_size}``; the URL itself needs the token too),
        so the token goes only to the API's own host or a host listed in
        ``media_hosts`` (Meta serves files from lookaside.fbsbx.com). Refuses a
        file larger than ``max_bytes`` before and after downloading it.
        """
        base = self.config["base_url"].rstrip("/")
        headers = {"Authorization": f"Bearer {self.config['access_token']}"}
        answer = request(self.client, "GET", f"{base}/{quote(media_id, safe='')}", headers=headers)
        if isinstance(answer, ProviderResult):
            raise MediaError(f"media {media_id}: {answer.error_code}")
        info = response_json(answer)
        url = str(info.get("url") or "")
        if answer.status_code != 200 or not url:
            raise MediaError(f"media {media_id}: HTTP {answer.status_code}")
        host = urlsplit(url).hostname or ""
        allowed = {urlsplit(base).hostname, *self.config.get("media_hosts", MEDIA_HOSTS)}
        if host not in allowed:
            raise MediaError(f"media {media_id}: refused to send the token to {host}")
        if int(info.get("file_size") or 0) > max_bytes:
            raise MediaError(f"media {media_id}: larger than {max_bytes} bytes")
        file = request(self.client, "GET", url, headers=headers)
        if isinstance(file, ProviderResult):
            raise MediaError(f"media {media_id}: {file.error_code}")
        if file.status_code != 200:
            raise MediaError(f"media {media_id}: file HTTP {file.status_code}")
        if len(file.content) > max_bytes:
            raise MediaError(f"media {media_id}: larger than {max_bytes} bytes")
        return file.content, str(info.get("mime_type") or "")

    # -- webhooks ------------------------------------------------------------

    def verify_subscription(self, params: Mapping[str, str]) -> str | None:
        """The ``hub.challenge`` to answer Meta's GET check with, or None (answer 403)."""
        token = params.get("hub.verify_token") or ""
        expected = self.config.get("verify_token") or ""
        if params.get("hub.mode") != "subscribe" or not expected:
            return None
        if not hmac.compare_digest(token.encode(), expected.encode()):
            return None
        return params.get("hub.challenge") or ""

    def verify_signature(self, request: WebhookRequest) -> None:
        header = request.headers.get(self.signature_header, "")
        if not header.startswith("sha256="):
            raise SignatureError("missing X-Hub-Signature-256")
        secret = self.config["app_secret"].encode()
        expected = hmac.new(secret, request.body, hashlib.sha256).hexdigest()
        if not signatures_match(expected, header.removeprefix("sha256=").lower()):
            raise SignatureError("X-Hub-Signature-256 does not match the body")

    def webhook_id(self, request: WebhookRequest) -> str:
        # One body batches several statuses without an id of its own: the
        # body's hash is the key.
        return ""

    def parse_webhook(self, request: WebhookRequest) -> list[Event]:
        try:
            body = loads_json(request.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise PayloadError(f"WhatsApp webhook is not JSON: {exc}") from None
        if not isinstance(body, dict) or not isinstance(body.get("entry"), list):
            raise PayloadError("WhatsApp webhook has no 'entry' list")
        events: list[Event] = []
        for entry in body["entry"]:
            changes = entry.get("changes") if isinstance(entry, dict) else None
            if not isinstance(changes, list):
                events.append(self._other(entry))
                continue
            for change in changes:
                events.extend(self._parse_change(change))
        return events

    def _parse_change(self, change: Any) -> list[Event]:
        if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
            return [self._other(change)]
        value = change["value"]
        if change.get("field") != "messages":
            return [self._other(change)]  # template status, user_preferences, ...
        events: list[Event] = []
        for status in _items(value, "statuses"):
            events.append(self._parse_status(status))
        for inbound in _items(value, "messages"):
            events.append(self._parse_message(inbound))
        for error in _items(value, "errors"):  # account-level errors without a status
            events.append(self._other(error, error=error))
        if not events:
            events.append(self._other(change))
        return events

    def _parse_status(self, status: Any) -> Event:
        if not isinstance(status, dict):
            return self._other(status)
        state = str(status.get("status", ""))
        wamid = str(status.get("id", ""))
        errors = status.get("errors")
        error = errors[0] if isinstance(errors, list) and errors else {}
        return Event(
            channel=self.name,
            kind=STATUS_KINDS.get(state, "other"),
            provider_message_id=wamid,
            provider_event_id=f"{wamid}:{state}" if wamid else "",
            reference=str(status.get("biz_opaque_callback_data", "")),
            occurred_at=_timestamp(status.get("timestamp")),
            address=_phone(status.get("recipient_id")),
            **_error_fields(error),
            raw=status,
        )

    def _parse_message(self, inbound: Any) -> Event:
        if not isinstance(inbound, dict):
            return self._other(inbound)
        kind: EventKind = "inbound"
        kind_of = inbound.get("type")
        text = choice = ""
        if kind_of == "text":
            text = _get(inbound, "text", "body")
        elif kind_of == "button":  # quick-reply button of one of our templates
            choice = _get(inbound, "button", "payload")
            text = _get(inbound, "button", "text") or choice
        elif kind_of == "interactive":  # a reply button or list row of our message
            reply_type = _get(inbound, "interactive", "type")
            choice = _get(inbound, "interactive", reply_type, "id")
            text = _get(inbound, "interactive", reply_type, "title") or choice
        elif kind_of in ("image", "document"):  # a receipt, most likely: kept, with its caption
            text = _get(inbound, kind_of, "caption")
        if not text and kind_of not in ("image", "document"):
            kind = "other"  # locations, reactions, stickers, unsupported, new types
        errors = inbound.get("errors")
        return Event(
            channel=self.name,
            kind=kind,
            provider_message_id=_get(inbound, "context", "id"),  # the message replied to
            provider_event_id=str(inbound.get("id", "")),
            occurred_at=_timestamp(inbound.get("timestamp")),
            address=_phone(inbound.get("from")),
            text=text,
            choice=choice,
            **_error_fields(errors[0] if isinstance(errors, list) and errors else {}),
            raw=inbound,
        )

    def _other(self, raw: Any, error: Any = None) -> Event:
        fields = _error_fields(error or {})
        return Event(channel=self.name, kind="other", **fields, raw=_as_dict(raw))


def interactive(message: OutboundMessage) -> dict[str, Any]:
    """Reply buttons, or a one-section list when ``choices_label`` names the list's button.

    Meta's limits (docs/channels.md) are the caller's to keep: the bot's
    choices are cut to them (``conversations.choices``) and the sandbox refuses
    what breaks them, as Meta does.
    """
    body = {"text": message.text}
    if message.choices_label:
        rows = []
        for choice in message.choices:
            row = {"id": choice.id, "title": choice.title}
            if choice.description:
                row["description"] = choice.description
            rows.append(row)
        return {
            "type": "list",
            "body": body,
            "action": {"button": message.choices_label, "sections": [{"rows": rows}]},
        }
    buttons = [
        {"type": "reply", "reply": {"id": choice.id, "title": choice.title}}
        for choice in message.choices
    ]
    return {"type": "button", "body": body, "action": {"buttons": buttons}}


def classify_error(
    status_code: int, body: dict[str, Any], retry_after: float | None, message: OutboundMessage
) -> ProviderResult:
    """Meta's error answer as an outcome (the table in docs/channels.md)."""
    error = body.get("error")
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    code = code if isinstance(code, int) else None
    key = str(code) if code is not None else ""
    details = _get(error, "error_data", "details")
    text = str(error.get("message", "")) + (f": {details}" if details else "")
    result: dict[str, Any] = {
        "error_code": str(code) if code is not None else f"http_{status_code}",
        "error_message": text[:500] or f"HTTP {status_code}",
        "raw": body,
    }
    if key in ERRORS.not_now:
        return ProviderResult(outcome="fallback", **result)
    if key in ERRORS.unreachable:
        # Not a WhatsApp number: the phone may still take SMS or calls, so the
        # contact point is not invalidated; see docs/channels.md.
        return ProviderResult(outcome="permanent", **result)
    if key in ERRORS.template:
        logger.error(
            "WhatsApp refused template %r (%s) for outreach %s: %s",
            message.template_name,
            message.template_language,
            message.outreach_id,
            result["error_message"],
        )
        return ProviderResult(outcome="fallback", **result)
    if key in ERRORS.temporary or status_code == 429:
        return ProviderResult(outcome="retry", retry_after=retry_after, **result)
    if key in ERRORS.operator or status_code in (401, 403):
        logger.error("WhatsApp auth/account failure, sends paused: %s", result["error_message"])
        wait = max(retry_after or 0.0, OPERATOR_RETRY_AFTER_SECONDS)
        return ProviderResult(outcome="retry", retry_after=wait, **result)
    if status_code >= 500 or error.get("is_transient") is True:
        return ProviderResult(outcome="retry", retry_after=retry_after, **result)
    logger.warning("WhatsApp error not in our table, falling back: %s", result["error_message"])
    return ProviderResult(outcome="fallback", **result)


def _items(value: dict[str, Any], key: str) -> list[Any]:
    items = value.get(key)
    return items if isinstance(items, list) else []


def _get(data: Any, *keys: Any) -> str:
    for key in keys:
        if not isinstance(data, dict):
            return ""
        data = data.get(key)
    return str(data) if isinstance(data, str | int) else ""


def _error_fields(error: Any) -> dict[str, Any]:
    if not isinstance(error, dict) or not error:
        return {}
    details = _get(error, "error_data", "details")
    text = str(error.get("title") or error.get("message") or "")
    return {
        "error_code": _get(error, "code"),
        "error_message": (text + (f": {details}" if details else ""))[:500],
    }


def _timestamp(raw: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _phone(raw: Any) -> str:
    digits = str(raw or "").lstrip("+")
    return f"+{digits}" if digits else ""


def _as_dict(raw: Any) -> dict[str, Any]:
    return raw if isinstance(raw, dict) else {"value": raw}
