"""Erasing a debtor's personal data at their request, keeping what the law keeps.

``erase(debtor, reason=..., actor=...)`` runs in one transaction (all or
nothing; ``dry_run`` rolls it back and reports what it would change):

- the debtor becomes a pseudonymous reference: name, greeting name, document,
  tags blanked, ``external_id`` replaced by ``portfolio.erased.erased_reference``,
  ``erased_at`` set (imports and the API then refuse to write the person again);
- contact points lose their address (``erased-<id>``), are opted out and
  marked invalid; every consent is revoked; every payment link revoked;
- every planned contact is cancelled; the outbox rows keep channel, status,
  times and amounts but lose the texts they carried;
- conversation messages and notes lose their text, address and extracted
  data, and the thread is closed;
- what was learnt about them (their score and its factors, risk band, best
  hours, experiment assignments) is deleted;
- the debtor's own words on the portal (requests' and reports' reasons, a
  receipt) are blanked;
- stored webhooks (live and archived) whose payload names one of the
  person's addresses are blanked;
- the events out kept for the company's systems (docs/integrations.md) lose their
  payloads and the debtor's external id, and their delivery log its answers;
- audit events and archived rows about the debtor keep their amounts, dates
  and ids, with every occurrence of the person's identifiers replaced and
  free texts blanked.

Debts, payments, allocations, plans, promises and their amounts and dates
stay: accounting law requires them (docs/privacy.md). A debtor who still
owes is refused unless ``force`` (the creditor's legitimate interest in
collecting generally outweighs erasure while the debt is owed).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.db import models, transaction
from django.db.models import F, Q

from recaudo.conversations.models import Message, Thread
from recaudo.learning.models import Assignment, DebtorScore
from recaudo.outreach import privacy as outbox
from recaudo.outreach.models import WebhookEvent
from recaudo.payments.models import (
    DebtorReport,
    DebtorRequest,
    NonPaymentReason,
    PaymentLink,
    PaymentWebhookEvent,
)
from recaudo.portfolio.erased import erased_reference
from recaudo.portfolio.events import build_event
from recaudo.portfolio.models import AuditEvent, ChannelConsent, ContactPoint, Debt, Debtor
from recaudo.privacy.hooks import erasure_steps
from recaudo.privacy.models import ArchivedRecord

ERASED = "[borrado]"
# Keys of audit and archived data that hold what someone wrote, blanked whole.
FREE_TEXT_KEYS = frozenset(
    {"text", "reason", "note", "body", "message", "address", "value", "sent_text", "sent_subject"}
)
OWED_STATUSES = (Debt.Status.OPEN, Debt.Status.IN_ARRANGEMENT, Debt.Status.DISPUTED)


class ErasureRefused(Exception):
    """The debtor still owes and ``force`` was not given; nothing changed."""

    def __init__(self, owed: dict[str, Decimal]):
        super().__init__(owed)
        self.owed = owed


class _DryRun(Exception):
    pass


@dataclass
class ErasureResult:
    debtor_id: int
    reference: str
    forced: bool
    dry_run: bool
    already_erased: bool = False
    owed: dict[str, Decimal] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)


def owed_by(debtor: Debtor) -> dict[str, Decimal]:
    """What the debtor still owes, per currency (open, in an arrangement or disputed)."""
    owed: dict[str, Decimal] = {}
    for currency, amount, paid in Debt.objects.filter(
        debtor=debtor, status__in=OWED_STATUSES, amount_paid__lt=F("amount")
    ).values_list("currency", "amount", "amount_paid"):
        owed[currency] = owed.get(currency, Decimal(0)) + amount - paid
    return owed


@dataclass(frozen=True)
class _Identifiers:
    """The person's identifiers as they may appear in stored texts."""

    needles: list[str]  # replaced wherever they occur (long enough not to hit other words)
    exact: frozenset[str]  # replaced where a whole value equals one (short ids, greetings)
    replacements: dict[str, str]  # a needle's replacement when not ERASED (the old id)


