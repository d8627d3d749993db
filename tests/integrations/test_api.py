"""The read API: cursor pages stable under inserts, scoped to the key's creditor, clear errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from recaudo.integrations.models import Endpoint
from recaudo.payments.actions import make_promise
from recaudo.payments.links import live_link
from recaudo.payments.reports import report_debts
from recaudo.portfolio.apikeys import create_key
from recaudo.portfolio.outbound import EventType, emit
from tests.delivery.test_provider_events import make_outreach
from tests.factories import make_creditor, make_debtor

pytestmark = pytest.mark.django_db


def client_for(creditor) -> Client:
    key = create_key(creditor, "erp").key
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_event_pages_follow_the_cursor_and_rows_inserted_meanwhile_come_after(db):
    creditor = make_creditor()
    Endpoint.objects.create(creditor=creditor, name="ERP", url="https://e.example/h", secret="s")
    debtor = make_debtor(creditor)
    for number in range(5):
        emit(
            EventType.CONTACT_SENT, creditor_id=creditor.pk, debtor_id=debtor.pk, data={"n": number}
        )
    api = client_for(creditor)

    first = api.get("/api/v1/events", {"limit": 2}).json()
    for number in range(5, 7):  # written between two page reads
        emit(
            EventType.CONTACT_SENT, creditor_id=creditor.pk, debtor_id=debtor.pk, data={"n": number}
        )
    seen = [item["data"]["n"] for item in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = api.get("/api/v1/events", {"limit": 2, "cursor": cursor}).json()
        seen += [item["data"]["n"] for item in page["items"]]
        cursor = page["next_cursor"]

    assert seen == [0, 1, 2, 3, 4, 5, 6]
    assert first["items"][0]["type"] == "contact.sent"
    assert first["items"][0]["debtor"] == {"external_id": debtor.external_id}
    assert first["items"][1]["sequence"] == 2


def test_a_cursor_that_is_not_ours_is_a_422_naming_the_field(db):
    api = client_for(make_creditor())

    answer = api.get("/api/v1/promises", {"cursor": "bm90LWEtY3Vyc29y"})

    assert answer.status_code == 422
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["errors"] == [
        {"field": "cursor", "pointer": "#/cursor", "detail": "is not a next_cursor from this API"}
    ]


def test_a_limit_out_of_range_is_a_422(db):
    answer = client_for(make_creditor()).get("/api/v1/events", {"limit": 0})

    assert answer.status_code == 422


def test_without_a_key_the_read_api_answers_401(db):
    assert Client().get("/api/v1/outreach").status_code == 401


def test_each_list_shows_only_the_keys_creditor(debtor, frozen):
    other = make_creditor()
    other_debtor = make_debtor(other)
    for creditor, owner in ((debtor.creditor, debtor), (other, other_debtor)):
        Endpoint.objects.create(creditor=creditor, name="E", url="https://e.example", secret="s")
        emit(EventType.CONTACT_SENT, creditor_id=creditor.pk, debtor_id=owner.pk, data={})
    make_promise(live_link(debtor.pk), promised_on=date(2026, 12, 1), amount=Decimal("1000"))
    debt = debtor.debts.order_by("pk").first()
    report_debts(debtor, [debt.pk], kind="dispute", reason="No es mía", source="portal")
    mine = client_for(debtor.creditor)
    theirs = client_for(other)

    promises = mine.get("/api/v1/promises").json()["items"]
    disputes = mine.get("/api/v1/disputes").json()["items"]
    events = mine.get("/api/v1/events").json()["items"]

    assert [(p["debtor"], p["amount"], p["status"]) for p in promises] == [
        (debtor.external_id, "1000.0000", "pending")
    ]
    assert [(d["debt"], d["kind"], d["status"]) for d in disputes] == [
        (debt.external_id, "dispute", "pending")
    ]
    assert {e["debtor"]["external_id"] for e in events} == {debtor.external_id}
    for path in ("promises", "disputes", "plans", "requests", "conversations"):
        assert theirs.get(f"/api/v1/{path}").json()["items"] == []
    assert [e["debtor"]["external_id"] for e in theirs.get("/api/v1/events").json()["items"]] == [
        other_debtor.external_id
    ]


def test_outreach_lists_each_contact_with_its_status_and_filters_by_debtor(db):
    sent = make_outreach()
    other = make_outreach(creditor=sent.creditor)
    api = client_for(sent.creditor)

    everything = api.get("/api/v1/outreach").json()["items"]
    one = api.get("/api/v1/outreach", {"debtor": sent.debtor.external_id}).json()["items"]

    assert sorted(item["id"] for item in everything) == sorted([sent.pk, other.pk])
    assert [(item["id"], item["status"], item["channel"]) for item in one] == [
        (sent.pk, "sent", sent.channel)
    ]
    assert one[0]["sent_at"] is not None


def test_a_payment_pushed_through_the_api_is_reported_back_as_an_event(endpoint, debtor):
    api = client_for(debtor.creditor)

    answer = api.post(
        "/api/v1/payments",
        {"external_id": "BANK-77", "debtor_external_id": debtor.external_id,
         "amount": "5000", "paid_at": "2026-11-20"},
        content_type="application/json",
    )  # fmt: skip

    assert answer.status_code == 201, answer.content
    [event] = api.get("/api/v1/events").json()["items"]
    assert event["type"] == "payment.recorded"
    assert event["data"]["payment"]["external_id"] == "BANK-77"
