"""The payments app's settings: ``settings.PAYMENTS`` over these defaults.

Every key may be overridden in ``settings.PAYMENTS`` (a dict, nested for the
providers). Per-creditor choices (provider, minimum partial payment, promise
window, brand colour) live in ``PaymentSettings`` rows and default to these.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def _defaults() -> dict[str, Any]:
    sandbox_url = settings.SANDBOX_URL
    return {
        # A link lives this long; opening an expired one shows a neutral page.
        "link_days": 30,
        # Portal requests per client IP per minute (then a 429 page).
        "open_rate_per_minute": 30,
        # The provider a creditor without PaymentSettings uses; empty: the
        # sandbox while SANDBOX_PAYMENTS_ENABLED, otherwise none.
        "default_provider": "",
        # Smallest partial payment, as a percent of what is owed (creditor may change).
        "min_partial_percent": 10,
        # A promise may name a date from tomorrow up to this many days ahead.
        "promise_max_days": 15,
        # An instalment missed by more than this breaks the plan.
        "plan_grace_days": 5,
        # "Ya pagué" or a dispute pauses reminders on the debt this many days at
        # most; unreviewed by then, the report expires and reminders resume.
        "report_pause_days": 10,
        # Direct debit (payments.debit): the debtor is told this many days before a
        # charge; a refused charge is tried again these many days after the due date
        # (so at most 1 + len(retries) attempts); a charge whose answer never came is
        # sent again, with the same idempotency key, after this many seconds.
        "debit_notice_days": 2,
        "debit_retry_days": [1, 3],
        "debit_lease_seconds": 600,
        # Stripe-like tolerance for signed webhook timestamps (seconds).
        "signature_tolerance": 300,
        "providers": {
            "sandbox": {
                "base_url": f"{sandbox_url}/payments",
                "api_key": "sandbox-payments-key",
                "webhook_secret": "sandbox-payments-webhook-secret",
            },
            "stripe": {
                "base_url": "https://api.stripe.com",
                "secret_key": "",
                "webhook_secret": "",
            },
            "mercadopago": {
                "base_url": "https://api.mercadopago.com",
                "access_token": "",
                "webhook_secret": "",
            },
            # webhook_secret: Wompi's events secret.
            "wompi": {
                "base_url": "https://production.wompi.co/v1",
                "checkout_url": "https://checkout.wompi.co/p/",
                "public_key": "",
                "private_key": "",
                "integrity_secret": "",
                "webhook_secret": "",
            },
        },
    }


def payments_settings() -> dict[str, Any]:
    merged = _defaults()
    overrides: dict[str, Any] = getattr(settings, "PAYMENTS", {}) or {}
    for key, value in overrides.items():
        if key == "providers":
            for name, config in value.items():
                merged["providers"].setdefault(name, {}).update(config)
        else:
            merged[key] = value
    if not merged["default_provider"] and getattr(settings, "SANDBOX_PAYMENTS_ENABLED", False):
        merged["default_provider"] = "sandbox"
    return merged


def setting(name: str) -> Any:
    return payments_settings()[name]


def provider_config(name: str) -> dict[str, Any]:
    return payments_settings()["providers"].get(name, {})
