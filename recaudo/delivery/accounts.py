"""Which account a send goes out with, and which account a webhook is for.

Sending: ``channel_for(name, creditor_id)`` is the creditor's account's
channel instance when it has an active ``ChannelAccount`` for the channel,
else the global one (``registry.get_channel``). One instance (so one HTTP
client) per account and revision per process: an account changed on the
staff page gets a new revision, and the next lookup builds a new client and
closes the old one. The dispatcher reads the accounts of a batch's creditors
afresh before sending it (``prime``: one query a batch), so a change reaches
every worker at its next batch; other callers (reconciling, downloading a
debtor's file) trust a lookup for ``ACCOUNT_LOOKUP_SECONDS``.

Webhooks: ``route(name, request)`` reads the identifiers the provider put in
the request (WhatsApp ``metadata.phone_number_id``, Twilio ``To``/``From``/
``MessagingServiceSid``, RBM ``agentId``, an inbound email's ``To``/``Cc``/
``Delivered-To``), *before* trusting them finds the
account they name, and returns its channel, whose secret then verifies the
signature. An identifier no account and not the global settings own is
refused (``UnknownAccount``), never routed to another creditor. Where no
creditor has an account for the channel, every webhook is the global
account's, as before accounts existed.

WhatsApp is the exception to "one request, one account": Meta posts one
request per *app*, signed with the app's secret, and one request may carry
changes for several numbers of that app. ``authenticate`` verifies it with
the secret of any account it names (or the global one) and keeps, per number,
only the changes whose account has that same secret; the others are skipped
with their reason (docs/webhooks.md#one-post-several-numbers-whatsapp).
"""

from __future__ import annotations

import base64
import hmac
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from email.parser import BytesHeaderParser
from email.policy import default
from email.utils import getaddresses, parseaddr
from typing import Any

from django.conf import settings

from recaudo.delivery.channels.registry import channel_class, get_channel
from recaudo.delivery.models import ChannelAccount
from recaudo.inputs import loads_json
from recaudo.outreach.contract import Channel, SignatureError, WebhookRequest

# How long a process trusts its lookup of a creditor's account outside the
# dispatcher, which reads a batch's accounts afresh (``prime``).
ACCOUNT_LOOKUP_SECONDS = 10.0


class UnknownAccount(Exception):
    """A webhook names a number or account that no creditor and not the settings own."""


@dataclass(frozen=True)
class Routed:
    channel: Channel
    account: ChannelAccount | None  # None: the global settings' account

    @property
    def creditor_id(self) -> int | None:
        return self.account.creditor_id if self.account is not None else None


_lookups: dict[tuple[str, int], tuple[float, tuple[int, int] | None]] = {}
_instances: dict[int, tuple[int, Channel]] = {}  # account pk -> (revision, channel)
_lock = threading.Lock()


def channel_for(name: str, creditor_id: int | None) -> Channel:
    """The channel a message of this creditor goes out on (its account's, else the global)."""
    if creditor_id is None:
        return get_channel(name)
    key = (name, creditor_id)
    now = time.monotonic()
    cached = _lookups.get(key)
    if cached is None or now - cached[0] >= ACCOUNT_LOOKUP_SECONDS:
        found = (
            ChannelAccount.objects.filter(channel=name, creditor_id=creditor_id, active=True)
            .values_list("pk", "revision")
            .first()
        )
        cached = (now, found)
        _lookups[key] = cached
    if cached[1] is None:
        return get_channel(name)
    pk, revision = cached[1]
    held = _instances.get(pk)
    if held is not None and held[0] == revision:
        return held[1]
    return account_channel(ChannelAccount.objects.get(pk=pk))


