"""A fake Twilio Messages API (SMS): rules, answers and signed callbacks (channels-api.md §2)."""

from __future__ import annotations

import base64
import binascii
import random
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from recaudo.sandbox.config import Behaviour, Credentials
from recaudo.sandbox.rules import (
    OptOuts,
    normalize_address,
    sms_number_is_reachable,
    sms_number_is_valid,
)
from recaudo.sandbox.signing import twilio_signature
from recaudo.sandbox.store import MessageLog, MessageRecord
from recaudo.sandbox.webhooks import Reply, Step, Webhook, plan_steps

API_VERSION = "2010-04-01"
MAX_BODY = 1600


def new_sid() -> str:
    return "SM" + secrets.token_hex(16)


def error_reply(status: int, code: int, message: str) -> Reply:
    return Reply(
        status,
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
    )


def basic_credentials(authorization: str) -> tuple[str, str] | None:
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def segments(body: str) -> int:
    # GSM-7 sizes: 160 characters in one message, 153 per part when split.
    return 1 if len(body) <= 160 else -(-len(body) // 153)


class TwilioFake:
    def __init__(
        self, credentials: Credentials, behaviour: Behaviour, log: MessageLog, rng: random.Random
    ) -> None:
        self.credentials = credentials
        self.behaviour = behaviour
        self.log = log
        self.rng = rng
        self.opt_outs = OptOuts()
        # Files debtors sent by MMS (media sid -> (content, mime type)).
        self.media: dict[str, tuple[bytes, str]] = {}

    def reset(self) -> None:
        self.opt_outs = OptOuts()
        self.media = {}

    def media_file(
        self, account_sid: str, media_sid: str, authorization: str
    ) -> tuple[bytes, str] | None:
        """An MMS file at its media URL, to the account's own credentials only."""
        expected = (self.credentials.twilio_account_sid, self.credentials.twilio_auth_token)
        if basic_credentials(authorization) != expected or account_sid != expected[0]:
            return None
        return self.media.get(media_sid)

    def send(self, account_sid: str, authorization: str, form: Mapping[str, str]) -> Reply:
        expected = (self.credentials.twilio_account_sid, self.credentials.twilio_auth_token)
        if basic_credentials(authorization) != expected or account_sid != expected[0]:
            return error_reply(401, 20003, "Authenticate")
        to = form.get("To", "").strip()
        sender = form.get("From", "").strip()
        service = form.get("MessagingServiceSid", "").strip()
        body = form.get("Body", "")
        if not to:
            return error_reply(400, 21604, "A 'To' phone number is required.")
        if not sender and not service:
            return error_reply(400, 21603, "A 'From' phone number is required.")
        if not body and not form.get("MediaUrl") and not form.get("ContentSid"):
            return error_reply(400, 21602, "Message body is required.")
        if len(body) > MAX_BODY:
            return error_reply(
                400, 21617, "The concatenated message body exceeds the 1600 character limit."
            )
        if not sms_number_is_valid(to):
            return error_reply(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if self.opt_outs.is_opted_out(to):
            return error_reply(400, 21610, "Attempt to send to unsubscribed recipient")
        return self._accept(to, sender or self.credentials.twilio_from_number, service, body, form)

    def list_messages(
        self, account_sid: str, authorization: str, query: Mapping[str, str]
    ) -> Reply:
        """Twilio's Messages list: ``To``/``From`` filters, newest first, ``PageSize``."""
        expected = (self.credentials.twilio_account_sid, self.credentials.twilio_auth_token)
        if basic_credentials(authorization) != expected or account_sid != expected[0]:
            return error_reply(401, 20003, "Authenticate")
        try:
            page_size = min(1000, max(1, int(query.get("PageSize", "50"))))
        except ValueError:
            return error_reply(400, 20001, "Invalid PageSize")
        to = query.get("To", "").strip()
        sender = query.get("From", "").strip()
        records = self.log.for_address(to, "sms") if to else self.log.all("sms")
        found = [
            record
            for record in sorted(records, key=lambda r: r.created_at, reverse=True)
            if record.direction == "outbound" and (not sender or record.sender == sender)
        ][:page_size]
        account = self.credentials.twilio_account_sid
        uri = f"/{API_VERSION}/Accounts/{account}/Messages.json"
        return Reply(
            200,
            {
                "messages": [self._resource(record) for record in found],
                "page": 0,
                "page_size": page_size,
                "first_page_uri": f"{uri}?PageSize={page_size}&Page=0",
                "next_page_uri": None,
                "previous_page_uri": None,
                "uri": f"{uri}?PageSize={page_size}&Page=0",
                "start": 0,
                "end": max(0, len(found) - 1),
            },
        )

    def _resource(self, record: MessageRecord) -> dict[str, Any]:
        created = format_datetime(datetime.fromtimestamp(record.created_at, UTC))
        account = self.credentials.twilio_account_sid
        return {
            "sid": record.id,
            "account_sid": account,
            "to": record.address,
            "from": record.sender,
            "body": record.text,
            "status": record.status,
            "direction": "outbound-api",
            "api_version": API_VERSION,
            "date_created": created,
            "date_updated": created,
            "date_sent": None,
            "error_code": record.error_code or None,
            "uri": f"/{API_VERSION}/Accounts/{account}/Messages/{record.id}.json",
        }

    def _accept(
        self, to: str, sender: str, service: str, body: str, form: Mapping[str, str]
    ) -> Reply:
        sid = new_sid()
        status = "accepted" if service else "queued"
        callback = form.get("StatusCallback", "")
        self.log.add(
            MessageRecord(
                id=sid,
                channel="sms",
                direction="outbound",
                address=to,
                text=body,
                status=status,
                reference=callback,
                sender=sender,
            )
        )
        now = format_datetime(datetime.now(UTC))
        account = self.credentials.twilio_account_sid
        response = {
            "sid": sid,
            "account_sid": account,
            "messaging_service_sid": service or None,
            "to": to,
            "from": None if service and not form.get("From") else sender,
            "body": body,
            "status": status,
            "num_segments": "0" if service else str(segments(body)),
            "num_media": "0",
            "direction": "outbound-api",
            "api_version": API_VERSION,
            "price": None,
            "price_unit": "USD",
            "error_code": None,
            "error_message": None,
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "uri": f"/{API_VERSION}/Accounts/{account}/Messages/{sid}.json",
            "subresource_uris": {
                "media": f"/{API_VERSION}/Accounts/{account}/Messages/{sid}/Media.json"
            },
        }

        def step(name: str, error_code: str = "") -> Step:
            def build(at: float) -> Webhook | None:
                if not callback:
                    return None
                return self._status_webhook(callback, sid, name, to, sender, service, error_code)

            return Step(sid, name, build, error_code)

        final = step("delivered") if sms_number_is_reachable(to) else step("undelivered", "30003")
        planned = plan_steps(self.rng, self.behaviour, [step("sent"), final])
        return Reply(201, response, planned)

    def _signed(self, url: str, params: dict[str, str], label: str) -> Webhook:
        return Webhook(
            url=url,
            body=urlencode(params).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": "TwilioProxy/1.1",
                "X-Twilio-Signature": twilio_signature(
                    self.credentials.twilio_auth_token, url, params
                ),
            },
            label=label,
        )

    def _status_webhook(
        self, url: str, sid: str, status: str, to: str, sender: str, service: str, error: str
    ) -> Webhook:
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": status,
            "MessageStatus": status,
            "AccountSid": self.credentials.twilio_account_sid,
            "From": sender,
            "To": to,
            "ApiVersion": API_VERSION,
        }
        if service:
            params["MessagingServiceSid"] = service
        if error:
            params["ErrorCode"] = error
        return self._signed(url, params, f"twilio {status}")

    def inbound(
        self,
        phone: str,
        text: str,
        media: tuple[bytes, str] | None = None,
        origin: str = "",
    ) -> tuple[MessageRecord, Webhook]:
        """The debtor texts back (STOP/BAJA blocks later sends with 21610).

        ``media`` (content, mime type) makes it an MMS: ``NumMedia=1`` and
        ``MediaUrl0`` under ``origin`` (the sandbox's own address).
        """
        kind = self.opt_outs.user_wrote(phone, text)
        sid = new_sid()
        sender = normalize_address(phone)
        record = self.log.add(
            MessageRecord(
                id=sid,
                channel="sms",
                direction="inbound",
                address=sender,
                text=text,
                status="received",
            )
        )
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "SmsMessageSid": sid,
            "SmsStatus": "received",
            "AccountSid": self.credentials.twilio_account_sid,
            "From": sender,
            "To": self.credentials.twilio_from_number,
            "Body": text,
            "NumMedia": "0",
            "NumSegments": str(segments(text)),
            "ApiVersion": API_VERSION,
        }
        if self.credentials.twilio_messaging_service_sid:
            params["MessagingServiceSid"] = self.credentials.twilio_messaging_service_sid
        if kind:
            params["OptOutType"] = kind
        if media is not None:
            media_sid = "ME" + secrets.token_hex(16)
            self.media[media_sid] = media
            account = self.credentials.twilio_account_sid
            params["NumMedia"] = "1"
            params["MediaContentType0"] = media[1]
            params["MediaUrl0"] = (
                f"{origin}/twilio/{API_VERSION}/Accounts/{account}/Messages/{sid}/Media/{media_sid}"
            )
        url = f"{self.behaviour.webhook_base_url}/webhooks/twilio"
        return record, self._signed(url, params, "twilio inbound")
