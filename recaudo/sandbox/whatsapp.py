"""A fake WhatsApp Cloud API: the send rules and the webhooks Meta would post.

Facts and error shapes: docs/shared channels-api.md §1. No HTTP here: the
aiohttp layer passes the parsed request in and gets a ``Reply`` back.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import secrets
import time
from typing import Any

from recaudo.sandbox.config import Behaviour, Credentials
from recaudo.sandbox.interactive import check_components, check_interactive
from recaudo.sandbox.rules import (
    ConversationWindows,
    RateLimiter,
    TemplateCatalog,
    digits,
    whatsapp_number_exists,
)
from recaudo.sandbox.signing import whatsapp_signature
from recaudo.sandbox.store import MessageLog, MessageRecord
from recaudo.sandbox.webhooks import Reply, Step, Webhook, plan_steps

TITLES = {
    100: "Invalid parameter",
    130429: "Rate limit hit",
    131008: "Required parameter is missing",
    131009: "Parameter value is not valid",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    132012: "Parameter format does not match format in the created template",
}


def new_wamid() -> str:
    # Random, not from the seeded generator: ids must not repeat across runs.
    return "wamid." + base64.urlsafe_b64encode(os.urandom(30)).decode()


def error_reply(status: int, code: int, details: str) -> Reply:
    return Reply(
        status,
        {
            "error": {
                "message": f"(#{code}) {TITLES[code]}",
                "type": "OAuthException",
                "code": code,
                "error_data": {"messaging_product": "whatsapp", "details": details},
                "fbtrace_id": secrets.token_urlsafe(16),
            }
        },
    )


def parameter_text(parameter: dict[str, Any]) -> str:
    kind = parameter.get("type")
    if kind == "text":
        return str(parameter.get("text", ""))
    if kind in ("currency", "date_time"):
        return str((parameter.get(kind) or {}).get("fallback_value", ""))
    if kind == "payload":
        return str(parameter.get("payload", ""))
    return f"<{kind}>"


def tappable(body: dict[str, Any]) -> list[dict[str, str]]:
    """What the phone lets the debtor tap in an accepted message (the simulator's buttons).

    A template's quick reply shows its payload: the sandbox does not know the
    titles approved with Meta.
    """
    interactive = body.get("interactive")
    if isinstance(interactive, dict):
        action = interactive.get("action") or {}
        if interactive.get("type") == "button":
            return [
                {"kind": "button_reply", "id": b["reply"]["id"], "title": b["reply"]["title"]}
                for b in action.get("buttons", [])
            ]
        return [
            {"kind": "list_reply", "id": row["id"], "title": row["title"]}
            for section in action.get("sections", [])
            for row in section.get("rows", [])
        ]
    found = []
    for component in (body.get("template") or {}).get("components") or []:
        if component.get("sub_type") == "quick_reply":
            for parameter in component.get("parameters") or []:
                payload = str(parameter.get("payload", ""))
                found.append({"kind": "quick_reply", "id": payload, "title": payload})
    return found


class WhatsAppFake:
    def __init__(
        self,
        credentials: Credentials,
        behaviour: Behaviour,
        log: MessageLog,
        rng: random.Random,
        catalog: TemplateCatalog | None = None,
    ) -> None:
        self.credentials = credentials
        self.behaviour = behaviour
        self.log = log
        self.rng = rng
        self.catalog = catalog or TemplateCatalog()
        self.windows = ConversationWindows()
        # Files debtors sent (media id -> (content, mime type)), served by the media API.
        self.media: dict[str, tuple[bytes, str]] = {}
        # The business number that last wrote to each user: their reply goes back to it.
        self.last_number: dict[str, str] = {}
        self.configure()

    # -- business numbers ----------------------------------------------------------

    def numbers(self) -> dict[str, dict[str, str]]:
        """Every business number this fake serves: phone_number_id -> its account's facts.

        Each has its own access token (sends to another number's id are refused
        like Meta refuses a token without access to it) and app secret (its
        webhooks are signed with it).
        """
        main = self.credentials
        return {
            main.whatsapp_phone_number_id: {
                "access_token": main.whatsapp_access_token,
                "app_secret": main.whatsapp_app_secret,
                "display_phone_number": main.whatsapp_display_phone_number,
                "business_account_id": main.whatsapp_business_account_id,
            },
            **main.whatsapp_numbers,
        }

    def _authorised(self, authorization: str) -> bool:
        return any(
            secrets.compare_digest(authorization, f"Bearer {number['access_token']}")
            for number in self.numbers().values()
        )

    def configure(self) -> None:
        """(Re)build the rate limiters from the behaviour settings."""
        mps = self.behaviour.whatsapp_mps
        self.throughput = RateLimiter(rate=mps, capacity=mps, max_keys=1_000)
        interval = self.behaviour.pair_interval_seconds
        self.pair = RateLimiter(rate=1.0 / interval, capacity=self.behaviour.pair_burst)

    def reset(self) -> None:
        self.windows = ConversationWindows()
        self.media = {}
        self.last_number = {}
        self.configure()

    def media_info(self, media_id: str, authorization: str, base_url: str) -> Reply:
        """Meta's ``GET /{media-id}``: where to get the file (which needs the token too)."""
        if not self._authorised(authorization):
            return error_reply(401, 190, "Invalid OAuth access token.")
        found = self.media.get(media_id)
        if found is None:
            return error_reply(404, 100, "Unsupported get request.")
        content, mime_type = found
        return Reply(
            200,
            {
                "messaging_product": "whatsapp",
                "url": f"{base_url}/whatsapp/_media/{media_id}",
                "mime_type": mime_type,
                "sha256": hashlib.sha256(content).hexdigest(),
                "file_size": len(content),
                "id": media_id,
            },
        )

    def media_file(self, media_id: str, authorization: str) -> tuple[bytes, str] | None:
        if not self._authorised(authorization):
            return None
        return self.media.get(media_id)

    # -- sending ------------------------------------------------------------------

    def send(
        self,
        phone_number_id: str,
        authorization: str,
        body: Any,
        monotonic_now: float,
        wall_now: float,
    ) -> Reply:
        number = self.numbers().get(phone_number_id)
        if not self._authorised(authorization):
            return Reply(
                401,
                {
                    "error": {
                        "message": "Error validating access token: The session is invalid.",
                        "type": "OAuthException",
                        "code": 190,
                        "fbtrace_id": secrets.token_urlsafe(16),
                    }
                },
            )
        if number is None or not secrets.compare_digest(
            authorization, f"Bearer {number['access_token']}"
        ):
            # Meta answers an id the token cannot reach as if it did not exist.
            return error_reply(
                400,
                100,
                f"Unsupported post request. Object with ID '{phone_number_id}' does not exist.",
            )
        if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
            return error_reply(400, 100, "messaging_product must be 'whatsapp'.")
        to = body.get("to")
        if not isinstance(to, str) or not digits(to):
            return error_reply(400, 131008, "The parameter 'to' is required.")
        kind = body.get("type", "text")
        if not self.throughput.allow(phone_number_id, monotonic_now):
            return error_reply(
                429,
                130429,
                f"Throughput of {self.behaviour.whatsapp_mps:g} messages per "
                "second for this phone number exceeded.",
            )
        wa_id = digits(to)
        if kind == "template":
            template = body.get("template")
            checked = self._check_template(template)
            if isinstance(checked, Reply):
                return checked
            text, template_info, category = checked, template, "utility"
        else:
            if kind == "text":
                text_body = (body.get("text") or {}).get("body")
                if not isinstance(text_body, str) or not text_body:
                    return error_reply(400, 131008, "The parameter 'text.body' is required.")
                text = text_body
            elif kind == "interactive":
                shown = check_interactive(body.get("interactive"))
                if isinstance(shown, tuple):
                    return error_reply(400, *shown)
                text = shown
            else:
                text = f"<{kind}>"
            if not self.windows.is_open(phone_number_id, wa_id, wall_now):
                return error_reply(
                    400,
                    131047,
                    "Message failed to send because more than 24 hours have "
                    "passed since the customer last replied to this number.",
                )
            template_info, category = None, "service"
        if self.behaviour.pair_limit_enabled and not self.pair.allow(
            (phone_number_id, wa_id), monotonic_now
        ):
            return error_reply(
                429,
                131056,
                "Too many messages sent from this phone number to the same "
                "phone number in a short period of time.",
            )
        self.last_number[wa_id] = phone_number_id
        return self._accept(to, wa_id, kind, text, template_info, category, body, phone_number_id)

    def _check_template(self, template: Any) -> str | Reply:
        """The template's preview text, or the error reply."""
        if not isinstance(template, dict) or not template.get("name"):
            return error_reply(400, 131008, "The parameter 'template.name' is required.")
        language = (template.get("language") or {}).get("code")
        if not language:
            return error_reply(400, 131008, "The parameter 'template.language.code' is required.")
        components = template.get("components") or []
        if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
            return error_reply(400, 131009, "template.components must be a list of objects.")
        parameters: list[dict[str, Any]] = []
        for component in components:
            if str(component.get("type", "")).lower() == "body":
                parameters.extend(component.get("parameters") or [])
        code = self.catalog.check(template["name"], language, len(parameters))
        if code == 132001:
            return error_reply(
                400,
                132001,
                f"template name ({template['name']}) does not exist in {language}",
            )
        if code == 132000:
            expected = self.catalog.templates[(template["name"], language)]
            return error_reply(
                400,
                132000,
                f"body: number of localizable_params ({len(parameters)}) does "
                f"not match the expected number of params ({expected})",
            )
        key = (template["name"], language)
        refused = check_components(
            components, self.catalog.headers.get(key, ""), self.catalog.buttons.get(key)
        )
        if refused is not None:
            return error_reply(400, *refused)
        values = [parameter_text(parameter) for parameter in parameters]
        text = self.catalog.text(template["name"], language, values)
        if text is not None:
            return text
        return f"[{template['name']}] {' · '.join(values)}".strip()

    def _accept(
        self,
        to: str,
        wa_id: str,
        kind: str,
        text: str,
        template: dict[str, Any] | None,
        category: str,
        body: dict[str, Any],
        phone_number_id: str = "",
    ) -> Reply:
        phone_number_id = phone_number_id or self.credentials.whatsapp_phone_number_id
        wamid = new_wamid()
        opaque = body.get("biz_opaque_callback_data") or ""
        self.log.add(
            MessageRecord(
                id=wamid,
                channel="whatsapp",
                direction="outbound",
                address=wa_id,
                text=text,
                status="accepted",
                template=template,
                reference=str(opaque),
                choices=tappable(body),
            )
        )

        def status(name: str, error_code: int | None = None) -> Step:
            def build(at: float) -> Webhook:
                return self._status_webhook(
                    wamid, name, wa_id, opaque, category, error_code, at, phone_number_id
                )

            return Step(wamid, name, build, str(error_code or ""))

        if whatsapp_number_exists(wa_id):
            steps = [status("sent"), status("delivered")]
            if self.rng.random() < self.behaviour.read_probability:
                steps.append(status("read"))
        else:
            steps = [status("failed", 131026)]
        message: dict[str, str] = {"id": wamid}
        if kind == "template":
            message["message_status"] = "accepted"
        response = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": wa_id}],
            "messages": [message],
        }
        return Reply(200, response, plan_steps(self.rng, self.behaviour, steps))

    # -- webhooks -----------------------------------------------------------------

    def _envelope(self, value: dict[str, Any], phone_number_id: str) -> dict[str, Any]:
        number = self.numbers()[phone_number_id]
        value = {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": number["display_phone_number"],
                "phone_number_id": phone_number_id,
            },
            **value,
        }
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": number.get("business_account_id", ""),
                    "changes": [{"field": "messages", "value": value}],
                }
            ],
        }

    def _webhook(self, payload: dict[str, Any], label: str, phone_number_id: str) -> Webhook:
        # Like Meta: compact JSON with escaped unicode, signed as sent, with the app
        # secret of the number's account.
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return Webhook(
            url=f"{self.behaviour.webhook_base_url}/webhooks/whatsapp",
            body=raw,
            headers={
                "Content-Type": "application/json",
                "User-Agent": "facebookexternalua",
                "X-Hub-Signature-256": whatsapp_signature(
                    self.numbers()[phone_number_id]["app_secret"], raw
                ),
            },
            label=label,
        )

    def _status_webhook(
        self,
        wamid: str,
        status: str,
        wa_id: str,
        opaque: str,
        category: str,
        error_code: int | None,
        at: float,
        phone_number_id: str = "",
    ) -> Webhook:
        phone_number_id = phone_number_id or self.credentials.whatsapp_phone_number_id
        entry: dict[str, Any] = {
            "id": wamid,
            "status": status,
            "timestamp": str(int(at)),
            "recipient_id": wa_id,
        }
        if opaque:
            entry["biz_opaque_callback_data"] = opaque
        if status in ("sent", "delivered"):
            entry["pricing"] = {
                "billable": category != "service",
                "pricing_model": "PMP",
                "type": "regular" if category != "service" else "free_customer_service",
                "category": category,
            }
        if error_code is not None:
            entry["errors"] = [
                {
                    "code": error_code,
                    "title": TITLES[error_code],
                    "message": TITLES[error_code],
                    "error_data": {"details": "The recipient is not a WhatsApp user."},
                    "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
                }
            ]
        return self._webhook(
            self._envelope({"statuses": [entry]}, phone_number_id),
            f"whatsapp {status}",
            phone_number_id,
        )

    def inbound(
        self,
        phone: str,
        text: str,
        name: str = "",
        media: tuple[bytes, str] | None = None,
        choice: tuple[str, str] | None = None,
    ) -> tuple[MessageRecord, Webhook]:
        """The debtor writes (or sends a photo or PDF, ``media``: content and mime type).

        Opens the 24-hour window and builds Meta's webhook; a file becomes an
        ``image`` or ``document`` message whose id the media API serves. A
        ``choice`` (kind, id) is a tap on a button or list row titled ``text``:
        an ``interactive`` message (``button_reply``/``list_reply``) or, for a
        template's quick reply, a ``button`` message with its payload, each
        with the ``context`` of the last message sent to that phone.
        """
        wa_id = digits(phone)
        now = time.time()
        # The reply goes to the business number that last wrote to this user.
        number_id = self.last_number.get(wa_id, self.credentials.whatsapp_phone_number_id)
        self.windows.user_wrote(number_id, wa_id, now)
        wamid = new_wamid()
        record = self.log.add(
            MessageRecord(
                id=wamid,
                channel="whatsapp",
                direction="inbound",
                address=wa_id,
                text=text,
                status="received",
                created_at=now,
            )
        )
        value = {
            "contacts": [{"profile": {"name": name or wa_id}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": wamid,
                    "timestamp": str(int(now)),
                    "type": "text",
                    "text": {"body": text},
                }
            ],
        }
        if choice is not None:
            kind, choice_id = choice
            message = value["messages"][0]
            del message["text"]
            sent = self.log.for_address(wa_id, "whatsapp")
            replied = next((r.id for r in reversed(sent) if r.direction == "outbound"), None)
            if replied is not None:
                message["context"] = {
                    "from": self.credentials.whatsapp_display_phone_number,
                    "id": replied,
                }
            if kind == "quick_reply":
                message.update(type="button", button={"payload": choice_id, "text": text})
            else:
                message.update(
                    type="interactive",
                    interactive={"type": kind, kind: {"id": choice_id, "title": text}},
                )
        if media is not None:
            content, mime_type = media
            media_id = str(self.rng.randrange(10**15, 10**16))
            self.media[media_id] = (content, mime_type)
            kind = "image" if mime_type.startswith("image/") else "document"
            item: dict[str, Any] = {
                "id": media_id,
                "mime_type": mime_type,
                "sha256": hashlib.sha256(content).hexdigest(),
            }
            if text:
                item["caption"] = text
            if kind == "document":
                item["filename"] = "comprobante.pdf"
            message = value["messages"][0]
            del message["text"]
            message.update({"type": kind, kind: item})
        return record, self._webhook(
            self._envelope(value, number_id), "whatsapp inbound", number_id
        )