def prime(creditor_ids: Iterable[int]) -> None:
    """Read these creditors' accounts now, in one query, for the sends about to be made.

    The ``channel_for`` lookups that follow (the batch's) use them as they are
    at this moment: an account changed, deactivated or added on the staff page
    is used from the next batch on, not ``ACCOUNT_LOOKUP_SECONDS`` later.
    """
    wanted = {creditor for creditor in creditor_ids if creditor is not None}
    if not wanted:
        return
    found = {
        (channel, creditor): (pk, revision)
        for channel, creditor, pk, revision in ChannelAccount.objects.filter(
            creditor_id__in=wanted, active=True
        ).values_list("channel", "creditor_id", "pk", "revision")
    }
    now = time.monotonic()
    for creditor in wanted:
        for channel in ChannelAccount.Channel.values:
            _lookups[(channel, creditor)] = (now, found.get((channel, creditor)))


def account_channel(account: ChannelAccount) -> Channel:
    """The process's instance for this account at its revision (built, or rebuilt, once)."""
    with _lock:
        held = _instances.get(account.pk)
        if held is not None and held[0] == account.revision:
            return held[1]
        channel = channel_class(account.channel)(account.settings_override())  # type: ignore[call-arg]
        _instances[account.pk] = (account.revision, channel)
    if held is not None:
        _close(held[1])
    return channel


def forget_accounts() -> None:
    """Drop every cached lookup and client (tests; ``registry.reset_channels`` calls it)."""
    with _lock:
        held = list(_instances.values())
        _instances.clear()
        _lookups.clear()
    for _revision, channel in held:
        _close(channel)


def _close(channel: Channel) -> None:
    close = getattr(channel, "close", None)
    if close is not None:
        close()


# --- webhooks ----------------------------------------------------------------


def route(name: str, request: WebhookRequest) -> Routed:
    """The account a webhook is for, from its (not yet trusted) identifiers.

    Raises ``UnknownAccount`` for identifiers owned by neither an account nor
    the global settings, or naming accounts of two creditors at once.
    """
    if name == "email":
        return _route_mail(request)
    keys = routing_keys(name, request)
    if not keys or not ChannelAccount.objects.filter(channel=name).exists():
        return Routed(get_channel(name), None)
    accounts = list(ChannelAccount.objects.filter(channel=name, routing_key__in=keys, active=True))
    global_keys = keys & global_routing_keys(name)
    if len(accounts) == 1 and not global_keys:
        return Routed(account_channel(accounts[0]), accounts[0])
    if not accounts and global_keys:
        return Routed(get_channel(name), None)
    if not accounts:
        raise UnknownAccount(f"{name}: no account for {', '.join(sorted(keys))}")
    raise UnknownAccount(f"{name}: one request names several accounts ({', '.join(sorted(keys))})")


def _route_mail(request: WebhookRequest) -> Routed:
    """An inbound email's account: by the address it was delivered to, then To, then Cc.

    The first of those headers that names a creditor's active email account
    decides (its own relay secret, ``signing_secret``, then verifies the
    signature; without one, the global ``EMAIL_INBOUND_SECRET``); an
    address that is no account's is the global relay's, verified with the
    global secret. Two accounts named by the same header: refused.
    """
    tiers = _mail_recipient_tiers(request.body)
    if not any(tiers) or not ChannelAccount.objects.filter(channel="email").exists():
        return Routed(get_channel("email"), None)
    global_keys = global_routing_keys("email")
    for addresses in tiers:
        found = list(
            ChannelAccount.objects.filter(channel="email", routing_key__in=addresses, active=True)
        )
        if len(found) > 1:
            named = ", ".join(sorted(account.routing_key for account in found))
            raise UnknownAccount(f"email: one header names several accounts ({named})")
        if found:
            return Routed(account_channel(found[0]), found[0])
        if addresses & global_keys:
            break
    return Routed(get_channel("email"), None)


@dataclass(frozen=True)
class Verified:
    """A signed webhook: each part of its body with the account it is for.

    ``parts`` is empty when every change was skipped (``skipped`` says why);
    ``numbers`` (WhatsApp batches only) are the numbers whose changes were
    kept, stored with the webhook so a later reading keeps the same ones.
    """

    parts: tuple[tuple[Routed, WebhookRequest], ...]
    skipped: tuple[str, ...] = ()
    numbers: tuple[str, ...] | None = None


