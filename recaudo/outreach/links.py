"""Links carried by messages: the payment link and the one-click unsubscribe.

The payment link is the debtor's live ``PaymentLink`` (an unguessable random
token stored by the payments app, made when missing or expired), served at
``/p/<token>``. The unsubscribe link is a signed token (HMAC with SECRET_KEY
via django.core.signing) served at ``/u/<token>`` (unsubscribe.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone

UNSUBSCRIBE_SALT = "recaudo.unsubscribe"


def payment_token(debtor_id: int) -> str:
    """The token of the debtor's live payment link (the WhatsApp URL-button suffix)."""
    from recaudo.payments.links import live_link

    return live_link(debtor_id).token


def payment_link(debtor_id: int) -> str:
    return payment_url(payment_token(debtor_id))


def payment_url(token: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/p/{token}"


def payment_tokens(
    debtor_ids: Iterable[int], creditors: Mapping[int, int] | None = None
) -> dict[int, str]:
    """Live payment-link tokens for many debtors at once (one query, one bulk insert).

    The same links ``payment_token`` gives, for a whole dispatch batch.
    ``creditors`` (debtor id -> creditor id), when the caller has it, saves
    looking it up for the debtors that need a new link.
    """
    from recaudo.bulk import insert_rows
    from recaudo.payments.conf import setting
    from recaudo.payments.links import new_token
    from recaudo.payments.models import PaymentLink
    from recaudo.portfolio.models import Debtor

    wanted = set(debtor_ids)
    now = timezone.now()
    tokens: dict[int, str] = {}
    for debtor_id, token in (
        PaymentLink.objects.filter(
            debtor_id__any=sorted(wanted), expires_at__gt=now, revoked_at__isnull=True
        )
        .order_by("debtor_id", "expires_at")
        .values_list("debtor_id", "token")
    ):
        tokens[debtor_id] = token  # the latest expiry wins
    missing = wanted - set(tokens)
    if missing:
        expires = now + timedelta(days=int(setting("link_days")))
        if creditors is None or not missing <= creditors.keys():
            creditors = dict(
                Debtor.objects.filter(id__any=sorted(missing)).values_list("id", "creditor_id")
            )
        made = [
            (creditors[debtor_id], debtor_id, new_token(), now, expires)
            for debtor_id in sorted(missing)
            if debtor_id in creditors
        ]
        # One COPY (PostgreSQL) for a dispatch batch's new links, not 500 model saves.
        insert_rows(
            PaymentLink, ("creditor_id", "debtor_id", "token", "created_at", "expires_at"), made
        )
        tokens.update((debtor_id, token) for _, debtor_id, token, _, _ in made)
    return tokens


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