def _identifiers(debtor: Debtor, points: list[ContactPoint], reference: str) -> _Identifiers:
    found = {debtor.full_name, debtor.first_name, debtor.national_id_number, debtor.external_id}
    for point in points:
        found.add(point.value)
        found.add(quote(point.value, safe=""))
        if point.kind == ContactPoint.Kind.PHONE:
            found.add(point.value.lstrip("+"))  # WhatsApp's wa_id, Twilio's From without +
    found.discard("")
    # Very short values ("Ana") would blank unrelated words inside texts.
    needles = sorted((n for n in found if len(n) >= 5), key=len, reverse=True)
    return _Identifiers(needles, frozenset(found), {debtor.external_id: reference})


def _scrub(value: Any, ids: _Identifiers) -> Any:
    if isinstance(value, dict):
        return {
            key: ERASED
            if key in FREE_TEXT_KEYS and isinstance(item, str) and item
            else _scrub(item, ids)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrub(item, ids) for item in value]
    if isinstance(value, str):
        if value in ids.exact:
            return ids.replacements.get(value, ERASED)
        for needle in ids.needles:
            if needle in value:
                value = value.replace(needle, ids.replacements.get(needle, ERASED))
        return value
    return value


def _matching(model: type[models.Model], column: str, needles: list[str]) -> models.QuerySet[Any]:
    condition = Q()
    for needle in needles:
        condition |= Q(**{f"{column}__contains": needle})
    return model._default_manager.filter(condition) if needles else model._default_manager.none()


def erase(
    debtor: Debtor,
    *,
    reason: str,
    actor: str,
    now: datetime,
    force: bool = False,
    dry_run: bool = False,
) -> ErasureResult:
    """Erase ``debtor``'s personal data (see the module's rules); raises ``ErasureRefused``."""
    result = ErasureResult(debtor.pk, "", forced=False, dry_run=dry_run)
    try:
        with transaction.atomic():
            _erase(debtor, result, reason=reason, actor=actor, now=now, force=force)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return result


