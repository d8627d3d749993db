"""A fake Google RBM API (RCS): sends and Pub/Sub-style webhooks (channels-api.md §3)."""

from __future__ import annotations

import base64
import json
import random
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from recaudo.sandbox.config import Behaviour, Credentials
from recaudo.sandbox.rules import SeenIds, normalize_address, rcs_number_is_capable
from recaudo.sandbox.signing import google_signature
from recaudo.sandbox.store import MessageLog, MessageRecord
from recaudo.sandbox.webhooks import Reply, Step, Webhook, plan_steps

# RBM's limits on what an AgentMessage carries (docs/channels.md "RCS rich
# cards and suggestions" cites them): the real API answers 400 INVALID_ARGUMENT.
MAX_TEXT_CHARACTERS = 3072
MAX_MESSAGE_SUGGESTIONS = 11
MAX_CARD_SUGGESTIONS = 4
MAX_SUGGESTION_TEXT = 25
MAX_POSTBACK_DATA = 2048
MAX_CARD_TITLE_BYTES = 200
MAX_CARD_DESCRIPTION_BYTES = 2000
MAX_URL_CHARACTERS = 2048
CONTENT_KINDS = ("text", "richCard", "contentInfo", "uploadedRbmFile")
MEDIA_HEIGHTS = ("SHORT", "MEDIUM", "TALL")
CARD_ORIENTATIONS = ("VERTICAL", "HORIZONTAL")
ACTIONS = (
    "openUrlAction",
    "dialAction",
    "viewLocationAction",
    "createCalendarEventAction",
    "shareLocationAction",
)


def content_problem(content: Any) -> str | None:
    """What RBM refuses in a ``contentMessage``, worded as its 400 message; None if it is fine."""
    if not isinstance(content, dict):
        return "Invalid value at 'agent_message.content_message': not an object."
    kinds = [key for key in CONTENT_KINDS if key in content]
    if len(kinds) != 1:
        return f"ContentMessage must have exactly one of {', '.join(CONTENT_KINDS)}."
    where = "agent_message.content_message"
    if "text" in content:
        text = content["text"]
        if not isinstance(text, str) or not text:
            return f"Invalid value at '{where}.text': must be a non-empty string."
        if len(text) > MAX_TEXT_CHARACTERS:
            return f"'{where}.text' exceeds {MAX_TEXT_CHARACTERS} characters."
    if "richCard" in content:
        problem = _card_problem(content["richCard"], f"{where}.rich_card")
        if problem:
            return problem
    suggestions = content.get("suggestions", [])
    return _suggestions_problem(suggestions, f"{where}.suggestions", MAX_MESSAGE_SUGGESTIONS)


def _card_problem(card: Any, where: str) -> str | None:
    standalone = card.get("standaloneCard") if isinstance(card, dict) else None
    if not isinstance(standalone, dict):
        if isinstance(card, dict) and "carouselCard" in card:
            return None if isinstance(card["carouselCard"], dict) else f"Invalid '{where}'."
        return f"'{where}' needs standaloneCard or carouselCard."
    where = f"{where}.standalone_card"
    if standalone.get("cardOrientation") not in CARD_ORIENTATIONS:
        allowed = ", ".join(CARD_ORIENTATIONS)
        return f"Invalid value at '{where}.card_orientation': one of {allowed}."
    body = standalone.get("cardContent")
    if not isinstance(body, dict):
        return f"'{where}.card_content' is required."
    where = f"{where}.card_content"
    title, description, media = body.get("title"), body.get("description"), body.get("media")
    if not (title or description or media):
        return f"'{where}': at least one of title, description or media must be set."
    if title is not None and (
        not isinstance(title, str) or len(title.encode()) > MAX_CARD_TITLE_BYTES
    ):
        return f"'{where}.title' exceeds {MAX_CARD_TITLE_BYTES} bytes."
    if description is not None and (
        not isinstance(description, str) or len(description.encode()) > MAX_CARD_DESCRIPTION_BYTES
    ):
        return f"'{where}.description' exceeds {MAX_CARD_DESCRIPTION_BYTES} bytes."
    if media is not None:
        if not isinstance(media, dict) or media.get("height") not in MEDIA_HEIGHTS:
            return f"Invalid value at '{where}.media.height': one of {', '.join(MEDIA_HEIGHTS)}."
        info = media.get("contentInfo")
        if not isinstance(info, dict) or not str(info.get("fileUrl") or "").startswith("https://"):
            return f"'{where}.media.content_info.file_url' must be a public https URL."
    return _suggestions_problem(
        body.get("suggestions", []), f"{where}.suggestions", MAX_CARD_SUGGESTIONS
    )


