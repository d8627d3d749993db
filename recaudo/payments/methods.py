"""Which payment methods each provider offers in each country: the one table.

The portal names these methods to the debtor (by the label people know them
by) and the checkout asks the provider for exactly these. Facts and sources
are in docs/payments.md ("Local payment methods"); a method missing from a
country here is not offered there, whatever the provider's dashboard says.

``provider_id`` is the provider's own name for the method: Stripe's
``payment_method_types`` value, Mercado Pago's ``payment_method_id`` (and
``payment_type_id`` its ``kind`` maps to), Wompi's ``payment_method_type``, the
sandbox's ``payment_method_types``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Method:
    code: str  # ours, the same for every provider: "pix", "oxxo", "spei"
    provider_id: str  # the provider's name for it
    # Mercado Pago's payment_type_id(s) of the method (what excluded_payment_types names).
    types: tuple[str, ...] = ()


# How each method reads on the portal, in the debtor's language. Brand names
# stay as they are; "Boleto" and "SPEI" are what people call them.
LABELS = {
    "card": _("Tarjeta de crédito o débito"),
    "pix": "Pix",
    "boleto": "Boleto bancário",
    "pse": _("PSE (débito desde su cuenta bancaria)"),
    "spei": _("Transferencia SPEI"),
    "oxxo": _("Efectivo en OXXO"),
    "pagoefectivo": _("PagoEfectivo (efectivo o banca por internet)"),
    "yape": "Yape",
    "account_money": _("Saldo de Mercado Pago"),
    "nequi": "Nequi",
    "bancolombia_transfer": _("Transferencia Bancolombia"),
}

# Mercado Pago's payment_type_id values a preference may exclude
# (payment_methods.excluded_payment_types); its table files PSE, Pix, CLABE and
# Yape under bank transfer, OXXO under cash (ticket), PagoEfectivo under ATM.
# Account money cannot be excluded.
MERCADOPAGO_TYPES = ("credit_card", "debit_card", "prepaid_card", "ticket", "atm", "bank_transfer")

_CARD = Method("card", "card", ("credit_card", "debit_card", "prepaid_card"))

METHODS: dict[str, dict[str, tuple[Method, ...]]] = {
    # payment_method_types of a Checkout Session (Stripe's API reference lists
    # boleto, card, customer_balance, oxxo, pix among its values). OXXO and
    # Mexican bank transfers (customer_balance funded by mx_bank_transfer, SPEI)
    # are Mexico's; Pix and boleto Brazil's. Stripe has no PSE, Yape or
    # PagoEfectivo: cards only elsewhere.
    "stripe": {
        "MX": (_CARD, Method("oxxo", "oxxo"), Method("spei", "customer_balance")),
        "BR": (_CARD, Method("pix", "pix"), Method("boleto", "boleto")),
    },
    # payment_method_id values (Mercado Pago's "Medios de pago disponibles"
    # table and its Checkout API pages): Pix in Brazil, PSE in Colombia, SPEI
    # (id "clabe") and OXXO in Mexico, Yape and PagoEfectivo ("pagoefectivo_atm")
    # in Peru. Account money ("Dinero en cuenta") is in every country and
    # cannot be excluded.
    "mercadopago": {
        "BR": (_CARD, Method("pix", "pix", ("bank_transfer",))),
        "CO": (_CARD, Method("pse", "pse", ("bank_transfer",))),
        "MX": (
            _CARD,
            Method("spei", "clabe", ("bank_transfer",)),
            Method("oxxo", "oxxo", ("ticket",)),
        ),
        "PE": (
            _CARD,
            Method("yape", "yape", ("bank_transfer",)),
            Method("pagoefectivo", "pagoefectivo_atm", ("atm",)),
        ),
    },
    # Wompi (Colombia only, pesos only): payment_method_type values of its
    # transactions ("Métodos de pago" in docs.wompi.co). Its Web Checkout offers
    # every method the account has enabled; it cannot be told which.
    "wompi": {
        "CO": (
            Method("card", "CARD"),
            Method("nequi", "NEQUI"),
            Method("pse", "PSE"),
            Method("bancolombia_transfer", "BANCOLOMBIA_TRANSFER"),
        ),
    },
    # The sandbox offers, per country, what the real providers offer there,
    # under our own codes, so the portal and a demo show the same choices.
    "sandbox": {
        "BR": (_CARD, Method("pix", "pix"), Method("boleto", "boleto")),
        "CO": (_CARD, Method("pse", "pse")),
        "MX": (
            _CARD,
            Method("spei", "spei"),
            Method("oxxo", "oxxo"),
        ),
        "PE": (
            _CARD,
            Method("yape", "yape"),
            Method("pagoefectivo", "pagoefectivo"),
        ),
    },
}


# A session's currency says where its debtor pays: the sandbox, like Stripe,
# refuses a method its currency cannot use (OXXO takes pesos only).
CURRENCY_COUNTRY = {"MXN": "MX", "BRL": "BR", "COP": "CO", "PEN": "PE"}


def methods_for(provider: str, country: str, currency: str = "") -> tuple[Method, ...]:
    """The methods ``provider`` offers a debtor in ``country``; cards where no other is known.

    A local method takes its country's money only (OXXO pesos, Pix reais): paying
    in another ``currency``, cards alone.
    """
    country = country.upper()
    if currency and CURRENCY_COUNTRY.get(currency.upper()) != country:
        return (_CARD,)
    return METHODS.get(provider, {}).get(country, (_CARD,))


def provider_ids(provider: str, country: str) -> tuple[str, ...]:
    return tuple(method.provider_id for method in methods_for(provider, country))


def label_for(code: str) -> str:
    """A method's name for the debtor; an unknown code as it is."""
    label = LABELS.get(code)
    return str(label) if label is not None else code


def code_for(provider: str, provider_id: str) -> str:
    """Our code for a provider's method name ("clabe" -> "spei"); unknown names as they are."""
    for methods in METHODS.get(provider, {}).values():
        for method in methods:
            if method.provider_id == provider_id:
                return method.code
    return provider_id