def _erase(
    debtor: Debtor, result: ErasureResult, *, reason: str, actor: str, now: datetime, force: bool
) -> None:
    debtor = Debtor.objects.select_for_update().get(pk=debtor.pk)
    result.reference = debtor.external_id
    if debtor.erased_at is not None:
        result.already_erased = True
        return
    result.owed = owed_by(debtor)
    if result.owed and not force:
        raise ErasureRefused(result.owed)
    result.forced = bool(result.owed)
    counts = result.counts
    points = list(ContactPoint.objects.filter(debtor=debtor))
    reference = erased_reference(debtor.creditor_id, debtor.external_id)
    ids = _identifiers(debtor, points, reference)
    needles = ids.needles
    result.reference = reference

    counts["planned_contacts_cancelled"] = outbox.cancel_for_erasure(debtor.pk)
    counts["outbox_rows_scrubbed"] = outbox.scrub_for_erasure(debtor.pk)

    for point in points:
        point.value = f"erased-{point.pk}"
        point.channels = []
        point.preferred = False
        point.opted_out_at = point.opted_out_at or now
        point.invalid_since = point.invalid_since or now
        point.invalid_reason = "erased"
    ContactPoint.objects.bulk_update(
        points,
        ["value", "channels", "preferred", "opted_out_at", "invalid_since", "invalid_reason"],
    )
    counts["contact_points"] = len(points)
    counts["consents_revoked"] = ChannelConsent.objects.filter(
        contact_point__debtor=debtor, revoked_at__isnull=True
    ).update(revoked_at=now)
    counts["payment_links_revoked"] = PaymentLink.objects.filter(
        debtor=debtor, revoked_at__isnull=True
    ).update(revoked_at=now)

    counts["messages"] = Message.objects.filter(thread__debtor=debtor).update(
        text="", address="", slots={}, attachment=None, intent="", media=None, media_type=""
    )
    Thread.objects.filter(debtor=debtor).update(
        state=Thread.State.CLOSED,
        outcome="",
        plan_offer=None,
        report_question=None,
        needs_attention=False,
        unread=False,
        last_contact_point=None,
    )
    counts["requests"] = DebtorRequest.objects.filter(debtor=debtor).update(reason="")
    counts["reports"] = DebtorReport.objects.filter(debtor=debtor).update(
        reason="", receipt=None, receipt_type=""
    )
    # The reason's code stays (a figure); the debtor's own words go.
    counts["reasons"] = NonPaymentReason.objects.filter(debtor=debtor).update(detail="")

    for model in (WebhookEvent, PaymentWebhookEvent):
        rows = _matching(model, "body", needles)
        # A webhook not yet processed is closed too: it must not bring the person back.
        counts["webhooks"] += rows.filter(processed_at__isnull=True).update(
            body="", headers={}, processed_at=now, outcome="erased"
        )
        counts["webhooks"] += rows.update(body="", headers={})
    counts["archived_webhooks"] = (
        _matching(ArchivedRecord, "text", needles)
        .filter(kind__in=[ArchivedRecord.Kind.WEBHOOK, ArchivedRecord.Kind.PAYMENT_WEBHOOK])
        .update(text="", data={})
    )

    events = list(AuditEvent.objects.filter(debtor=debtor))
    for event in events:
        event.data = _scrub(event.data, ids)
    AuditEvent.objects.bulk_update(events, ["data"])
    counts["audit_events"] = len(events)
    archived = list(ArchivedRecord.objects.filter(debtor_id=debtor.pk))
    for record in archived:
        record.data = _scrub(record.data, ids)
    ArchivedRecord.objects.bulk_update(archived, ["data"])
    counts["archived_rows"] = len(archived)

    # Apps above this one (integrations: the events out and their delivery log) blank theirs.
    for step in erasure_steps():
        counts.update(step(debtor.pk, reference, now))

    # The profile learnt about the person (score, factors, best hours, experiment arms) goes.
    counts["scores"] = DebtorScore.objects.filter(debtor_id=debtor.pk).delete()[0]
    counts["experiment_assignments"] = Assignment.objects.filter(debtor_id=debtor.pk).delete()[0]
    Debtor.objects.filter(pk=debtor.pk).update(
        risk_band="",
        best_hours=None,
        external_id=reference,
        full_name=f"Deudor borrado {reference[len('erased-') :][:8]}",
        first_name="",
        national_id_type="",
        national_id_number="",
        tags=[],
        erased_at=now,
        updated_at=now,
    )
    build_event(
        AuditEvent.Kind.DEBTOR_ERASED,
        creditor_id=debtor.creditor_id,
        debtor_id=debtor.pk,
        actor=actor,
        data={
            "reason": reason,
            "forced": result.forced,
            "owed": {currency: str(amount) for currency, amount in result.owed.items()},
            "counts": dict(counts),
        },
    ).save()


def record_export(
    debtor: Debtor, *, actor: str, export_format: str, sections: dict[str, int]
) -> None:
    """The audit event of an export: who, when, in what form, how much; never the data."""
    build_event(
        AuditEvent.Kind.DEBTOR_EXPORTED,
        creditor_id=debtor.creditor_id,
        debtor_id=debtor.pk,
        actor=actor,
        data={"format": export_format, "sections": sections},
    ).save()


def section_sizes(export: dict[str, Any]) -> dict[str, int]:
    """How many items each list of an export holds (what the audit event records)."""
    sizes = {key: len(value) for key, value in export.items() if isinstance(value, list)}
    conversation = export.get("conversation") or {}
    sizes["messages"] = len(conversation.get("messages", []))
    return sizes


def dumps(export: dict[str, Any]) -> str:
    return json.dumps(export, ensure_ascii=False, indent=2, sort_keys=False)
