"""The conversation's record holds each reminder as it left, from the live outbox only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from recaudo.conversations.models import Thread
from recaudo.conversations.timeline import as_csv, timeline
from recaudo.outreach.models import Outreach
from recaudo.privacy import archive
from recaudo.privacy.models import ArchivedRecord
from tests.delivery.test_provider_events import make_outreach

pytestmark = pytest.mark.django_db

SENT = "Hola Ana, tu saldo de $120.000 venció el 1 de noviembre. Paga aquí: https://x/p/abc"


def test_a_sent_reminder_is_in_the_record_exactly_as_it_left():
    reminder = make_outreach()
    Outreach.objects.filter(pk=reminder.pk).update(sent_text=SENT)
    thread = Thread.objects.create(creditor=reminder.creditor, debtor=reminder.debtor)

    [entry] = timeline(thread)

    assert (entry.kind, entry.text, entry.status) == ("outreach", SENT, "sent")
    assert SENT in as_csv(thread)


def test_a_reminder_the_archive_job_moved_out_of_the_outbox_is_no_longer_in_the_record():
    reminder = make_outreach()
    old = datetime(2025, 1, 1, tzinfo=UTC)
    Outreach.objects.filter(pk=reminder.pk).update(
        sent_text=SENT, created_at=old, updated_at=old, window_start=old,
        window_end=datetime(2025, 1, 2, tzinfo=UTC),
    )  # fmt: skip
    thread = Thread.objects.create(creditor=reminder.creditor, debtor=reminder.debtor)

    archive.run(now=timezone.now(), months=6, batch_size=10)

    assert ArchivedRecord.objects.get(kind="outreach").data["sent_text"] == SENT
    assert timeline(thread) == []