def _suggestions_problem(suggestions: Any, where: str, most: int) -> str | None:
    if not isinstance(suggestions, list):
        return f"Invalid value at '{where}': not a list."
    if len(suggestions) > most:
        return f"'{where}' has {len(suggestions)} suggestions; at most {most} are allowed."
    for number, item in enumerate(suggestions):
        place = f"{where}[{number}]"
        kinds = [key for key in ("reply", "action") if isinstance(item, dict) and key in item]
        if len(kinds) != 1:
            return f"'{place}' must have exactly one of reply, action."
        body = item[kinds[0]]
        if not isinstance(body, dict):
            return f"Invalid value at '{place}.{kinds[0]}'."
        text = body.get("text")
        if not isinstance(text, str) or not text:
            return f"'{place}.{kinds[0]}.text' is required."
        if len(text) > MAX_SUGGESTION_TEXT:
            return f"'{place}.{kinds[0]}.text' exceeds {MAX_SUGGESTION_TEXT} characters."
        postback = body.get("postbackData", "")
        if not isinstance(postback, str) or len(postback) > MAX_POSTBACK_DATA:
            return f"'{place}.{kinds[0]}.postback_data' exceeds {MAX_POSTBACK_DATA} characters."
        if kinds[0] == "action":
            actions = [key for key in ACTIONS if key in body]
            if len(actions) != 1:
                return f"'{place}.action' must have exactly one action type."
            if actions[0] == "openUrlAction":
                url = (
                    (body["openUrlAction"] or {}).get("url")
                    if isinstance(body["openUrlAction"], dict)
                    else None
                )
                if not isinstance(url, str) or not url.startswith(("https://", "http://")):
                    return f"Invalid value at '{place}.action.open_url_action.url'."
                if len(url) > MAX_URL_CHARACTERS:
                    return f"'{place}.action.open_url_action.url' exceeds {MAX_URL_CHARACTERS}."
    return None


def rfc3339(at: float) -> str:
    moment = datetime.fromtimestamp(at, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}Z"


def error_reply(status: int, reason: str, message: str) -> Reply:
    return Reply(status, {"error": {"code": status, "message": message, "status": reason}})


def preview(message: dict[str, Any]) -> str:
    content = message.get("contentMessage") or {}
    card = (content.get("richCard") or {}).get("standaloneCard", {}).get("cardContent", {})
    text = "\n".join(str(card[key]) for key in ("title", "description") if card.get(key))
    if "text" in content:
        text = str(content["text"])
    labels = [
        str((item.get("reply") or item.get("action") or {}).get("text", ""))
        for item in (card.get("suggestions") or content.get("suggestions") or [])
        if isinstance(item, dict)
    ]
    if labels:
        text += "\n" + " · ".join(f"[{label}]" for label in labels)
    return text or "<rich content>"


def chips(message: dict[str, Any]) -> list[dict[str, str]]:
    """The chips the phone lets the debtor tap (the simulator's buttons), in order.

    A suggested reply is ``rcs_reply``; a suggested action ``rcs_action``, with
    the URL it opens. A tap sends its ``postbackData`` back to the agent
    (``inbound``), whichever it is.
    """
    content = message.get("contentMessage") or {}
    card = (content.get("richCard") or {}).get("standaloneCard", {}).get("cardContent", {})
    found = []
    for item in card.get("suggestions") or content.get("suggestions") or []:
        if not isinstance(item, dict):
            continue
        kind, chip = ("rcs_reply", item.get("reply")) if "reply" in item else (
            "rcs_action", item.get("action"))  # fmt: skip
        if not isinstance(chip, dict) or not chip.get("postbackData"):
            continue
        tap = {"kind": kind, "id": str(chip["postbackData"]), "title": str(chip.get("text", ""))}
        url = (chip.get("openUrlAction") or {}).get("url") if kind == "rcs_action" else None
        if url:
            tap["url"] = str(url)
        found.append(tap)
    return found