def authenticate(name: str, request: WebhookRequest) -> Verified:
    """Route and verify a webhook; raises ``UnknownAccount`` or ``SignatureError``."""
    if name == "whatsapp":
        batch = _whatsapp_batch(request)
        if batch is not None:
            return batch
    routed = route(name, request)
    routed.channel.verify_signature(request)
    return Verified(((routed, request),))


def whatsapp_parts(
    request: WebhookRequest, numbers: set[str]
) -> tuple[tuple[Routed, WebhookRequest], ...]:
    """A stored WhatsApp batch split again by the numbers kept when it was verified."""
    owners = _whatsapp_owners(numbers)
    kept = {number: owners[number] for number in numbers if number in owners}
    return _split(request, kept, Routed(get_channel("whatsapp"), None))


def _whatsapp_batch(request: WebhookRequest) -> Verified | None:
    """One app's POST: verified by one secret, each number's changes kept only if it is that app's.

    None where the usual routing serves (no creditor has a WhatsApp account,
    or the body names no number).
    """
    numbers = _whatsapp_numbers(request.body)
    if not numbers or not ChannelAccount.objects.filter(channel="whatsapp").exists():
        return None
    owners = _whatsapp_owners(numbers)
    candidates = [owner for owner in owners.values() if owner.account is not None]
    candidates.sort(key=lambda owner: owner.account.pk if owner.account else 0)
    candidates.append(Routed(get_channel("whatsapp"), None))
    verifier = None
    for candidate in candidates:
        try:
            candidate.channel.verify_signature(request)
        except SignatureError:
            continue
        verifier = candidate
        break
    if verifier is None:
        raise SignatureError("X-Hub-Signature-256 matches no account the body names")
    secret = _app_secret(verifier.channel)
    kept: dict[str, Routed] = {}
    skipped: list[str] = []
    for number in sorted(numbers):
        owner = owners.get(number)
        if owner is None:
            skipped.append(f"{number}: no account for this number")
        elif not hmac.compare_digest(_app_secret(owner.channel), secret):
            skipped.append(f"{number}: its account has another app secret than the one that signed")
        else:
            kept[number] = owner
    # Changes that name no number (an entry without changes) go with the verifying app.
    numberless = Routed(verifier.channel, None)
    return Verified(_split(request, kept, numberless), tuple(skipped), tuple(sorted(kept)))


def _whatsapp_owners(numbers: set[str]) -> dict[str, Routed]:
    """Each number's account: a creditor's active one, else the global settings' number."""
    owners: dict[str, Routed] = {}
    for account in ChannelAccount.objects.filter(
        channel="whatsapp", routing_key__in=numbers, active=True
    ):
        owners[account.routing_key] = Routed(account_channel(account), account)
    for number in (numbers & global_routing_keys("whatsapp")) - owners.keys():
        owners[number] = Routed(get_channel("whatsapp"), None)
    return owners


def _app_secret(channel: Channel) -> bytes:
    config = getattr(channel, "config", {})
    return str(config.get("app_secret") or "").encode()


def _split(
    request: WebhookRequest, kept: dict[str, Routed], numberless: Routed | None
) -> tuple[tuple[Routed, WebhookRequest], ...]:
    """The body cut into one body per receiving account, each with only that account's changes."""
    try:
        payload: Any = loads_json(request.body)
    except (ValueError, UnicodeDecodeError):
        return ()
    groups: dict[int, tuple[Routed, list[Any]]] = {}  # keyed by id(Routed), in order met
    for entry in _list(payload, "entry"):
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            if numberless is not None:
                groups.setdefault(id(numberless), (numberless, []))[1].append(entry)
            continue
        by_owner: dict[int, tuple[Routed, list[Any]]] = {}
        for change in changes:
            number = _change_number(change)
            owner = kept.get(number) if number else numberless
            if owner is None:
                continue  # skipped: not this app's number
            by_owner.setdefault(id(owner), (owner, []))[1].append(change)
        for key, (owner, owned) in by_owner.items():
            groups.setdefault(key, (owner, []))[1].append({**entry, "changes": owned})
    parts = []
    for owner, entries in groups.values():
        body = json.dumps({**payload, "entry": entries}, ensure_ascii=False).encode()
        parts.append((owner, replace(request, body=body)))
    return tuple(parts)


