"""The worker's incremental folds give the same figures as a rebuild from history, count
nothing twice when run again, and leave a fold to the worker holding it."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, connections, transaction

from recaudo.insights import folds
from recaudo.insights.actions import fold_payments, fold_reversals, rebuild, refresh
from recaudo.insights.models import (
    Attribution,
    BalanceDay,
    CohortMonth,
    OutreachDay,
    RefusalDay,
    ResponseDay,
    RollMonth,
    Watermark,
)
from recaudo.payments.links import find_link, live_link, message_tokens, record_open
from tests.insights.portfolio import NOW, build

pytestmark = pytest.mark.django_db

DERIVED = (Attribution, OutreachDay, ResponseDay, RefusalDay, BalanceDay, CohortMonth, RollMonth)


def contents() -> dict[str, list[tuple]]:
    found = {}
    for model in DERIVED:
        names = [f.attname for f in model._meta.fields if f.attname != "id"]
        found[model.__name__] = sorted(
            tuple(str(value) for value in row) for row in model.objects.values_list(*names)
        )
    return found


def test_folding_one_row_at_a_time_gives_what_a_rebuild_gives(monkeypatch, settings):
    settings.INSIGHTS = {"recount_days": 15}
    build()
    monkeypatch.setattr(folds, "BATCH", 1)
    with time_machine.travel(NOW, tick=False):
        refresh(NOW)
        refresh(NOW)  # again: nothing new, nothing counted twice
        incremental = contents()
        rebuild(NOW)
        rebuilt = contents()

    assert incremental == rebuilt
    assert len(rebuilt["Attribution"]) == 2
    assert len(rebuilt["RollMonth"]) == 4


def test_a_payment_arriving_after_a_refresh_is_folded_by_the_next_one(settings):
    settings.INSIGHTS = {"recount_days": 15}
    build()
    with time_machine.travel(NOW, tick=False):
        refresh(NOW)
    Attribution.objects.filter(paid_at__date="2026-11-18").delete()
    Watermark.objects.filter(name="payments").update(position=0)
    ResponseDay.objects.update(
        paid_7=0, paid_30=0, credited=0, amount_7=0, amount_30=0, amount_credited=0
    )
    with time_machine.travel(NOW, tick=False):
        refresh(NOW)
        once = contents()
        rebuild(NOW)
    assert once == contents()


@pytest.mark.django_db(transaction=True)
def test_a_fold_held_by_another_worker_is_skipped_then_done_once():
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED between two connections needs PostgreSQL")
    build()
    # The watermark rows, committed, as the migration makes them: an earlier test's
    # flush removes them, and then both workers would race to insert one.
    for name in folds.WATERMARKS:
        Watermark.objects.get_or_create(name=name)
    holding, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                assert folds.lock("payments") is not None
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert holding.wait(10)
    with time_machine.travel(NOW, tick=False):
        skipped = fold_payments(NOW)
        release.set()
        thread.join()
        done = fold_payments(NOW)
        again = fold_payments(NOW)

    assert (skipped, done, again) == (0, 3, 0)
    assert Attribution.objects.count() == 2


def test_a_row_newer_than_the_settling_lag_waits_and_so_do_the_ids_after_it(settings):
    settings.INSIGHTS = {"recount_days": 15}
    book = build()
    with time_machine.travel(NOW, tick=False):
        refresh(NOW)
    opened_before = sum(ResponseDay.objects.values_list("opened", flat=True))
    tokens = message_tokens(
        {
            book.messages[name].pk: live_link(book.messages[name].debtor_id).token
            for name in ("m1", "m2")
        }
    )
    # The first opening carries a time ten minutes ahead (its clock), the second is on time.
    for name, moment in (("m1", NOW + timedelta(minutes=10)), ("m2", NOW + timedelta(minutes=1))):
        with time_machine.travel(moment, tick=False):
            record_open(find_link(tokens[book.messages[name].pk]), "phone")

    refresh(NOW + timedelta(minutes=3))
    waiting = sum(ResponseDay.objects.values_list("opened", flat=True))
    refresh(NOW + timedelta(minutes=12))
    folded = sum(ResponseDay.objects.values_list("opened", flat=True))

    assert (waiting, folded) == (opened_before, opened_before + 2)


def _reverse(book, reference: str, moment) -> None:
    from recaudo.portfolio.actions import reverse_payment
    from recaudo.portfolio.models import Payment

    with time_machine.travel(moment, tick=False):
        payment = Payment.objects.get(creditor=book.creditor, external_id=reference)
        assert reverse_payment(payment, reason="chargeback", actor="test")


def test_a_payment_reversed_ten_days_later_leaves_the_figures_as_a_rebuild_does(settings):
    settings.INSIGHTS = {"recount_days": 15}
    book = build()
    with time_machine.travel(NOW, tick=False):
        refresh(NOW)
    before = contents()
    # Ten days on, the messages' days are out of the recount window: only the fold reaches them.
    settings.INSIGHTS = {"recount_days": 3}
    later = NOW + timedelta(days=10)
    # P-B (50,000 on 18 Nov, credited to m3, allocated to b1 placed in October).
    _reverse(book, "P-B", later)
    with time_machine.travel(later + timedelta(minutes=2), tick=False):
        refresh(later + timedelta(minutes=2))
        refresh(later + timedelta(minutes=2))  # again: nothing taken off twice
        incremental = contents()
        rebuild(later + timedelta(minutes=2))
        rebuilt = contents()

    assert incremental == rebuilt
    assert len(before["Attribution"]) == 2
    assert sorted(Attribution.objects.values_list("amount", flat=True)) == [Decimal("100000.00")]
    m3 = ResponseDay.objects.get(day="2026-11-10", channel="whatsapp")
    assert (m3.paid_7, m3.paid_30, m3.credited, m3.amount_credited) == (0, 0, 0, 0)
    # October's cohort recovered 100,000 (P-A) and 100,000 (P-D) in November; P-B is gone.
    october = CohortMonth.objects.get(cohort="2026-10-01", months_after=1)
    assert october.recovered == Decimal("200000.00")
    assert Watermark.objects.get(name="reversals").position > 0


def test_a_payment_reversed_before_it_was_folded_is_never_counted(settings):
    settings.INSIGHTS = {"recount_days": 15}
    book = build()
    _reverse(book, "P-B", NOW - timedelta(minutes=5))
    with time_machine.travel(NOW, tick=False):
        refresh(NOW)
        incremental = contents()
        rebuild(NOW)
        rebuilt = contents()

    assert incremental == rebuilt
    assert sorted(Attribution.objects.values_list("amount", flat=True)) == [Decimal("100000.00")]
    assert CohortMonth.objects.get(cohort="2026-10-01", months_after=1).recovered == Decimal(
        "200000.00"
    )


def test_a_reversal_waits_for_its_payments_fold_then_is_taken_off_once(settings):
    settings.INSIGHTS = {"recount_days": 15}
    book = build()
    with time_machine.travel(NOW, tick=False):
        refresh(NOW)
    later = NOW + timedelta(days=10)
    _reverse(book, "P-B", later)
    # The payments' watermark held back (as if its fold had not reached P-B yet).
    Watermark.objects.filter(name="payments").update(position=0)
    Attribution.objects.all().delete()
    ResponseDay.objects.update(
        paid_7=0, paid_30=0, credited=0, amount_7=0, amount_30=0, amount_credited=0
    )
    with time_machine.travel(later + timedelta(minutes=2), tick=False):
        waited = fold_reversals(later + timedelta(minutes=2))
        refresh(later + timedelta(minutes=2))
        incremental = contents()
        rebuild(later + timedelta(minutes=2))

    assert waited == 0
    assert incremental == contents()
    assert Attribution.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_reversal_fold_held_by_another_worker_is_skipped_then_done_once(settings):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED between two connections needs PostgreSQL")
    settings.INSIGHTS = {"recount_days": 3}
    book = build()
    for name in folds.WATERMARKS:
        Watermark.objects.get_or_create(name=name)
    with time_machine.travel(NOW, tick=False):
        refresh(NOW)
    later = NOW + timedelta(days=10, minutes=2)
    _reverse(book, "P-B", NOW + timedelta(days=10))
    holding, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                assert folds.lock("reversals") is not None
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert holding.wait(10)
    with time_machine.travel(later, tick=False):
        skipped = fold_reversals(later)
        release.set()
        thread.join()
        done = fold_reversals(later)
        again = fold_reversals(later)

    assert (skipped, done, again) == (0, 1, 0)
    assert Attribution.objects.count() == 1
    assert CohortMonth.objects.get(cohort="2026-10-01", months_after=1).recovered == Decimal(
        "200000.00"
    )
