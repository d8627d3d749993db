"""The one-click unsubscribe link every reminder carries.

A signed token (HMAC with SECRET_KEY via django.core.signing) naming one
contact point and channel, served at ``/u/<token>`` (delivery/views.py).
Payment links are minted by the payments app (payments/links.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing

UNSUBSCRIBE_SALT = "recaudo.unsubscribe"
# How long a link shows whom it stops (masked). Older, it still stops them (a request to
# stop is always honoured) but its page names no address: a forwarded or leaked old email
# tells nothing.
UNSUBSCRIBE_LINK_DAYS = 60


@dataclass(frozen=True)
class UnsubscribeToken:
    contact_point_id: int
    channel: str
    expired: bool


def unsubscribe_token(contact_point_id: int, channel: str) -> str:
    return signing.dumps([contact_point_id, channel], salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_link(contact_point_id: int, channel: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/u/{unsubscribe_token(contact_point_id, channel)}"


def read_unsubscribe_token(token: str) -> UnsubscribeToken | None:
    """What a token names (and whether it is past ``UNSUBSCRIBE_LINK_DAYS``); None if not ours."""
    expired = False
    try:
        found = signing.loads(
            token, salt=UNSUBSCRIBE_SALT, max_age=timedelta(days=UNSUBSCRIBE_LINK_DAYS)
        )
    except signing.SignatureExpired:
        expired = True
        found = _signed_value(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(found, list) or len(found) != 2:
        return None
    point_id, channel = found
    if not isinstance(point_id, int) or not isinstance(channel, str):
        return None
    return UnsubscribeToken(point_id, channel, expired)


def _signed_value(token: str) -> object:
    """The value of a token whose signature holds but whose age does not."""
    try:
        return signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
