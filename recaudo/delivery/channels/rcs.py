"""RCS through Google RCS Business Messaging (RBM); see docs/channels.md.

Our idempotency key is the RBM ``messageId``: RBM ignores a second message
with an ID the agent already used, and echoes the ID in DELIVERED/READ events.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import uuid
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from recaudo.channels import RCS
from recaudo.delivery.channels.registry import (
    HttpChannelMixin,
    channel_config,
    request,
    response_json,
    retry_after_seconds,
)
from recaudo.inputs import loads_json
from recaudo.outreach.contract import (
    Event,
    EventKind,
    OutboundMessage,
    PayloadError,
    ProviderResult,
    SignatureError,
    Suggestion,
    WebhookRequest,
)

logger = logging.getLogger(__name__)

OPERATOR_RETRY_AFTER_SECONDS = 3600.0
EVENT_KINDS: dict[str, EventKind] = {"DELIVERED": "delivered", "READ": "read"}
# RBM's limits (docs/channels.md "RCS rich cards and suggestions", with sources):
# a card holds at most 4 suggestions, its title 200 and its description 2000
# bytes; a text message at most 11 suggestions.
CARD_SUGGESTIONS = 4
CARD_TITLE_BYTES = 200
CARD_DESCRIPTION_BYTES = 2000
MESSAGE_SUGGESTIONS = 11


class RbmChannel(HttpChannelMixin):
    name: ClassVar[str] = RCS.name
    signature_header: ClassVar[str] = "X-Goog-Signature"

    def __init__(
        self,
        settings_override: dict[str, Any] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = channel_config(
            self.name, settings_override, ("base_url", "agent_id", "access_token", "client_token")
        )
        self._init_http(self.config, transport)

    # -- sending -------------------------------------------------------------

    def send(self, message: OutboundMessage) -> ProviderResult:
        # Messages outside the outbox (bot, agent) have no key: any unique ID will do.
        message_id = message.idempotency_key or str(uuid.uuid4())
        phone = quote(message.to, safe="+")
        answer = request(
            self.client,
            "POST",
            f"{self.config['base_url'].rstrip('/')}/v1/phones/{phone}/agentMessages",
            params={"messageId": message_id, "agentId": self.config["agent_id"]},
            json={"contentMessage": content_message(message)},
            headers={"Authorization": f"Bearer {self.config['access_token']}"},
        )
        if isinstance(answer, ProviderResult):
            return answer
        body = response_json(answer)
        error = body.get("error")
        error = error if isinstance(error, dict) else {}
        status = str(error.get("status") or f"http_{answer.status_code}")
        result: dict[str, Any] = {
            "error_code": status,
            "error_message": str(error.get("message") or f"HTTP {answer.status_code}")[:500],
            "raw": body,
        }
        code = answer.status_code
        if code == 200:
            return ProviderResult(outcome="accepted", provider_message_id=message_id, raw=body)
        if code == 409 or status == "ALREADY_EXISTS":
            # This messageId was taken before: the message is already on its way.
            return ProviderResult(outcome="accepted", provider_message_id=message_id, raw=body)
        if code == 404 or status == "NOT_FOUND":
            return ProviderResult(outcome="fallback", **result)  # the phone cannot take RCS
        if code == 429 or code >= 500:
            return ProviderResult(
                outcome="retry", retry_after=retry_after_seconds(answer), **result
            )
        if code in (401, 403):
            logger.error("RBM auth failure, sends paused: %s", result["error_message"])
            wait = max(retry_after_seconds(answer) or 0.0, OPERATOR_RETRY_AFTER_SECONDS)
            return ProviderResult(outcome="retry", retry_after=wait, **result)
        # 400 INVALID_ARGUMENT and the like: the device or the content is not
        # supported; the number itself is fine, so the next channel may work.
        logger.warning("RBM refused outreach %s: %s", message.outreach_id, result["error_message"])
        return ProviderResult(outcome="fallback", **result)

    # -- webhooks ------------------------------------------------------------

    def verify_setup(self, body: bytes) -> str | None:
        """The ``secret`` to answer Google's webhook-setup POST with, or None (answer 403).

        Google's first POST is ``{"clientToken": ..., "secret": ...}`` and carries
        no X-Goog-Signature; the view checks it with this before ``verify_signature``.
        """
        try:
            data = loads_json(body)
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(data, dict) or "secret" not in data or "message" in data:
            return None
        token = str(data.get("clientToken") or "")
        if not hmac.compare_digest(token.encode(), self.config["client_token"].encode()):
            return None
        return str(data["secret"])

    def verify_signature(self, request: WebhookRequest) -> None:
        header = request.headers.get(self.signature_header, "")
        if not header:
            raise SignatureError("missing X-Goog-Signature")
        try:
            data = _decoded_data(request.body)
        except PayloadError as exc:
            raise SignatureError(f"cannot check X-Goog-Signature: {exc}") from None
        digest = hmac.new(self.config["client_token"].encode(), data, hashlib.sha512).digest()
        if not hmac.compare_digest(header.encode(), base64.b64encode(digest)):
            raise SignatureError("X-Goog-Signature does not match message.data")

    def webhook_id(self, request: WebhookRequest) -> str:
        # Pub/Sub keeps the same ``message.messageId`` on every retry of a
        # push, while the body may change (``deliveryAttempt``).
        try:
            payload = loads_json(request.body)
            message_id = payload["message"]["messageId"]
        except (ValueError, KeyError, TypeError):
            return ""
        return f"pubsub:{message_id}" if isinstance(message_id, str) and message_id else ""

    def parse_webhook(self, request: WebhookRequest) -> list[Event]:
        try:
            payload = loads_json(_decoded_data(request.body))
        except (ValueError, UnicodeDecodeError) as exc:
            raise PayloadError(f"RBM message.data is not JSON: {exc}") from None
        if not isinstance(payload, dict):
            raise PayloadError("RBM message.data is not a JSON object")
        phone = str(payload.get("senderPhoneNumber", ""))
        occurred_at = _rfc3339(payload.get("sendTime"))
        message_id = str(payload.get("messageId", ""))
        if "eventType" in payload:  # UserEvent: about one of our messages
            return [
                Event(
                    channel=self.name,
                    kind=EVENT_KINDS.get(str(payload["eventType"]), "other"),  # IS_TYPING: other
                    provider_message_id=message_id,
                    provider_event_id=str(payload.get("eventId", "")),
                    reference=message_id,
                    occurred_at=occurred_at,
                    address=phone,
                    raw=payload,
                )
            ]
        text = ""
        if isinstance(payload.get("text"), str):
            text = payload["text"]
        elif isinstance(payload.get("suggestionResponse"), dict):
            # A tapped chip: the thread shows its words; the bot reads its
            # postbackData from ``raw`` (conversations.choices.postback_intent).
            reply = payload["suggestionResponse"]
            text = str(reply.get("text") or reply.get("postbackData") or "")
        return [
            Event(
                channel=self.name,
                kind="inbound" if text and phone else "other",  # files, locations, server events
                provider_event_id=message_id,
                occurred_at=occurred_at,
                address=phone,
                text=text,
                raw=payload,
            )
        ]


def content_message(message: OutboundMessage) -> dict[str, Any]:
    """The ``contentMessage`` of an AgentMessage: a rich card, or text with chips.

    A message with a ``card_title`` is a standalone card (title, the text as
    its description, the first four suggestions) when it fits RBM's card
    limits; otherwise, and without a title, it is text with every suggestion
    (up to eleven) as chips under it.
    """
    suggestions = [_suggestion(item) for item in message.suggestions]
    title = message.card_title
    if (
        title
        and len(title.encode()) <= CARD_TITLE_BYTES
        and len(message.text.encode()) <= CARD_DESCRIPTION_BYTES
    ):
        card: dict[str, Any] = {"title": title, "description": message.text}
        if suggestions:
            card["suggestions"] = suggestions[:CARD_SUGGESTIONS]
        return {
            "richCard": {"standaloneCard": {"cardOrientation": "VERTICAL", "cardContent": card}}
        }
    content: dict[str, Any] = {"text": message.text}
    if suggestions:
        content["suggestions"] = suggestions[:MESSAGE_SUGGESTIONS]
    return content


def _suggestion(item: Suggestion) -> dict[str, Any]:
    if item.url:
        return {
            "action": {
                "text": item.text,
                "postbackData": item.postback,
                "openUrlAction": {"url": item.url},
            }
        }
    return {"reply": {"text": item.text, "postbackData": item.postback}}


def _decoded_data(body: bytes) -> bytes:
    """The base64-decoded ``message.data`` of a Pub/Sub-push style body."""
    try:
        envelope = loads_json(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(f"RBM webhook is not JSON: {exc}") from None
    message = envelope.get("message") if isinstance(envelope, dict) else None
    data = message.get("data") if isinstance(message, dict) else None
    if not isinstance(data, str):
        raise PayloadError("RBM webhook has no message.data")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PayloadError(f"RBM message.data is not base64: {exc}") from None


def _rfc3339(raw: Any) -> datetime | None:
    if not isinstance(raw, str):
        return None
    # Google sends up to nanoseconds ("...00.123456789Z"); Python reads microseconds.
    text = raw.replace("Z", "+00:00")
    if "." in text:
        head, _, tail = text.partition(".")
        digits = len(tail) - len(tail.lstrip("0123456789"))
        text = f"{head}.{tail[: min(digits, 6)]}{tail[digits:]}"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
