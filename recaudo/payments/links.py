"""Payment links: one live, unguessable token per debtor, one per message that carries it;
openings (credited to the message whose token was opened) and their rate limit."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from recaudo import access
from recaudo.bulk import insert_rows
from recaudo.payments.conf import setting
from recaudo.payments.models import (
    LinkRenewalRequest,
    MessageLink,
    PaymentLink,
    PaymentLinkOpen,
)
from recaudo.portfolio.models import Debtor

# 32 random bytes: 256 bits, 43 URL-safe characters.
TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def live_link(debtor_id: int, now: datetime | None = None) -> PaymentLink:
    """The debtor's newest link that is still live, made when there is none.

    A link lives ``PAYMENTS['link_days']``; one made within the last day is
    reused as is, an older live one too (messages keep pointing at it).
    """
    now = now or timezone.now()
    link = (
        PaymentLink.objects.filter(debtor_id=debtor_id, expires_at__gt=now, revoked_at__isnull=True)
        .order_by("-expires_at")
        .first()
    )
    if link is not None:
        return link
    creditor_id = Debtor.objects.filter(pk=debtor_id).values_list("creditor_id", flat=True).get()
    return PaymentLink.objects.create(
        creditor_id=creditor_id,
        debtor_id=debtor_id,
        token=new_token(),
        expires_at=now + timedelta(days=int(setting("link_days"))),
    )


def url_for(link: PaymentLink) -> str:
    return payment_url(link.token)


def instalment_url(link: PaymentLink, number: int) -> str:
    """The link for one instalment of the debtor's plan (opens the portal at it)."""
    return f"{url_for(link)}/cuota/{number}"


def find_link(token: str) -> PaymentLink | None:
    """The link a token names, live or not; None for anything else.

    A message's own token (``MessageLink``) names its debtor's link: the link
    comes back with ``opened_from`` set to the message's outbox id.
    """
    if not token or len(token) > 64:
        return None
    link = PaymentLink.objects.select_related("creditor", "debtor").filter(token=token).first()
    if link is not None:
        return link
    message = (
        MessageLink.objects.select_related("link__creditor", "link__debtor")
        .filter(token=token)
        .first()
    )
    if message is None:
        return None
    found = message.link
    found.opened_from = message.outreach_id  # type: ignore[attr-defined]
    return found


def opened_from(link: PaymentLink) -> int | None:
    """The message whose own token opened ``link`` (``find_link``), None for the debtor's."""
    return getattr(link, "opened_from", None)


def is_live(link: PaymentLink | None, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return link is not None and link.revoked_at is None and now < link.expires_at


def record_open(link: PaymentLink, user_agent: str) -> PaymentLinkOpen:
    digest = hashlib.sha256(user_agent.encode()).hexdigest() if user_agent else ""
    return PaymentLinkOpen.objects.create(
        link=link, user_agent_hash=digest, outreach_id=opened_from(link)
    )


def request_renewal(token: str) -> None:
    """Note that the holder of an expired link wants a new one (unknown tokens: nothing)."""
    link = find_link(token)
    if link is None or is_live(link):
        return
    with transaction.atomic():
        if not LinkRenewalRequest.objects.filter(link=link, handled_at__isnull=True).exists():
            LinkRenewalRequest.objects.create(link=link)


def client_address(request_meta: dict) -> str:
    # Behind TRUSTED_PROXY_COUNT proxies, the address they saw (recaudo/access.py);
    # whatever the client itself wrote into X-Forwarded-For is not trusted.
    return access.client_address(request_meta)


def allow_request(address: str, now: float | None = None) -> bool:
    """A fixed one-minute window per client address, in Django's shared cache.

    The cache is a database table (or Redis with REDIS_URL), so the count holds
    for every web process and across restarts.
    """
    limit = int(setting("open_rate_per_minute"))
    minute = int((now if now is not None else timezone.now().timestamp()) // 60)
    key = f"payments:open:{hashlib.sha256(address.encode()).hexdigest()[:32]}:{minute}"
    if cache.add(key, 1, timeout=120):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=120)
        return True
    return count <= limit


def payment_token(debtor_id: int) -> str:
    """The token of the debtor's live payment link (the WhatsApp URL-button suffix)."""
    return live_link(debtor_id).token


def payment_link(debtor_id: int) -> str:
    return payment_url(payment_token(debtor_id))


def payment_url(token: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/p/{token}"


def certificate_url(token: str) -> str:
    """The "paz y salvo" certificate (PDF) of the debtor whose link ``token`` is."""
    return f"{payment_url(token)}/paz-y-salvo"


def payment_tokens(
    debtor_ids: Iterable[int], creditors: Mapping[int, int] | None = None
) -> dict[int, str]:
    """Live payment-link tokens for many debtors at once (one query, one bulk insert).

    The same links ``payment_token`` gives, for a whole dispatch batch.
    ``creditors`` (debtor id -> creditor id), when the caller has it, saves
    looking it up for the debtors that need a new link.
    """
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


def message_tokens(messages: Mapping[int, str]) -> dict[int, str]:
    """Each message's own token (outbox id -> token) over its debtor's link token.

    ``messages``: outbox id -> the debtor's live link token (``payment_tokens``).
    A message that has one keeps it (a retry sends the same link); the others
    get one each, in one bulk insert. Two workers racing on one message cannot
    both win: ``outreach_id`` is unique, the loser reads the winner's token.
    """
    if not messages:
        return {}
    tokens = dict(
        MessageLink.objects.filter(outreach_id__any=sorted(messages)).values_list(
            "outreach_id", "token"
        )
    )
    missing = sorted(set(messages) - set(tokens))
    if missing:
        link_ids = dict(
            PaymentLink.objects.filter(
                token__any=sorted({messages[outreach_id] for outreach_id in missing})
            ).values_list("token", "id")
        )
        now = timezone.now()
        made = [
            (link_ids[messages[outreach_id]], outreach_id, new_token(), now)
            for outreach_id in missing
            if messages[outreach_id] in link_ids
        ]
        try:
            with transaction.atomic():
                insert_rows(MessageLink, ("link_id", "outreach_id", "token", "created_at"), made)
        except IntegrityError:
            made = []  # another worker wrote them first: read theirs below
        tokens.update((outreach_id, token) for _, outreach_id, token, _ in made)
        if len(tokens) < len(messages):
            tokens.update(
                MessageLink.objects.filter(outreach_id__any=missing).values_list(
                    "outreach_id", "token"
                )
            )
    return tokens