class RbmFake:
    def __init__(
        self, credentials: Credentials, behaviour: Behaviour, log: MessageLog, rng: random.Random
    ) -> None:
        self.credentials = credentials
        self.behaviour = behaviour
        self.log = log
        self.rng = rng
        self.seen = SeenIds()

    def reset(self) -> None:
        self.seen = SeenIds()

    def send(
        self,
        phone: str,
        authorization: str,
        query: dict[str, str],
        body: Any,
        wall_now: float,
    ) -> Reply:
        if authorization != f"Bearer {self.credentials.rbm_access_token}":
            return error_reply(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential.",
            )
        message_id = query.get("messageId", "")
        agent_id = query.get("agentId", "")
        if not message_id:
            return error_reply(400, "INVALID_ARGUMENT", "Invalid message_id: empty.")
        if agent_id != self.credentials.rbm_agent_id:
            return error_reply(403, "PERMISSION_DENIED", f"Agent '{agent_id}' is not accessible.")
        if not isinstance(body, dict) or not (body.get("contentMessage") or body.get("eventType")):
            return error_reply(
                400, "INVALID_ARGUMENT", "Invalid AgentMessage: contentMessage is required."
            )
        if "contentMessage" in body:
            problem = content_problem(body["contentMessage"])
            if problem:
                return error_reply(400, "INVALID_ARGUMENT", problem)
        number = normalize_address(phone)
        if not rcs_number_is_capable(number):
            return error_reply(404, "NOT_FOUND", "Requested entity was not found.")
        if not self.seen.add((agent_id, message_id)):
            return error_reply(409, "ALREADY_EXISTS", "Requested entity already exists")
        self.log.add(
            MessageRecord(
                id=message_id,
                channel="rcs",
                direction="outbound",
                address=number,
                text=preview(body),
                status="sent",
                reference=message_id,
                choices=chips(body),
            )
        )
        echo = {
            **body,
            "name": f"phones/{number}/agentMessages/{message_id}",
            "sendTime": rfc3339(wall_now),
        }

        def step(event_type: str, status: str) -> Step:
            def build(at: float) -> Webhook:
                event = {
                    "senderPhoneNumber": number,
                    "eventType": event_type,
                    "eventId": "MxEv" + secrets.token_hex(10),
                    "messageId": message_id,
                    "sendTime": rfc3339(at),
                    "agentId": agent_id,
                }
                return self._webhook(event, at, f"rbm {event_type}")

            return Step(message_id, status, build)

        steps = [step("DELIVERED", "delivered")]
        if self.rng.random() < self.behaviour.read_probability:
            steps.append(step("READ", "read"))
        return Reply(200, echo, plan_steps(self.rng, self.behaviour, steps))

    def _webhook(self, event: dict[str, Any], at: float, label: str) -> Webhook:
        data = json.dumps(event, separators=(",", ":")).encode()
        envelope = {
            "message": {
                "data": base64.b64encode(data).decode(),
                "messageId": str(10**15 + secrets.randbelow(9 * 10**15)),
                "publishTime": rfc3339(at),
            },
            "subscription": (
                f"projects/rbm-{self.credentials.rbm_agent_id}/subscriptions/rbm-agent-subscription"
            ),
        }
        return Webhook(
            url=f"{self.behaviour.webhook_base_url}/webhooks/rbm",
            body=json.dumps(envelope, separators=(",", ":")).encode(),
            headers={
                "Content-Type": "application/json",
                "User-Agent": "APIs-Google",
                "X-Goog-Signature": google_signature(self.credentials.rbm_client_token, data),
            },
            label=label,
        )

    def inbound(
        self, phone: str, text: str, wall_now: float, choice: tuple[str, str] | None = None
    ) -> tuple[MessageRecord, Webhook]:
        """The debtor writes ``text``, or taps a chip (``choice``: kind, postbackData) titled it.

        A tap arrives as RBM's ``suggestionResponse`` (postbackData, the chip's
        text, and REPLY or ACTION), not as a typed ``text``.
        """
        number = normalize_address(phone)
        message_id = "MxUs" + uuid.uuid4().hex
        record = self.log.add(
            MessageRecord(
                id=message_id,
                channel="rcs",
                direction="inbound",
                address=number,
                text=text,
                status="received",
                created_at=wall_now,
            )
        )
        event: dict[str, Any] = {
            "senderPhoneNumber": number,
            "messageId": message_id,
            "sendTime": rfc3339(wall_now),
            "agentId": self.credentials.rbm_agent_id,
        }
        if choice is None:
            event["text"] = text
        else:
            kind, postback = choice
            event["suggestionResponse"] = {
                "postbackData": postback,
                "text": text,
                "type": "ACTION" if kind == "rcs_action" else "REPLY",
            }
        return record, self._webhook(event, wall_now, "rbm inbound")
