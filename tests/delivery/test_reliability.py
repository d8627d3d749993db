"""The dispatcher's promises with real processes: workers, the sandbox, PostgreSQL.

Each test starts the provider sandbox (``recaudo sandbox``) and several
``recaudo worker`` processes against the test database, then checks what the
sandbox received: every planned contact at most once, nothing the country's
rules refuse, nothing about a debt after its payment committed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from recaudo.compliance.rules import PastContact, check_contact
from recaudo.compliance.store import pack_for
from recaudo.outreach.models import Outreach
from recaudo.outreach.planner import plan
from recaudo.payments.actions import settle_payment
from recaudo.portfolio.actions import record_payment
from recaudo.portfolio.models import ChannelConsent, Creditor, Debt
from tests.factories import make_creditor, make_debt, make_debtor
from tests.helpers import ROOT, database_url, free_port

DAY = date(2026, 11, 24)  # a Tuesday
PLANNED_AT = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
SEND_AT = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # 10:00 in Mexico City
# Short, so the killed worker's rows come back quickly; long enough that a
# batch on a busy 2-core machine finishes well within it.
LEASE_SECONDS = 8

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.skipif(
        "postgres" not in os.environ.get("DATABASE_URL", ""),
        reason="several workers on one queue need PostgreSQL (SKIP LOCKED, shared limits)",
    ),
]


class Sandbox:
    def __init__(self, *extra: str) -> None:
        self.port, self.smtp_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.environment = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "SANDBOX_URL": self.url,
            "SMTP_PORT": str(self.smtp_port),
            "DISPATCH_LEASE_SECONDS": str(LEASE_SECONDS),
            "LOG_LEVEL": "WARNING",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "recaudo.cli", "sandbox", "--port", str(self.port),
             "--smtp-port", str(self.smtp_port), "--no-webhooks", "--seed", "7", *extra],
            cwd=ROOT, env=self.environment,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/_sandbox/health", timeout=0.5)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the sandbox did not start")

    def messages_to(self, address: str) -> list[dict]:
        answer = httpx.get(f"{self.url}/_sandbox/messages", params={"address": address}, timeout=5)
        return answer.json()["messages"]

    def worker(
        self, name: str, *extra: str, at: datetime = SEND_AT, crash_at: str = ""
    ) -> subprocess.Popen[str]:
        return subprocess.Popen(
            # --skip-checks: the test settings keep the sandbox's public secrets.
            [sys.executable, "-m", "recaudo.cli", "worker", "--skip-checks", "--no-planning",
             "--until-idle", "--at", at.isoformat(), "--name", name, "--batch-size", "10", *extra],
            cwd=ROOT, env={**self.environment, "DISPATCH_CRASH_AT": crash_at},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def sandbox():
    server = Sandbox("--no-pair-limit")
    yield server
    server.stop()


def _portfolio(debtors: int, *, second_debt_every: int | None = 3) -> Creditor:
    creditor = make_creditor(country="MX", default_currency="MXN")
    for number in range(debtors):
        debtor = make_debtor(
            creditor,
            phone=f"+52551{number:07d}",
            country="MX",
            timezone="America/Mexico_City",
        )
        ChannelConsent.objects.create(
            contact_point=debtor.contact_points.get(),
            channel="whatsapp",
            source="contrato",
            granted_at=PLANNED_AT,
        )
        make_debt(debtor, "1200.00", due_on=DAY + timedelta(days=7))
        if second_debt_every and number % second_debt_every == 0:
            # A second step the same day: the rules must space the contacts.
            make_debt(debtor, "800.00", due_on=DAY - timedelta(days=1))
    plan(DAY, now=PLANNED_AT)
    return creditor


def _wait(workers: list[subprocess.Popen[str]], timeout: float = 120) -> None:
    for process in workers:
        _out, errors = process.communicate(timeout=timeout)
        assert process.returncode in (0, -signal.SIGKILL), errors


def _received(sandbox: Sandbox) -> Counter[str]:
    """Messages the sandbox accepted, per phone."""
    counts: Counter[str] = Counter()
    for phone in {o.contact_point.value for o in Outreach.objects.select_related("contact_point")}:
        counts[phone] = len(sandbox.messages_to(phone))
    return counts


def _rule_violations() -> list[str]:
    rows = list(Outreach.objects.filter(status="sent").select_related("debtor").order_by("sent_at"))
    by_debtor: dict[int, list[Outreach]] = defaultdict(list)
    for row in rows:
        by_debtor[row.debtor_id].append(row)
    problems = []
    for row in rows:
        history = [
            PastContact(other.channel, other.sent_at)
            for other in by_debtor[row.debtor_id]
            if other.pk != row.pk
        ]
        pack = pack_for(row.creditor_id, row.debtor.country)
        decision = check_contact(
            pack, timezone=row.debtor.timezone, channel=row.channel, at=row.sent_at,
            history=history,
        )  # fmt: skip
        if not decision.allowed:
            problems.append(f"outreach {row.pk}: {decision.reasons}")
    return problems


def test_four_workers_on_one_queue_send_each_contact_once_within_the_rules(sandbox):
    _portfolio(60)
    planned = Outreach.objects.count()
    assert planned == 80

    _wait([sandbox.worker(f"w{n}") for n in range(4)])

    sent = Outreach.objects.filter(status="sent")
    assert Outreach.objects.filter(status__in=["sending", "unknown"]).count() == 0
    received = _received(sandbox)
    per_phone = Counter(o.contact_point.value for o in sent.select_related("contact_point"))
    assert received == per_phone
    assert sum(received.values()) == sent.count() >= 60
    assert _rule_violations() == []
    # Every row was claimed by exactly one worker and sent once.
    assert len(set(sent.values_list("provider_message_id", flat=True))) == sent.count()


# settle_payment (portal, provider webhooks) also cancels at once; record_payment (file
# import, API) leaves the rows to the dispatcher's locked re-check: neither may send.
@pytest.mark.parametrize("record", [settle_payment, record_payment], ids=["settle", "record"])
def test_nothing_is_sent_about_a_debt_after_its_payment_committed(sandbox, record):
    creditor = _portfolio(60, second_debt_every=None)
    debts = list(Debt.objects.filter(creditor=creditor).select_related("debtor").order_by("id"))
    workers = [sandbox.worker(f"w{n}") for n in range(2)]
    paid_at: dict[int, datetime] = {}
    for debt in debts[::2]:
        record(
            creditor=creditor,
            debtor=debt.debtor,
            external_id=f"PAY-{debt.pk}",
            amount=debt.amount,
            currency=debt.currency,
            paid_at=SEND_AT,
            actor="test",
        )
        paid_at[debt.debtor_id] = datetime.now(UTC)  # committed by now
    _wait(workers)

    for debtor_id, committed in paid_at.items():
        # The payment's own thank-you (a notice the payment queued) may follow it.
        collection = Outreach.objects.filter(debtor_id=debtor_id).exclude(action="notice")
        assert set(
            Outreach.objects.filter(debtor_id=debtor_id, action="notice").values_list(
                "template_key", flat=True
            )
        ) <= {"payment_thanks", "paid_in_full"}
        for row in collection:
            if row.status == "sent":
                # Its send-started mark was committed under the debtor's lock,
                # which the payment waited for: the send came first.
                assert row.send_started_at <= committed, row.pk
            else:
                assert row.status == "cancelled", (row.pk, row.status)
    received = _received(sandbox)
    sent = Counter(
        o.contact_point.value for o in Outreach.objects.filter(status="sent")
        .select_related("contact_point")
    )  # fmt: skip
    assert received == sent


def test_a_worker_killed_mid_batch_causes_no_duplicate_and_the_others_send_the_rest(sandbox):
    _portfolio(150, second_debt_every=None)
    started = time.monotonic()
    victim = sandbox.worker("victim", "--batch-size", "50")
    deadline = time.monotonic() + 60
    while Outreach.objects.filter(status="sent").count() < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    time.sleep(LEASE_SECONDS + 0.5)  # its lease expires

    # The others' clocks run on from the victim's: its leases have expired.
    now = SEND_AT + timedelta(seconds=time.monotonic() - started)
    _wait([sandbox.worker(f"w{n}", at=now) for n in range(2)])

    statuses = Counter(Outreach.objects.values_list("status", flat=True))
    assert set(statuses) <= {"sent", "unknown"}, statuses
    received = _received(sandbox)
    assert max(received.values()) == 1  # no phone got anything twice
    # Rows the victim never handed to the provider were sent by the others;
    # only rows it had started may be unknown (for the status webhooks).
    unknown = Outreach.objects.filter(status="unknown")
    assert all(row.send_started_at is not None for row in unknown)
    assert all(row.claimed_by.split("/")[0] == "victim" for row in unknown)  # any of its lanes
    assert sum(received.values()) >= statuses["sent"]


def test_a_provider_refusing_for_a_while_gets_everything_once_it_recovers(sandbox):
    _portfolio(30, second_debt_every=None)
    # Two messages a second for the business number: most sends get 130429.
    httpx.post(f"{sandbox.url}/_sandbox/config", json={"whatsapp_mps": 2}, timeout=5)
    first = sandbox.worker("w1")
    time.sleep(2)
    httpx.post(f"{sandbox.url}/_sandbox/config", json={"whatsapp_mps": 1000}, timeout=5)
    _wait([first])
    retried = Outreach.objects.filter(status="planned", next_attempt_at__isnull=False)
    # Later retries (backoff) are picked up by a worker whose clock has moved on.
    _wait([sandbox.worker("w2", at=SEND_AT + timedelta(hours=2))])

    assert Outreach.objects.filter(status="sent").count() == 30, Counter(
        Outreach.objects.values_list("status", flat=True)
    )
    assert max(_received(sandbox).values()) == 1
    assert retried.count() == 0
    assert _rule_violations() == []


def test_a_provider_answering_500s_and_timeouts_sends_each_contact_at_most_once(sandbox):
    _portfolio(40, second_debt_every=None)
    sandbox.environment["PROVIDER_TIMEOUT_MS"] = "400"
    httpx.post(
        f"{sandbox.url}/_sandbox/config",
        json={"error_probability": 0.4, "slow_probability": 0.1, "slow_seconds": 1.0},
        timeout=5,
    )
    _wait([sandbox.worker("w1"), sandbox.worker("w2")])
    httpx.post(
        f"{sandbox.url}/_sandbox/config",
        json={"error_probability": 0.0, "slow_probability": 0.0},
        timeout=5,
    )
    # The 500s were retried with backoff: a worker whose clock has moved on sends them.
    _wait([sandbox.worker("w3", at=SEND_AT + timedelta(hours=3))])

    statuses = Counter(Outreach.objects.values_list("status", flat=True))
    received = _received(sandbox)
    assert set(statuses) <= {"sent", "unknown"}, statuses
    assert statuses["sent"] >= 30
    # Timed-out sends reached the sandbox once and were never repeated.
    assert max(received.values()) == 1
    assert sum(received.values()) == statuses["sent"] + statuses["unknown"]


# Every point of a batch where a worker can die: before anything is decided,
# after the decisions, after a message's send-started mark (before its
# request), after the provider answered (before the outcome is written), and
# after the batch's outcomes are written. Sending threads: 16; batch: 12.
CRASH_POINTS = [
    "claimed:1", "decided:1", "marked:1", "marked:7", "answered:1", "answered:12", "recorded:1",
]  # fmt: skip


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_a_worker_killed_at_any_point_of_a_batch_sends_each_contact_once_or_surfaces_it(
    sandbox, point
):
    _portfolio(12, second_debt_every=None)
    started = time.monotonic()
    victim = sandbox.worker("victim", "--batch-size", "12", "--lanes", "1", crash_at=point)
    victim.communicate(timeout=60)
    assert victim.returncode == -signal.SIGKILL, point
    time.sleep(LEASE_SECONDS + 0.5)  # its lease expires

    now = SEND_AT + timedelta(seconds=time.monotonic() - started)
    _wait([sandbox.worker("rescuer", at=now)])

    received = _received(sandbox)
    rows = list(Outreach.objects.select_related("contact_point"))
    assert len(rows) == 12
    for row in rows:
        got = received[row.contact_point.value]
        assert got <= 1, (point, row.pk)  # never twice
        if row.status == "sent":
            assert got == 1, (point, row.pk)
        else:
            # Surfaced for staff: the victim had started it, the answer is lost.
            assert row.status == "unknown", (point, row.pk, row.status)
            assert row.send_started_at is not None and row.claimed_by == "victim"
    unknown = sum(row.status == "unknown" for row in rows)
    if point.split(":")[0] in ("claimed", "decided", "recorded"):
        assert unknown == 0, point  # nothing had left, or everything was written
    elif point == "marked:1":
        assert unknown >= 1  # that one's request never left: unknown, not resent
