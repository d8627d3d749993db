"""Payment provider webhooks at ``/webhooks/payments/<provider>``.

Only available providers answer (the sandbox only while
SANDBOX_PAYMENTS_ENABLED; otherwise 404, nothing read or stored). Verify the
signature first (401 without one, 403 with a wrong one; nothing is stored
either way), store the event once by the provider's event id, then fetch the
provider's own record and settle the checkout from it: a webhook's amount and
status are never trusted. Mercado Pago's subscription notices (direct debit)
are read back and recorded by ``debit_mercadopago.process_notice``, and a
Mercado Pago payment no checkout claims by ``process_payment_notice`` (the
invoice that charged it).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from recaudo.inputs import storable
from recaudo.outreach.contract import PayloadError, SignatureError, WebhookRequest
from recaudo.payments.actions import apply_provider_record
from recaudo.payments.conf import setting
from recaudo.payments.debit import activate
from recaudo.payments.debit_charges import reverse_debit
from recaudo.payments.debit_mercadopago import KINDS as SUBSCRIPTION_KINDS
from recaudo.payments.debit_mercadopago import process_notice, process_payment_notice
from recaudo.payments.models import Checkout, Mandate, PaymentWebhookEvent, ProviderAccount
from recaudo.payments.providers import get_provider, is_available
from recaudo.payments.providers.base import HttpProvider, ProviderError
from recaudo.portfolio.rules import InputError
from recaudo.webhook_lane import provider_webhook

logger = logging.getLogger(__name__)
EVENT_ID_LENGTH = PaymentWebhookEvent._meta.get_field("event_id").max_length or 200
KEPT_HEADERS = (
    "Content-Type",
    "User-Agent",
    "X-Sandbox-Signature",
    "Stripe-Signature",
    "x-signature",
    "x-request-id",
    "X-Event-Checksum",
)
# Wompi retries an unanswered event 30 minutes, 3 hours and 24 hours later and does
# not say whether a retry carries a new timestamp: its window covers the retries.
WOMPI_TOLERANCE = 25 * 3600


@provider_webhook
@require_POST
def payment_webhook(
    http_request: HttpRequest, provider_name: str, webhook_token: str = ""
) -> HttpResponse:
    if not is_available(provider_name):
        # Unknown, or the sandbox while it is off: nothing is read or stored.
        return HttpResponse("unknown provider", status=404, content_type="text/plain")
    account = None
    if webhook_token:
        # A creditor's own account: its secret verifies, its key fetches, its checkouts only.
        account = ProviderAccount.objects.filter(
            provider=provider_name, webhook_token=webhook_token, active=True
        ).first()
        if account is None:
            logger.warning("payment webhook from %s refused: unknown account", provider_name)
            return HttpResponse("unknown account", status=404, content_type="text/plain")
    provider = get_provider(provider_name, account=account)
    request = WebhookRequest.from_http(http_request)
    try:
        provider.verify_signature(request, tolerance=_tolerance(provider_name))
    except SignatureError as error:
        logger.warning("payment webhook from %s refused: %s", provider_name, error)
        return HttpResponse(
            str(error), status=401 if error.missing else 403, content_type="text/plain"
        )
    try:
        notice = provider.parse_webhook(request)
    except PayloadError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain")
    event_id = storable(notice.event_id)
    if len(event_id) > EVENT_ID_LENGTH:
        return HttpResponse("event id too long", status=400, content_type="text/plain")
    try:
        with transaction.atomic():
            event = PaymentWebhookEvent.objects.create(
                provider=provider_name,
                event_id=event_id,
                headers={
                    name: request.headers[name] for name in KEPT_HEADERS if name in request.headers
                }
                | ({"query": request.query_string}),
                # Signed, so kept; PostgreSQL cannot store NUL or lone surrogates.
                body=storable(request.body.decode("utf-8", "replace")),
            )
    except IntegrityError:
        event = PaymentWebhookEvent.objects.get(provider=provider_name, event_id=event_id)
        if event.processed_at is not None:
            return HttpResponse("already processed", content_type="text/plain")
    creditor_id = account.creditor_id if account is not None else None
    if provider_name == "mercadopago" and notice.kind in SUBSCRIPTION_KINDS:
        # Direct debit: Mercado Pago's own engine charged (or the debtor authorised).
        outcome, status = process_notice(
            provider, notice.kind, storable(notice.fetch_id), creditor_id
        )
    else:
        outcome, status = _process(provider, provider_name, storable(notice.fetch_id), creditor_id)
    outcome = storable(outcome)
    if status == 200:
        PaymentWebhookEvent.objects.filter(pk=event.pk).update(
            processed_at=timezone.now(), outcome=outcome[:300]
        )
    else:
        PaymentWebhookEvent.objects.filter(pk=event.pk).update(outcome=outcome[:300])
    return HttpResponse(outcome, status=status, content_type="text/plain")


def _tolerance(provider_name: str) -> int | None:
    # Mercado Pago's ts is compared leniently (ms in some integrations); its
    # authenticity still rests on the HMAC and the payment lookup.
    if provider_name == "mercadopago":
        return None
    tolerance = int(setting("signature_tolerance"))
    return max(tolerance, WOMPI_TOLERANCE) if provider_name == "wompi" else tolerance


def _process(
    provider: HttpProvider, provider_name: str, fetch_id: str, creditor_id: int | None = None
) -> tuple[str, int]:
    """Fetch the provider's record and settle the checkout it names; 5xx asks for a retry.

    Through a creditor's own account (``creditor_id``) only that creditor's
    checkouts are looked at.
    """
    if not fetch_id:
        return "ignored: nothing to fetch", 200
    try:
        record = provider.fetch(fetch_id)
    except ProviderError as error:
        return f"lookup failed: {error}", 400 if error.permanent else 502
    checkouts = Checkout.objects.filter(provider=provider_name)
    if creditor_id is not None:
        checkouts = checkouts.filter(creditor_id=creditor_id)
    checkout = checkouts.filter(reference=record.reference).first()
    if checkout is None and not record.reference and record.payment_id:
        # A refund or a dispute names the payment, not the checkout.
        checkout = checkouts.filter(payment__external_id=record.payment_id).first()
        if checkout is not None:
            record = replace(record, reference=checkout.reference)
    if checkout is None and record.status == "reversed" and record.payment_id:
        # A refund or a dispute of an automatic charge (direct debit) names no checkout.
        attempt = reverse_debit(provider_name, record.payment_id)
        if attempt is not None:
            return f"debit {attempt.pk} reversed", 200
    if checkout is None and provider_name == "mercadopago" and record.status != "reversed":
        # A charge of Mercado Pago's engine (direct debit) is recorded by its invoice.
        answer = process_payment_notice(provider, record.payment_id or fetch_id, creditor_id)
        if answer is not None:
            return answer
    if checkout is None and record.reference:
        # Checkout in setup mode: a card saved for direct debit names its mandate.
        mandate = Mandate.objects.filter(provider=provider_name, reference=record.reference).first()
        if mandate is not None:
            try:
                mandate = activate(mandate)
            except ProviderError as error:
                return f"lookup failed: {error}", 400 if error.permanent else 502
            return f"mandate {mandate.pk} {mandate.status}", 200
    if checkout is None:
        return f"ignored: no checkout {record.reference!r}", 200
    try:
        settled = apply_provider_record(checkout.pk, record)
    except (ProviderError, InputError) as error:
        logger.error("payment webhook for checkout %s not applied: %s", checkout.pk, error)
        return f"not applied: {error}", 200
    return f"checkout {settled.reference[:12]} {settled.status}", 200
