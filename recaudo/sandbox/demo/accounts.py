"""The demo's second creditor sends from its own WhatsApp number (docs/sandbox.md).

The sandbox's WhatsApp fake serves a second business number with its own
token and app secret (``Credentials.whatsapp_numbers``); this gives it to the
demo's second creditor as its ``ChannelAccount``, so `make run` shows two
creditors writing from two numbers, each webhook signed with its own secret.
"""

from __future__ import annotations

from recaudo.delivery.models import ChannelAccount
from recaudo.portfolio.models import Creditor
from recaudo.sandbox.config import Credentials


def give_second_creditor_its_number() -> ChannelAccount | None:
    """The account, made once; None when there is no second creditor or WhatsApp accounts exist."""
    creditors = list(Creditor.objects.order_by("pk")[:2])
    if len(creditors) < 2 or ChannelAccount.objects.filter(channel="whatsapp").exists():
        return None
    number_id, facts = next(iter(Credentials().whatsapp_numbers.items()))
    return ChannelAccount.objects.create(
        creditor=creditors[1],
        channel="whatsapp",
        routing_key=number_id,
        details={
            "display_number": facts["display_phone_number"],
            "waba_id": facts["business_account_id"],
        },
        secret=facts["access_token"],
        signing_secret=facts["app_secret"],
    )
