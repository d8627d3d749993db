"""The demo creditors' own accounts: the second one's WhatsApp number, and where each
takes bank transfers (docs/sandbox.md).

The sandbox's WhatsApp fake serves a second business number with its own
token and app secret (``Credentials.whatsapp_numbers``); this gives it to the
demo's second creditor as its ``ChannelAccount``, so `make run` shows two
creditors writing from two numbers, each webhook signed with its own secret.
"""

from __future__ import annotations

from recaudo.delivery.models import ChannelAccount
from recaudo.payments.conf import provider_config
from recaudo.payments.models import BankAccount, PaymentSettings
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


# A made-up account at a well-known bank of each country, in the form its debtors
# know (CLABE in Mexico, CBU in Argentina...): the portal shows it with the
# debtor's reference and prints it on the cash voucher (docs/payments.md).
DEMO_BANKS = {
    "MX": ("BBVA México", "CLABE", "012180001234567891", "En ventanilla o por SPEI."),
    "CO": ("Bancolombia", "Cuenta de ahorros", "123-456789-01", "Pago de convenio."),
    "CL": ("Banco de Chile", "Cuenta corriente", "00-123-45678-09", ""),
    "PE": ("BCP", "Cuenta corriente", "193-1234567-0-12", "Pago de servicios en agente BCP."),
    "AR": ("Banco Nación", "CBU", "0110123420012345678901", ""),
    "BR": ("Banco do Brasil", "Conta corrente", "1234-5 / 67890-1", "Depósito identificado."),
}


def give_creditors_bank_accounts() -> list[BankAccount]:
    """A bank account for each demo creditor that has none, so the portal shows the
    debtor's transfer reference and the cash voucher."""
    made = []
    for creditor in Creditor.objects.filter(bank_account__isnull=True).order_by("pk"):
        bank = DEMO_BANKS.get(creditor.country)
        if bank is None:
            continue
        bank_name, account_type, number, instructions = bank
        made.append(
            BankAccount.objects.create(
                creditor=creditor,
                bank_name=bank_name,
                account_type=account_type,
                account_number=number,
                holder_name=creditor.legal_name or creditor.name,
                holder_tax_id=creditor.tax_id or "-",
                instructions=instructions,
            )
        )
    return made


def give_colombian_creditors_wompi() -> list[PaymentSettings]:
    """Colombian demo creditors without payment settings pay through Wompi, when Wompi is
    configured (`make run`: the sandbox's Wompi fake), so the portal names Nequi."""
    if not provider_config("wompi").get("public_key"):
        return []
    return [
        PaymentSettings.objects.create(creditor=creditor, provider="wompi")
        for creditor in Creditor.objects.filter(country="CO", payment_settings__isnull=True)
    ]
