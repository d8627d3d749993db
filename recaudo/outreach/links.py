"""Links carried by messages: the payment link and the one-click unsubscribe.

The payment link is the debtor's live ``PaymentLink`` (an unguessable random
token stored by the payments app, made when missing or expired), served at
``/p/<token>``. The unsubscribe link is a signed token (HMAC with SECRET_KEY
via django.core.signing) served at ``/u/<token>`` (unsubscribe.py).
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing

UNSUBSCRIBE_SALT = "recaudo.unsubscribe"


def payment_token(debtor_id: int) -> str:
    """The token of the debtor's live payment link (the WhatsApp URL-button suffix)."""
    from recaudo.payments.links import live_link

    return live_link(debtor_id).token


def payment_link(debtor_id: int) -> str:
    return f"{settings.PUBLIC_BASE_URL}/p/{payment_token(debtor_id)}"


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