def _change_number(change: Any) -> str:
    value = change.get("value") if isinstance(change, dict) else None
    metadata = value.get("metadata") if isinstance(value, dict) else None
    number = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
    return str(number) if isinstance(number, str | int) and str(number) else ""


def every_channel(name: str) -> list[Channel]:
    """The global channel and every active creditor account's, the global first.

    For the unsigned checks a provider makes of the callback URL, which name no
    account: Google's RBM setup POST (a ``clientToken``) and Meta's WhatsApp
    subscription GET (a ``hub.verify_token``).
    """
    found = [get_channel(name)]
    for account in ChannelAccount.objects.filter(channel=name, active=True).order_by("pk"):
        found.append(account_channel(account))
    return found


def rcs_channels() -> list[Channel]:
    """The global RBM channel and every active creditor agent's (Google's setup POST)."""
    return every_channel("rcs")


def routing_keys(name: str, request: WebhookRequest) -> set[str]:
    """The identifiers of the receiving account that a provider puts in its webhooks."""
    if name == "whatsapp":
        return _whatsapp_numbers(request.body)
    if name == "sms":
        form = request.form
        # Inbound: To is our number; status callbacks: From is. A debtor's number
        # is never an account's, so both can be looked up.
        return {
            value
            for value in (form.get("To"), form.get("From"), form.get("MessagingServiceSid"))
            if value
        }
    if name == "rcs":
        return _rbm_agent(request.body)
    if name == "email":
        return _mail_recipients(request.body)
    return set()


def global_routing_keys(name: str) -> set[str]:
    config = settings.CHANNELS.get(name, {})
    if name == "email":
        address = parseaddr(str(config.get("from_address") or ""))[1].lower()
        return {address} if address else set()
    fields = {
        "whatsapp": ("phone_number_id",),
        "sms": ("from_number", "messaging_service_sid"),
        "rcs": ("agent_id",),
    }.get(name, ())
    return {str(config[field]) for field in fields if config.get(field)}


def _whatsapp_numbers(body: bytes) -> set[str]:
    try:
        payload: Any = loads_json(body)
    except (ValueError, UnicodeDecodeError):
        return set()
    numbers = {
        _change_number(change)
        for entry in _list(payload, "entry")
        for change in _list(entry, "changes")
    }
    return numbers - {""}


def _rbm_agent(body: bytes) -> set[str]:
    # Pub/Sub push: {"message": {"data": base64 of the event JSON}}; the event names its agentId.
    try:
        envelope: Any = loads_json(body)
        data = envelope["message"]["data"]
        event: Any = loads_json(base64.b64decode(data))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return set()
    agent = event.get("agentId") if isinstance(event, dict) else None
    return {agent} if isinstance(agent, str) and agent else set()


def _mail_recipients(body: bytes) -> set[str]:
    # The relay posts the raw message: whom it was written to names the creditor's From.
    return set().union(*_mail_recipient_tiers(body))


def _mail_recipient_tiers(body: bytes) -> list[set[str]]:
    """The addresses of Delivered-To (where the relay delivered it), To and Cc, in that order.

    Only the topmost Delivered-To counts: each server on the way adds its own
    above the last, so a forwarded mail also names the earlier hop's mailbox.
    """
    try:
        headers = BytesHeaderParser(policy=default).parsebytes(body)
        tiers = [
            [str(value) for value in headers.get_all(name, [])][
                : 1 if name == "Delivered-To" else None
            ]
            for name in ("Delivered-To", "To", "Cc")
        ]
    except (ValueError, TypeError, LookupError):
        return []
    return [
        {address.lower() for _name, address in getaddresses(values) if "@" in address}
        for values in tiers
    ]


def _list(data: Any, key: str) -> list[Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []
