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


def rfc3339(at: float) -> str:
    moment = datetime.fromtimestamp(at, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}Z"


def error_reply(status: int, reason: str, message: str) -> Reply:
    return Reply(status, {"error": {"code": status, "message": message, "status": reason}})


def preview(message: dict[str, Any]) -> str:
    content = message.get("contentMessage") or {}
    if "text" in content:
        return str(content["text"])
    card = (content.get("richCard") or {}).get("standaloneCard", {}).get("cardContent", {})
    return str(card.get("title") or card.get("description") or "<rich content>")


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

    def inbound(self, phone: str, text: str, wall_now: float) -> tuple[MessageRecord, Webhook]:
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
        event = {
            "senderPhoneNumber": number,
            "messageId": message_id,
            "sendTime": rfc3339(wall_now),
            "agentId": self.credentials.rbm_agent_id,
            "text": text,
        }
        return record, self._webhook(event, wall_now, "rbm inbound")
