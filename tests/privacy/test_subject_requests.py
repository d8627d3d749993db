"""Data-subject requests: a debtor's export holds everything; erasure keeps only the accounts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from recaudo.conversations.models import Message, Thread
from recaudo.outreach.models import Outreach, WebhookEvent
from recaudo.payments.models import DebtorRequest
from recaudo.portfolio.actions import record_payment
from recaudo.portfolio.columns import Defaults, PaymentInput
from recaudo.portfolio.ingest import DebtorSync, Outcome, PaymentWriter
from recaudo.portfolio.models import AuditEvent, ChannelConsent, ContactPoint, Debt, Debtor, Payment
from recaudo.privacy import archive
from recaudo.privacy.erase import ErasureRefused, erase
from recaudo.privacy.export import SCHEMA, debtor_export
from recaudo.privacy.models import ArchivedRecord
from tests.delivery.test_provider_events import PHONE, make_outreach

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def _debtor_with_history(*, paid: bool) -> Debtor:
    """A debtor with a sent message, a reply, a portal request, a webhook and (maybe) a payment."""
    row = make_outreach()
    debtor = row.debtor
    Debtor.objects.filter(pk=debtor.pk).update(
        full_name="Ana María Restrepo", national_id_type="CC", national_id_number="1020304050"
    )
    debtor.refresh_from_db()
    debt = Debt.objects.get(debtor=debtor)
    if paid:
        record_payment(
            creditor=debtor.creditor,
            debtor=debtor,
            external_id="PAY-1",
            amount=debt.amount,
            currency=debt.currency,
            paid_at=NOW,
            actor="api:test",
        )
    thread = Thread.objects.create(
        creditor=debtor.creditor,
        debtor=debtor,
        report_question={"kind": "already_paid", "reason": "ya pagué, Ana", "debts": [debt.pk]},
    )
    Message.objects.create(
        thread=thread,
        direction="in",
        author="debtor",
        channel="whatsapp",
        address=PHONE,
        text="Hola, soy Ana María, pago el viernes",
        media=b"%PDF-1.4 comprobante de Ana",
        media_type="application/pdf",
        occurred_at=NOW,
    )
    request = DebtorRequest.objects.create(
        creditor=debtor.creditor, debtor=debtor, kind="extension", reason="Me quedé sin trabajo"
    )
    request.debts.add(debt)
    WebhookEvent.objects.create(
        provider="whatsapp",
        dedupe_key="wamid.IN1",
        headers={"x": "y"},
        body=json.dumps({"from": PHONE.lstrip("+"), "text": "pago el viernes"}),
        processed_at=NOW,
        outcome="inbound: kept for the conversation",
    )
    WebhookEvent.objects.create(
        provider="whatsapp", dedupe_key="other", headers={}, body='{"from": "573009999999"}'
    )
    return debtor


def test_the_export_holds_every_kind_of_record_about_the_debtor_live_and_archived():
    debtor = _debtor_with_history(paid=True)
    sent = Outreach.objects.get(debtor=debtor)
    Outreach.objects.filter(pk=sent.pk).update(
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
        updated_at=datetime(2025, 1, 1, tzinfo=UTC),
        window_start=datetime(2025, 1, 1, tzinfo=UTC),
        window_end=datetime(2025, 1, 2, tzinfo=UTC),
    )
    archive.run(now=timezone.now(), months=6, batch_size=10)

    export = debtor_export(debtor, now=NOW)

    assert export["schema"] == SCHEMA
    assert export["debtor"]["full_name"] == "Ana María Restrepo"
    assert export["debtor"]["national_id_number"] == "1020304050"
    assert {point["value"] for point in export["contact_points"]} == set(
        debtor.contact_points.values_list("value", flat=True)
    )
    assert {c["channel"] for p in export["contact_points"] for c in p["consents"]} >= {"whatsapp"}
    assert [debt["status"] for debt in export["debts"]] == ["paid"]
    [payment] = export["payments"]
    assert payment["external_id"] == "PAY-1"
    assert payment["allocations"] == [
        {"debt_id": export["debts"][0]["id"], "amount": export["debts"][0]["amount"]}
    ]
    [outreach] = export["outreach"]
    assert outreach["id"] == sent.pk
    assert outreach["archived"] is True
    assert outreach["channel"] == sent.channel
    assert outreach["status"] == "sent"
    assert outreach["sent_at"] is not None
    assert [m["text"] for m in export["conversation"]["messages"]] == [
        "Hola, soy Ana María, pago el viernes"
    ]
    assert [r["reason"] for r in export["requests"]] == ["Me quedé sin trabajo"]
    assert "payment_recorded" in {event["kind"] for event in export["audit_events"]}
    json.dumps(export)  # plain JSON throughout


def test_the_export_command_writes_json_and_pdf_and_audits_each_without_personal_data(tmp_path):
    debtor = _debtor_with_history(paid=True)

    call_command("debtor", "export", debtor.external_id, "--format", "json", "--output",
                 str(tmp_path / "d.json"))  # fmt: skip
    call_command("debtor", "export", debtor.external_id, "--format", "pdf", "--output",
                 str(tmp_path / "d.pdf"))  # fmt: skip

    data = json.loads((tmp_path / "d.json").read_text())
    assert data["debtor"]["external_id"] == debtor.external_id
    assert (tmp_path / "d.pdf").read_bytes().startswith(b"%PDF")
    events = AuditEvent.objects.filter(debtor=debtor, kind="debtor_exported").order_by("id")
    assert [event.data["format"] for event in events] == ["json", "pdf"]
    assert events[0].actor.startswith("cli")
    assert events[0].data["sections"]["payments"] == 1
    assert "Ana" not in json.dumps(events[0].data)


def test_erasure_keeps_the_accounts_and_removes_every_personal_detail():
    debtor = _debtor_with_history(paid=True)
    original_id = debtor.external_id
    debt = Debt.objects.get(debtor=debtor)

    result = erase(debtor, reason="solicitud del titular 2026-12-01", actor="cli:ana", now=NOW)

    debtor.refresh_from_db()
    assert debtor.erased_at == NOW
    assert debtor.external_id == result.reference != original_id
    assert debtor.external_id.startswith("erased-")
    assert "Ana" not in debtor.full_name
    assert debtor.national_id_number == "" and debtor.first_name == ""
    for point in ContactPoint.objects.filter(debtor=debtor):
        assert point.value == f"erased-{point.pk}"
        assert point.opted_out_at is not None and point.invalid_since is not None
    assert not ChannelConsent.objects.filter(
        contact_point__debtor=debtor, revoked_at__isnull=True
    ).exists()
    assert list(
        Message.objects.filter(thread__debtor=debtor).values_list("text", "address", "media")
    ) == [("", "", None)]
    assert Thread.objects.get(debtor=debtor).report_question is None
    assert list(DebtorRequest.objects.filter(debtor=debtor).values_list("reason", flat=True)) == [
        ""
    ]
    bodies = dict(WebhookEvent.objects.values_list("dedupe_key", "body"))
    assert bodies == {"wamid.IN1": "", "other": '{"from": "573009999999"}'}
    # What accounting law keeps: the debt, the payment and their amounts and dates.
    kept = Debt.objects.get(pk=debt.pk)
    assert (kept.amount, kept.amount_paid, kept.due_on) == (debt.amount, debt.amount, debt.due_on)
    assert Payment.objects.get(debtor=debtor).amount == debt.amount
    audit_text = json.dumps(list(AuditEvent.objects.filter(debtor=debtor).values_list("data")))
    assert original_id not in audit_text
    assert "Ana María" not in audit_text
    event = AuditEvent.objects.get(debtor=debtor, kind="debtor_erased")
    assert event.actor == "cli:ana"
    assert event.data["reason"] == "solicitud del titular 2026-12-01"
    assert event.data["forced"] is False


def test_erasure_cancels_every_planned_contact():
    debtor = _debtor_with_history(paid=True)
    Outreach.objects.filter(debtor=debtor).update(status="planned")

    result = erase(debtor, reason="titular", actor="cli:x", now=NOW)

    assert result.counts["planned_contacts_cancelled"] == 1
    assert list(Outreach.objects.filter(debtor=debtor).values_list("status", flat=True)) == [
        "cancelled"
    ]


def test_a_debtor_who_still_owes_is_not_erased_without_force():
    debtor = _debtor_with_history(paid=False)

    with pytest.raises(ErasureRefused) as refused:
        erase(debtor, reason="titular", actor="cli:x", now=NOW)

    assert refused.value.owed == {"COP": Decimal("100000.0000")}
    debtor.refresh_from_db()
    assert debtor.erased_at is None and debtor.full_name == "Ana María Restrepo"
    assert not AuditEvent.objects.filter(kind="debtor_erased").exists()

    forced = erase(debtor, reason="orden de la SIC", actor="cli:x", now=NOW, force=True)

    assert forced.forced is True
    assert Debt.objects.get(debtor=debtor).status == "open"
    assert AuditEvent.objects.get(kind="debtor_erased").data["owed"] == {"COP": "100000.0000"}


def test_the_erase_command_refuses_a_debtor_who_owes_with_a_message_in_spanish():
    debtor = _debtor_with_history(paid=False)

    with pytest.raises(CommandError, match="todavía debe"):
        call_command("debtor", "erase", debtor.external_id, "--reason", "titular")


def test_a_dry_run_erasure_changes_nothing():
    debtor = _debtor_with_history(paid=True)

    result = erase(debtor, reason="titular", actor="cli:x", now=NOW, dry_run=True)

    assert result.counts["messages"] == 1
    debtor.refresh_from_db()
    assert debtor.erased_at is None
    assert Message.objects.get(thread__debtor=debtor).text.startswith("Hola")
    assert not AuditEvent.objects.filter(kind="debtor_erased").exists()


def test_an_import_or_api_upsert_naming_the_erased_debtor_is_refused_and_writes_nothing():
    debtor = _debtor_with_history(paid=True)
    original_id = debtor.external_id
    erase(debtor, reason="titular", actor="cli:x", now=NOW)
    outcome = Outcome()
    sync = DebtorSync(debtor.creditor, "import:file.csv", outcome, unique=True)

    sync.sync([(2, original_id, None)])

    assert [str(error) for error in outcome.errors] == [
        f"línea 2: debtor_external_id: el deudor '{original_id}' fue borrado a petición suya el "
        "2026-12-01; sus datos no se vuelven a cargar (vea docs/privacy.md)"
    ]
    assert Debtor.objects.filter(creditor=debtor.creditor).count() == 1


def test_an_erased_debtor_is_erased_once_and_archived_rows_about_them_are_scrubbed():
    debtor = _debtor_with_history(paid=True)
    archive.ensure_partitions([NOW])
    ArchivedRecord.objects.create(
        kind="outreach",
        source_id=999,
        debtor_id=debtor.pk,
        country="CO",
        record_class="contact",
        occurred_at=NOW,
        archived_at=NOW,
        data={"notice_context": {"text": "Hola Ana María Restrepo"}, "channel": "sms"},
    )

    erase(debtor, reason="titular", actor="cli:x", now=NOW)
    again = erase(debtor, reason="titular", actor="cli:x", now=NOW)

    assert again.already_erased
    assert AuditEvent.objects.filter(kind="debtor_erased").count() == 1
    record = ArchivedRecord.objects.get(source_id=999)
    assert record.data == {"notice_context": {"text": "[borrado]"}, "channel": "sms"}


def test_a_payment_naming_an_erased_debtors_old_id_is_still_recorded_against_the_reference():
    debtor = _debtor_with_history(paid=False)
    original_id = debtor.external_id
    erase(debtor, reason="orden de la SIC", actor="cli:x", now=NOW, force=True)
    outcome = Outcome()
    writer = PaymentWriter(debtor.creditor, "import:pagos.csv", outcome, Defaults("CO", "COP"))

    writer.write(
        [(2, PaymentInput("PAY-9", Decimal("100000"), "COP", NOW, debtor_external_id=original_id))]
    )

    assert outcome.errors == []
    payment = Payment.objects.get(external_id="PAY-9")
    assert payment.debtor_id == debtor.pk
    assert Debt.objects.get(debtor=debtor).status == "paid"


SENT = "Hola Ana María Restrepo, su saldo de $120.000 venció el 1 de diciembre."


def test_the_export_holds_what_each_message_said_as_it_left_live_and_archived():
    debtor = _debtor_with_history(paid=False)
    sent = Outreach.objects.get(debtor=debtor)
    Outreach.objects.filter(pk=sent.pk).update(sent_text=SENT, sent_subject="Su saldo")
    archive.ensure_partitions([NOW])
    ArchivedRecord.objects.create(
        kind="outreach", source_id=998, debtor_id=debtor.pk, country="CO",
        record_class="contact", occurred_at=NOW, archived_at=NOW,
        data={"sent_text": "Hola Ana María, recuerde su pago.", "channel": "sms"},
    )  # fmt: skip

    texts = {row["id"]: row["text"] for row in debtor_export(debtor, now=NOW)["outreach"]}

    assert texts == {sent.pk: SENT, 998: "Hola Ana María, recuerde su pago."}


def test_erasure_blanks_what_the_sent_messages_said_live_and_archived():
    debtor = _debtor_with_history(paid=True)
    sent = Outreach.objects.get(debtor=debtor)
    Outreach.objects.filter(pk=sent.pk).update(sent_text=SENT, sent_subject="Su saldo, Ana")
    archive.ensure_partitions([NOW])
    ArchivedRecord.objects.create(
        kind="outreach", source_id=997, debtor_id=debtor.pk, country="CO",
        record_class="contact", occurred_at=NOW, archived_at=NOW,
        data={"sent_text": "Hola Ana, recuerde su pago.", "channel": "sms"},
    )  # fmt: skip

    erase(debtor, reason="titular", actor="cli:x", now=NOW)

    sent.refresh_from_db()
    assert (sent.sent_text, sent.sent_subject) == ("", "")
    # The record of contact stays: channel, status, when it was sent.
    assert (sent.channel, sent.status) == ("whatsapp", "sent") and sent.sent_at is not None
    record = ArchivedRecord.objects.get(source_id=997)
    assert record.data == {"sent_text": "[borrado]", "channel": "sms"}
