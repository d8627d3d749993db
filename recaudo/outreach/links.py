"""The one-click unsubscribe link every reminder carries.

A signed token (HMAC with SECRET_KEY via django.core.signing) naming one
contact point and channel, served at ``/u/<token>`` (delivery/views.py).
Payment links are minted by the payments app (payments/links.py).
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing

UNSUBSCRIBE_SALT = "recaudo.unsubscribe"


def unsubscribe_token(contact_point_id: int, channel: str) -> str:
    return signing.dumps([contact_point_id, channel], salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_link(contact_point_id: int, channel: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/u/{unsubscribe_token(contact_point_id, channel)}"


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """The (contact point id, channel) a token names, or None if it is not ours."""
    try:
        point_id, channel = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(point_id, int) or not isinstance(channel, str):
        return None
    return point_id, channel
