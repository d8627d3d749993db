"""Two deliverer processes against PostgreSQL: each event once, in order per debtor."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

import pytest
from django.db import connection, transaction

from recaudo.integrations.actions import create_endpoint
from recaudo.integrations.models import Delivery
from recaudo.portfolio.outbound import EventType, emit
from recaudo.sandbox.receiver import Receiver
from tests.factories import make_creditor, make_debtor
from tests.helpers import ROOT, database_url

pytestmark = pytest.mark.skipif(
    "postgresql" not in connection.settings_dict["ENGINE"], reason="claims need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_deliver_each_event_once_and_in_order_per_debtor(settings):
    settings.WEBHOOKS_OUT_ALLOW_HTTP = True
    creditor = make_creditor()
    debtors = [make_debtor(creditor) for _ in range(40)]
    with Receiver() as receiver:
        endpoint, receiver.secret = create_endpoint(creditor, name="ERP", url=receiver.url)
        for round_ in range(10):
            with transaction.atomic():
                for debtor in debtors:
                    emit(
                        EventType.CONTACT_SENT, creditor_id=creditor.pk, debtor_id=debtor.pk,
                        data={"round": round_},
                    )  # fmt: skip
        environment = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "WEBHOOKS_OUT_BATCH_SIZE": "7",
            "WEBHOOKS_OUT_CHAIN": "3",
        }
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "recaudo.cli",
                    "events",
                    "deliver",
                    "--until-idle",
                    "--name",
                    f"w{number}",
                ],
                cwd=ROOT,
                env=environment,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for number in (1, 2)
        ]
        outputs = [worker.communicate(timeout=120) for worker in workers]
        # One may stop idle while the other still holds claims: finish what is left.
        leftover = subprocess.run(
            [sys.executable, "-m", "recaudo.cli", "events", "deliver", "--until-idle"],
            cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    assert [worker.returncode for worker in workers] == [0, 0], outputs
    assert leftover.returncode == 0, leftover.stderr
    assert Delivery.objects.exclude(status="delivered").count() == 0
    received = receiver.accepted()
    assert all(item.signed for item in received)
    assert len(received) == 400
    assert Counter(item.event_id for item in received).most_common(1)[0][1] == 1
    for debtor in debtors:
        sequences = [item.sequence for item in received if item.debtor == debtor.external_id]
        assert sequences == list(range(1, 11))
    # Both processes took part.
    delivered_by = [output[0] for output in outputs]
    assert all("delivered" in text for text in delivered_by), delivered_by
    assert endpoint.pk


@pytest.mark.django_db(transaction=True)
def test_a_second_transaction_on_the_same_debtor_waits_and_numbers_after_the_first_commits():
    import threading

    from django.db import connections

    from recaudo.integrations.models import Endpoint, Event

    creditor = make_creditor()
    debtor = make_debtor(creditor)
    Endpoint.objects.create(creditor=creditor, name="ERP", url="https://e.example/h", secret="s")
    first_in, release = threading.Event(), threading.Event()
    finished: list[str] = []

    def first() -> None:
        with transaction.atomic():
            emit(
                EventType.CONTACT_SENT, creditor_id=creditor.pk, debtor_id=debtor.pk, data={"n": 1}
            )
            first_in.set()
            release.wait(10)
        finished.append("first")
        connections.close_all()

    def second() -> None:
        with transaction.atomic():
            emit(
                EventType.CONTACT_SENT, creditor_id=creditor.pk, debtor_id=debtor.pk, data={"n": 2}
            )
        finished.append("second")
        connections.close_all()

    one = threading.Thread(target=first)
    one.start()
    first_in.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)
    blocked = two.is_alive()
    release.set()
    one.join(10)
    two.join(10)

    assert blocked  # it waited on the debtor's stream row
    assert finished == ["first", "second"]
    assert list(Event.objects.order_by("sequence").values_list("payload__n", "sequence")) == [
        (1, 1),
        (2, 2),
    ]
