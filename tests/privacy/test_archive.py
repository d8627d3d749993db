"""The archive job: finished rows move in batches, nothing lost or doubled, live rules unchanged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from recaudo.delivery.provider_events import process_events, store_webhook
from recaudo.outreach.history import past_contacts
from recaudo.outreach.models import Outreach, OutreachDebt, WebhookEvent
from recaudo.portfolio.events import build_event
from recaudo.portfolio.models import AuditEvent
from recaudo.privacy import archive
from recaudo.privacy.models import ArchivedRecord
from tests.delivery.test_provider_events import make_outreach, status_event
from tests.factories import make_creditor
from tests.helpers import ROOT, database_url

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2027, 6, 15, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=300)
RECENT = NOW - timedelta(days=3)


def _aged(row: Outreach, when: datetime, *, status: str | None = None) -> Outreach:
    changes = {"created_at": when, "updated_at": when, "window_start": when}
    changes["window_end"] = when + timedelta(hours=8)
    if row.sent_at is not None:
        changes["sent_at"] = when + timedelta(hours=1)
    if status is not None:
        changes["status"] = status
    Outreach.objects.filter(pk=row.pk).update(**changes)
    row.refresh_from_db()
    return row


def _run(**overrides):
    values = {"now": NOW, "months": 6, "batch_size": 2}
    values.update(overrides)
    return archive.run(**values)


def test_finished_rows_older_than_the_cut_off_move_with_their_debts_and_nothing_else_does():
    creditor = make_creditor()
    old_sent = _aged(make_outreach(creditor), OLD)
    old_cancelled = _aged(make_outreach(creditor, status="planned"), OLD, status="cancelled")
    recent = _aged(make_outreach(creditor), RECENT)
    old_planned = _aged(make_outreach(creditor, status="planned"), OLD)
    old_unknown = _aged(make_outreach(creditor, status="planned"), OLD, status="unknown")
    old_sending = _aged(make_outreach(creditor, status="planned"), OLD, status="sending")
    debt_ids = list(
        OutreachDebt.objects.filter(outreach=old_sent).values_list("debt_id", "balance")
    )

    report = _run()

    assert report.moved["outreach"] == 2
    assert set(Outreach.objects.values_list("pk", flat=True)) == {
        recent.pk,
        old_planned.pk,
        old_unknown.pk,
        old_sending.pk,
    }
    assert not OutreachDebt.objects.filter(outreach_id__in=[old_sent.pk, old_cancelled.pk]).exists()
    archived = ArchivedRecord.objects.get(kind="outreach", source_id=old_sent.pk)
    assert archived.debtor_id == old_sent.debtor_id
    assert archived.country == "CO"
    assert archived.record_class == "contact"
    assert archived.occurred_at == OLD
    assert archived.data["status"] == "sent"
    assert archived.data["channel"] == old_sent.channel
    assert archived.data["debts"] == [
        {"debt_id": debt_id, "balance": str(balance)} for debt_id, balance in debt_ids
    ]
    assert ArchivedRecord.objects.filter(kind="outreach", source_id=old_cancelled.pk).exists()


def test_a_batch_killed_between_copy_and_delete_loses_nothing_and_the_rerun_moves_each_row_once():
    creditor = make_creditor()
    rows = [_aged(make_outreach(creditor), OLD) for _ in range(3)]
    source = archive.OutreachSource()

    def killed() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        archive.move_batch(source, archive.months_before(NOW, 6), 2, NOW, after_copy=killed)

    assert Outreach.objects.count() == 3
    assert ArchivedRecord.objects.count() == 0

    _run()
    _run()

    assert Outreach.objects.count() == 0
    assert sorted(
        ArchivedRecord.objects.filter(kind="outreach").values_list("source_id", flat=True)
    ) == sorted(row.pk for row in rows)


def test_a_row_already_in_the_archive_is_not_copied_twice():
    creditor = make_creditor()
    row = _aged(make_outreach(creditor), OLD)
    source = archive.OutreachSource()
    ArchivedRecord.objects.bulk_create(source.records([row], NOW))

    _run()

    assert ArchivedRecord.objects.filter(kind="outreach", source_id=row.pk).count() == 1
    assert not Outreach.objects.filter(pk=row.pk).exists()


def test_the_contact_caps_see_the_same_history_after_archiving():
    creditor = make_creditor()
    old = _aged(make_outreach(creditor), OLD)
    second = _aged(make_outreach(creditor), RECENT)
    debtors = [old.debtor_id, second.debtor_id]
    before = {key: list(value) for key, value in past_contacts(debtors, NOW, placing=True).items()}

    _run()

    after = {key: list(value) for key, value in past_contacts(debtors, NOW, placing=True).items()}
    assert after == before
    assert before[second.debtor_id]
    assert not Outreach.objects.filter(pk=old.pk).exists()


def test_a_late_status_for_an_archived_row_is_accepted_and_ignored():
    row = _aged(make_outreach(), OLD)
    _run()

    outcome = process_events([status_event("delivered", row)])

    assert outcome == f"delivered: no outreach for {row.provider_message_id}"
    assert ArchivedRecord.objects.get(kind="outreach", source_id=row.pk).data["status"] == "sent"


def test_only_processed_webhooks_are_archived_and_their_body_is_kept_as_received():
    processed, _ = store_webhook("twilio", dedupe_key="a", headers={}, body="From=%2B573001")
    waiting, _ = store_webhook("twilio", dedupe_key="b", headers={}, body="From=%2B573002")
    WebhookEvent.objects.filter(pk=processed.pk).update(
        received_at=OLD, processed_at=OLD, outcome="ok"
    )
    WebhookEvent.objects.filter(pk=waiting.pk).update(received_at=OLD)

    report = _run()

    assert report.moved["webhook"] == 1
    assert list(WebhookEvent.objects.values_list("pk", flat=True)) == [waiting.pk]
    record = ArchivedRecord.objects.get(kind="webhook")
    assert record.text == "From=%2B573001"
    assert record.record_class == "transport"
    assert record.data["outcome"] == "ok"


def test_audit_events_about_money_are_accounting_records_of_the_creditors_country():
    creditor = make_creditor(country="MX", default_currency="MXN")
    row = make_outreach()
    payment = build_event("payment_recorded", creditor_id=creditor.pk, actor="api:k")
    opt_out = build_event(
        "opt_out", creditor_id=creditor.pk, debtor_id=row.debtor_id, actor="webhook"
    )
    AuditEvent.objects.bulk_create([payment, opt_out])
    AuditEvent.objects.update(created_at=OLD)

    _run()

    classes = dict(ArchivedRecord.objects.filter(kind="audit").values_list("data__kind", "country"))
    assert classes == {"payment_recorded": "MX", "opt_out": "CO"}
    assert set(
        ArchivedRecord.objects.filter(kind="audit").values_list("data__kind", "record_class")
    ) == {("payment_recorded", "accounting"), ("opt_out", "contact")}
    assert not AuditEvent.objects.exists()


def _archived(country: str, record_class: str, when: datetime, source_id: int) -> None:
    archive.ensure_partitions([when])
    ArchivedRecord.objects.create(
        kind="audit",
        source_id=source_id,
        country=country,
        record_class=record_class,
        occurred_at=when,
        archived_at=when,
    )


def test_the_archive_keeps_each_record_for_its_countrys_retention_and_no_longer():
    three_years_ago = NOW - timedelta(days=3 * 366)
    _archived("CL", "contact", three_years_ago, 1)  # Chile: 2 years
    _archived("CO", "contact", three_years_ago, 2)  # Colombia: 10 years
    _archived("US", "accounting", three_years_ago, 3)  # United States: 7 years
    _archived("US", "contact", three_years_ago, 4)  # Regulation F: 3 years
    _archived("", "transport", NOW - timedelta(days=731), 5)  # the webhook setting: 730 days
    _archived("", "transport", NOW - timedelta(days=729), 6)

    report = _run()

    assert report.purged["audit"] == 3
    assert sorted(ArchivedRecord.objects.values_list("source_id", flat=True)) == [2, 3, 6]


def test_a_dry_run_counts_and_changes_nothing():
    row = _aged(make_outreach(), OLD)
    _archived("CL", "contact", NOW - timedelta(days=3 * 366), 1)

    report = _run(dry_run=True)

    assert report.moved["outreach"] == 1
    assert report.purged["audit"] == 1
    assert Outreach.objects.filter(pk=row.pk).exists()
    assert ArchivedRecord.objects.count() == 1


def test_the_command_prints_what_it_moved(capsys):
    _aged(make_outreach(), datetime(2020, 1, 10, tzinfo=UTC))

    call_command("archive", "--older-than-months", "6", "--batch-size", "10")

    out = capsys.readouterr().out
    assert "outreach: 1" in out
    assert Outreach.objects.count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")
def test_on_postgresql_each_month_gets_its_partition_and_an_emptied_past_one_is_dropped():
    creditor = make_creditor(country="CL", default_currency="CLP")
    january = datetime(2024, 1, 20, tzinfo=UTC)
    november = datetime(2026, 11, 5, tzinfo=UTC)
    row = _aged(make_outreach(creditor), november)
    _archived("CL", "contact", january, 1)
    assert archive.partition_name(january) in archive.partitions()

    report = _run()

    assert archive.partition_name(november) in archive.partitions()
    assert archive.partition_name(january) in report.partitions_dropped
    assert archive.partition_name(january) not in archive.partitions()
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT source_id FROM "{archive.partition_name(november)}"')
        assert cursor.fetchall() == [(row.pk,)]
    assert ArchivedRecord.objects.count() == 1


def test_an_archive_process_killed_mid_batch_loses_nothing_and_copies_nothing(tmp_path):
    creditor = make_creditor()
    rows = [_aged(make_outreach(creditor), OLD) for _ in range(3)]
    flag = tmp_path / "copied"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.workers.archive_batch",
            str(flag),
            NOW.isoformat(),
            "6",
            "2",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not flag.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert flag.exists(), process.stderr.read() if process.poll() is not None else "no flag"

    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    assert Outreach.objects.count() == 3
    assert ArchivedRecord.objects.count() == 0
    _run()
    assert sorted(ArchivedRecord.objects.values_list("source_id", flat=True)) == sorted(
        row.pk for row in rows
    )
    assert Outreach.objects.count() == 0


def test_an_archived_messages_token_goes_once_its_debtors_link_is_dead_and_a_live_one_stays(
    client,
):
    from recaudo.payments.links import find_link, message_tokens
    from recaudo.payments.models import MessageLink, PaymentLink

    creditor = make_creditor()
    dead_message = _aged(make_outreach(creditor), OLD)
    live_message = _aged(make_outreach(creditor), OLD)
    kept_message = _aged(make_outreach(creditor), RECENT)

    def link_of(message, expires_at):
        return PaymentLink.objects.create(
            creditor=creditor, debtor_id=message.debtor_id, token=f"t-{message.pk}",
            expires_at=expires_at,
        )  # fmt: skip

    dead = link_of(dead_message, OLD + timedelta(days=30))  # dead long before the cut-off
    live = link_of(live_message, NOW + timedelta(days=30))  # a long-lived link: still opens
    kept = link_of(kept_message, OLD + timedelta(days=30))  # its message is not archived
    tokens = message_tokens(
        {dead_message.pk: dead.token, live_message.pk: live.token, kept_message.pk: kept.token}
    )

    dry = _run(dry_run=True)
    report = _run()

    assert (dry.purged["message_link"], report.purged["message_link"]) == (1, 1)
    assert set(MessageLink.objects.values_list("outreach_id", flat=True)) == {
        live_message.pk,
        kept_message.pk,
    }
    assert find_link(tokens[dead_message.pk]) is None
    assert client.get(f"/p/{tokens[dead_message.pk]}").status_code == 404
    opened = find_link(tokens[live_message.pk])
    assert opened is not None and opened.pk == live.pk
    assert client.get(f"/p/{tokens[live_message.pk]}").status_code == 200
