"""The providers' webhook signatures (see channels-api.md §1.7, §2.4, §3.2)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping


def whatsapp_signature(app_secret: str, body: bytes) -> str:
    """``X-Hub-Signature-256``: ``sha256=`` + hex HMAC-SHA256 of the raw body."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def twilio_signature(
    auth_token: str, url: str, params: Mapping[str, str] | Iterable[tuple[str, str]]
) -> str:
    """``X-Twilio-Signature``: base64 HMAC-SHA1 of the URL + each sorted name and value."""
    pairs = params.items() if isinstance(params, Mapping) else params
    payload = url + "".join(name + value for name, value in sorted(pairs))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def mail_signature(secret: str, body: bytes) -> str:
    """``X-Recaudo-Signature`` of an inbound email: ``sha256=`` + hex HMAC-SHA256 of its MIME."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def google_signature(client_token: str, data: bytes) -> str:
    """``X-Goog-Signature``: base64 HMAC-SHA512 of the decoded ``message.data``."""
    digest = hmac.new(client_token.encode(), data, hashlib.sha512).digest()
    return base64.b64encode(digest).decode()
