"""The REST API under /api/v1: keys, upserts, bulk, payments, isolation, errors."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client, override_settings

from recaudo.portfolio.api import money
from recaudo.portfolio.apikeys import create_key, revoke_key
from recaudo.portfolio.models import (
    AuditEvent,
    ChannelConsent,
    ContactPoint,
    Debt,
    Debtor,
    IdempotencyRecord,
    Payment,
    PaymentAllocation,
)
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture
def key(creditor) -> str:
    return create_key(creditor, "ERP").key


@pytest.fixture
def api(key) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def other_creditor():
    return make_creditor(country="MX", default_currency="MXN")


@pytest.fixture
def other_api(other_creditor) -> Client:
    return Client(headers={"Authorization": f"Bearer {create_key(other_creditor, 'CRM').key}"})


def put(client: Client, path: str, body: Any, **headers: str):
    return client.put(f"/api/v1{path}", body, content_type="application/json", headers=headers)


def post(client: Client, path: str, body: Any, **headers: str):
    return client.post(f"/api/v1{path}", body, content_type="application/json", headers=headers)


def get(client: Client, path: str, **query: Any):
    return client.get(f"/api/v1{path}", query)


def without_times(body: Any) -> Any:
    """The body with each timestamp checked as ISO 8601 and replaced by '<time>'."""
    if isinstance(body, list):
        return [without_times(item) for item in body]
    if isinstance(body, dict):
        result = {}
        for name, value in body.items():
            if name in ("created_at", "updated_at", "granted_at") and value is not None:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
                result[name] = "<time>"
            else:
                result[name] = without_times(value)
        return result
    return body


def assert_problem(response, status: int, errors: list[dict[str, str]] | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["type"] and body["title"] and body["detail"]
    if errors is not None:
        assert body["errors"] == errors
    return body


def nothing_written() -> bool:
    return not (
        Debtor.objects.exists() or Debt.objects.exists() or Payment.objects.exists()
        or AuditEvent.objects.exists() or IdempotencyRecord.objects.exists()
    )


MARIA = {
    "full_name": "María José Pérez Gómez",
    "phone": "300 123 4567",
    "email": "maria@ejemplo.example",
    "whatsapp_opt_in": True,
    "tags": ["VIP", "norte"],
}


def debt_body(**overrides: Any) -> dict[str, Any]:
    return {
        "debtor_external_id": "C-1", "amount": "125000.50", "currency": "COP",
        "issued_on": "2026-10-01", "due_on": "2026-11-01", "invoice_number": "FAC-001",
        **overrides,
    }


# --- authentication ------------------------------------------------------------------


def test_a_request_without_a_key_gets_401_problem_details_and_writes_nothing(creditor):
    response = put(Client(), "/debtors/C-1", MARIA)

    body = assert_problem(response, 401)
    assert body["detail"] == (
        "Send an API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'."
    )
    assert response["WWW-Authenticate"] == 'Bearer realm="recaudo"'
    assert nothing_written()


def test_an_unknown_key_gets_401_and_writes_nothing(creditor, key):
    forged = key[:-4] + "AAAA"
    for headers in ({"Authorization": f"Bearer {forged}"}, {"X-API-Key": "rk_nope_secret"}):
        response = put(Client(headers=headers), "/debtors/C-1", MARIA)
        body = assert_problem(response, 401)
        assert body["detail"] == "The API key is not valid or was revoked."
    assert nothing_written()


def test_a_revoked_key_gets_401_and_writes_nothing(creditor):
    new = create_key(creditor, "old ERP")
    revoke_key(new.api_key.prefix)

    response = post(
        Client(headers={"Authorization": f"Bearer {new.key}"}), "/debtors/bulk",
        {"items": [{"debtor_external_id": "C-1", "full_name": "Ana"}]},
    )

    assert_problem(response, 401)
    assert nothing_written()


def test_the_key_is_also_accepted_in_the_x_api_key_header(creditor, key):
    response = put(Client(headers={"X-API-Key": key}), "/debtors/C-1", MARIA)

    assert response.status_code == 201
    assert Debtor.objects.get().creditor == creditor


# --- debtors -------------------------------------------------------------------------


def test_put_debtor_creates_it_with_contact_points_and_consents(api, key, creditor):
    response = put(api, "/debtors/C-1", MARIA)

    assert response.status_code == 201
    assert response["Recaudo-Outcome"] == "created"
    prefix = key.split("_")[1]
    assert without_times(response.json()) == {
        "external_id": "C-1",
        "kind": "person",
        "full_name": "María José Pérez Gómez",
        "first_name": "María",
        "national_id_type": "",
        "national_id_number": "",
        "country": "CO",
        "timezone": "America/Bogota",
        "region": "",
        "language": "es",
        "tags": ["norte", "vip"],
        "contact_points": [
            {
                "kind": "phone", "value": "+573001234567",
                "channels": ["whatsapp", "sms", "rcs", "call"], "preferred": False,
                "opted_out_at": None, "invalid_since": None, "invalid_reason": "",
                "consents": [
                    {"channel": "whatsapp", "source": f"api:{prefix}", "granted_at": "<time>",
                     "revoked_at": None},
                ],
            },
            {
                "kind": "email", "value": "maria@ejemplo.example", "channels": ["email"],
                "preferred": False, "opted_out_at": None, "invalid_since": None,
                "invalid_reason": "", "consents": [],
            },
        ],
        "created_at": "<time>",
        "updated_at": "<time>",
    }
    debtor = Debtor.objects.get(creditor=creditor, external_id="C-1")
    assert list(AuditEvent.objects.values_list("kind", "debtor_id", "actor")) == [
        ("debtor_created", debtor.pk, f"api:{prefix}")
    ]


@pytest.mark.parametrize("country", ["ZZ", "EU", "QO", "UN"])
def test_a_debtor_in_a_country_iso_has_not_assigned_is_refused_naming_the_field(api, country):
    response = put(api, "/debtors/C-1", {**MARIA, "phone": "+573001234567", "country": country})

    body = assert_problem(response, 422)
    assert [(error["field"], error["detail"]) for error in body["errors"]] == [
        ("country", f"'{country}' is not an assigned ISO 3166-1 country code (e.g. CO, MX)")
    ]
    assert nothing_written()


def test_an_identical_put_of_a_debtor_is_unchanged_and_writes_nothing_new(api):
    first = put(api, "/debtors/C-1", MARIA)
    debtor = Debtor.objects.get()

    again = put(api, "/debtors/C-1", MARIA)

    assert again.status_code == 200
    assert again["Recaudo-Outcome"] == "unchanged"
    assert again.json() == first.json()
    assert Debtor.objects.get().updated_at == debtor.updated_at
    assert AuditEvent.objects.count() == 1
    assert (ContactPoint.objects.count(), ChannelConsent.objects.count()) == (2, 1)


def test_a_put_with_changed_fields_updates_the_debtor(api):
    put(api, "/debtors/C-1", MARIA)

    response = put(api, "/debtors/C-1", {**MARIA, "full_name": "María José Pérez de Gómez"})

    assert response.status_code == 200
    assert response["Recaudo-Outcome"] == "updated"
    assert response.json()["full_name"] == "María José Pérez de Gómez"
    assert Debtor.objects.get().full_name == "María José Pérez de Gómez"
    assert list(AuditEvent.objects.order_by("id").values_list("kind", flat=True)) == [
        "debtor_created", "debtor_updated",
    ]


def test_a_debtor_with_several_bad_fields_gets_every_one_named_and_nothing_written(api):
    response = put(
        api, "/debtors/C-1",
        {"full_name": "Ana", "kind": "alien", "phone": "12", "email": "not-an-email",
         "consent": "fax"},
    )

    assert_problem(response, 422, [
        {"field": "kind", "pointer": "#/kind", "detail": "'alien' is not person or company"},
        {"field": "phone", "pointer": "#/phone", "detail": "'12' is not a valid phone number"},
        {"field": "email", "pointer": "#/email",
         "detail": "'not-an-email' is not a valid email address"},
        {"field": "consent", "pointer": "#/consent",
         "detail": "'fax' is not a channel (call, email, rcs, sms, whatsapp)"},
    ])
    assert nothing_written()


def test_an_unknown_field_is_named_as_unknown(api):
    response = put(api, "/debtors/C-1", {"full_name": "Ana", "fullname": "Ana B"})

    assert_problem(response, 422, [
        {"field": "fullname", "pointer": "#/fullname", "detail": "is not a known field"},
    ])
    assert nothing_written()


def test_a_put_whose_body_names_another_id_than_the_url_is_refused(api):
    response = put(api, "/debtors/C-1", {**MARIA, "debtor_external_id": "C-2"})

    assert_problem(response, 422, [
        {"field": "debtor_external_id", "pointer": "#/debtor_external_id",
         "detail": "'C-2' differs from 'C-1' in the URL"},
    ])
    assert nothing_written()


def test_ids_with_a_slash_can_be_written_and_read(api):
    assert put(api, "/debtors/CO/77", {"full_name": "Ana Ruiz"}).status_code == 201

    response = get(api, "/debtors/CO/77")

    assert response.status_code == 200
    assert response.json()["external_id"] == "CO/77"


def test_a_body_that_is_not_json_gets_400_problem(api):
    response = api.put(
        "/api/v1/debtors/C-1", "{not json", content_type="application/json"
    )

    body = assert_problem(response, 400)
    assert body["detail"] == "The body is not valid JSON."


# --- debts ---------------------------------------------------------------------------


def test_put_debt_creates_it_and_answers_amounts_as_decimal_strings(api, creditor):
    put(api, "/debtors/C-1", MARIA)

    response = put(api, "/debts/F-1", debt_body(description="Plan hogar"))

    assert response.status_code == 201
    assert without_times(response.json()) == {
        "external_id": "F-1",
        "debtor_external_id": "C-1",
        "amount": "125000.50",
        "amount_paid": "0.00",
        "balance": "125000.50",
        "currency": "COP",
        "status": "open",
        "due_on": "2026-11-01",
        "issued_on": "2026-10-01",
        "invoice_number": "FAC-001",
        "description": "Plan hogar",
        "created_at": "<time>",
        "updated_at": "<time>",
    }
    debt = Debt.objects.get(creditor=creditor, external_id="F-1")
    assert (debt.amount, debt.due_on) == (Decimal("125000.50"), date(2026, 11, 1))


def test_an_identical_put_of_a_debt_is_unchanged(api):
    put(api, "/debtors/C-1", MARIA)
    put(api, "/debts/F-1", debt_body())
    events = AuditEvent.objects.count()

    response = put(api, "/debts/F-1", debt_body())

    assert (response.status_code, response["Recaudo-Outcome"]) == (200, "unchanged")
    assert AuditEvent.objects.count() == events


def test_a_debt_with_debtor_fields_creates_its_debtor_too(api, creditor):
    response = put(api, "/debts/F-1", debt_body(full_name="Ana Ruiz", phone="3001234567"))

    assert response.status_code == 201
    debtor = Debtor.objects.get(creditor=creditor, external_id="C-1")
    assert debtor.full_name == "Ana Ruiz"
    assert list(debtor.contact_points.values_list("value", flat=True)) == ["+573001234567"]


def test_amounts_sent_as_json_numbers_are_read_exactly(api):
    put(api, "/debtors/C-1", MARIA)

    response = put(api, "/debts/F-1", debt_body(amount=1234.56))

    assert response.status_code == 201
    assert response.json()["amount"] == "1234.56"
    assert Debt.objects.get().amount == Decimal("1234.56")


def test_a_debt_for_an_unknown_debtor_is_refused_naming_the_debtor(api):
    response = put(api, "/debts/F-1", debt_body(debtor_external_id="C-404"))

    assert_problem(response, 422, [
        {"field": "debtor_external_id", "pointer": "#/debtor_external_id",
         "detail": "unknown debtor 'C-404' (import the debtor first, or add the debtor's name "
                   "to this row)"},
    ])
    assert nothing_written()


def test_a_debt_with_bad_values_names_each_field(api):
    put(api, "/debtors/C-1", MARIA)
    written = AuditEvent.objects.count()

    response = put(api, "/debts/F-1", debt_body(amount="1.234", due_on="mañana", currency="XYZ"))

    assert_problem(response, 422, [
        {"field": "currency", "pointer": "#/currency",
         "detail": "'XYZ' is not an ISO 4217 currency code"},
        {"field": "due_on", "pointer": "#/due_on",
         "detail": "'mañana' is not a date (use 2026-12-15 or 15/12/2026)"},
    ])
    assert not Debt.objects.exists()
    assert AuditEvent.objects.count() == written


def test_an_amount_written_as_in_the_creditors_country_is_read_by_its_custom(api):
    put(api, "/debtors/C-1", MARIA)

    created = put(api, "/debts/F-1", debt_body(amount="$ 150.000"))
    refused = put(api, "/debts/F-2", debt_body(amount="1,234.56"))

    assert created.status_code == 201
    assert Debt.objects.get(external_id="F-1").amount == Decimal("150000.00")
    assert_problem(refused, 422, [
        {"field": "amount", "pointer": "#/amount",
         "detail": "'1,234.56' is not written as amounts are written in CO "
                   "(1.234,56: '.' separates thousands and ',' decimals)"},
    ])


# --- bulk ----------------------------------------------------------------------------


def test_bulk_debts_with_one_bad_item_writes_nothing_and_names_the_item_and_field(api):
    items = [
        debt_body(external_id="F-1", full_name="Ana Ruiz"),
        debt_body(external_id="F-2", full_name="Ana Ruiz", amount="-5"),
        debt_body(external_id="F-3", full_name="Ana Ruiz"),
    ]

    response = post(api, "/debts/bulk", {"items": items})

    assert_problem(response, 422, [
        {"field": "items[1].amount", "pointer": "#/items/1/amount",
         "detail": "must be greater than zero, got -5"},
    ])
    assert nothing_written()


def test_bulk_debtors_count_created_updated_and_unchanged(api):
    items = [{"debtor_external_id": f"C-{n}", "full_name": f"Persona {n}"} for n in (1, 2, 3)]

    first = post(api, "/debtors/bulk", {"items": items})
    items[2]["full_name"] = "Persona Tres"
    second = post(api, "/debtors/bulk", {"items": items})

    assert first.status_code == 200
    assert first.json() == {
        "created": 3, "updated": 0, "unchanged": 0, "counts": {"debtors_created": 3},
    }
    assert second.json() == {
        "created": 0, "updated": 1, "unchanged": 2,
        "counts": {"debtors_unchanged": 2, "debtors_updated": 1},
    }
    assert Debtor.objects.get(external_id="C-3").full_name == "Persona Tres"


def test_bulk_debts_count_the_debtors_written_on_the_way(api):
    items = [debt_body(external_id=f"F-{n}", full_name="Ana Ruiz") for n in (1, 2)]

    response = post(api, "/debts/bulk", {"items": items})

    assert response.json() == {
        "created": 2, "updated": 0, "unchanged": 0,
        "counts": {"debtors_created": 1, "debts_created": 2},
    }


def test_bulk_debtors_naming_one_debtor_twice_names_the_second_item(api):
    items = [
        {"debtor_external_id": "C-1", "full_name": "Ana"},
        {"debtor_external_id": "C-1", "full_name": "Ana B"},
    ]

    response = post(api, "/debtors/bulk", {"items": items})

    assert_problem(response, 422, [
        {"field": "items[1].debtor_external_id", "pointer": "#/items/1/debtor_external_id",
         "detail": "'C-1' appears again (first on line items[0])"},
    ])
    assert nothing_written()


@override_settings(API_BULK_MAX_ITEMS=3)
def test_a_bulk_request_over_the_limit_is_refused_whole(api):
    items = [{"debtor_external_id": f"C-{n}", "full_name": "Ana"} for n in range(4)]

    response = post(api, "/debtors/bulk", {"items": items})

    body = assert_problem(response, 413, [
        {"field": "items", "pointer": "#/items", "detail": "has 4 items, more than 3"},
    ])
    assert body["detail"] == (
        "The request has 4 items; send at most 3 per request. Nothing was written."
    )
    assert nothing_written()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=200)
def test_a_body_over_the_servers_size_limit_gets_413_problem(api):
    items = [{"debtor_external_id": f"C-{n}", "full_name": "Ana"} for n in range(10)]

    response = post(api, "/debtors/bulk", {"items": items})

    assert_problem(response, 413)
    assert nothing_written()


def test_a_bulk_item_with_a_wrong_type_is_named_by_schema_validation(api):
    response = post(api, "/debtors/bulk", {"items": [{"debtor_external_id": "C-1",
                                                      "full_name": {"first": "Ana"}}]})

    assert_problem(response, 422, [
        {"field": "items[0].full_name", "pointer": "#/items/0/full_name",
         "detail": "must be a string"},
    ])


def test_bulk_payments_are_recorded_and_counted(api, creditor):
    debtor = make_debtor(creditor, external_id="C-1")
    make_debt(debtor, "100.00", external_id="F-1")
    items = [
        {"external_id": "P-1", "debtor_external_id": "C-1", "amount": "40",
         "paid_at": "2026-11-05"},
        {"external_id": "P-2", "debt_external_id": "F-1", "amount": "60",
         "paid_at": "2026-11-06"},
    ]

    first = post(api, "/payments/bulk", {"items": items})
    again = post(api, "/payments/bulk", {"items": items})

    assert first.json() == {
        "created": 2, "updated": 0, "unchanged": 0, "counts": {"payments_recorded": 2},
    }
    assert again.json() == {
        "created": 0, "updated": 0, "unchanged": 2, "counts": {"payments_unchanged": 2},
    }
    assert Debt.objects.get(external_id="F-1").status == Debt.Status.PAID


# --- payments ------------------------------------------------------------------------


@pytest.fixture
def two_debts(creditor):
    debtor = make_debtor(creditor, external_id="C-1")
    return (
        make_debt(debtor, "100000.00", external_id="F-1", due_on=date(2026, 11, 1)),
        make_debt(debtor, "50000.00", external_id="F-2", due_on=date(2026, 12, 1)),
    )


PAYMENT = {
    "external_id": "P-1", "debtor_external_id": "C-1", "amount": "120000",
    "paid_at": "2026-11-05", "method": "PSE",
}


def test_a_payment_is_recorded_with_its_allocations(api, two_debts):
    response = post(api, "/payments", PAYMENT)

    assert response.status_code == 201
    assert without_times(response.json()) == {
        "external_id": "P-1",
        "debtor_external_id": "C-1",
        "debt_external_id": None,
        "amount": "120000.00",
        "currency": "COP",
        "paid_at": "2026-11-05T17:00:00Z",  # noon in Bogotá
        "method": "PSE",
        "status": "received",
        "allocations": [
            {"debt_external_id": "F-1", "amount": "100000.00"},
            {"debt_external_id": "F-2", "amount": "20000.00"},
        ],
        "unallocated": "0.00",
        "created_at": "<time>",
    }
    assert [debt.balance for debt in Debt.objects.order_by("id")] == [
        Decimal("0"), Decimal("30000"),
    ]


def test_an_overpayment_is_kept_as_unallocated(api, two_debts):
    response = post(api, "/payments", {**PAYMENT, "amount": "175000.50"})

    assert response.json()["unallocated"] == "25000.50"


def test_the_same_payment_again_answers_200_with_the_stored_payment(api, two_debts):
    first = post(api, "/payments", PAYMENT)

    again = post(api, "/payments", PAYMENT)

    assert again.status_code == 200
    assert again.json() == first.json()
    assert Payment.objects.count() == 1
    assert PaymentAllocation.objects.count() == 2


def test_the_same_payment_id_with_another_amount_is_a_409_conflict(api, two_debts):
    post(api, "/payments", PAYMENT)
    before = list(Debt.objects.order_by("id").values_list("amount_paid", flat=True))

    response = post(api, "/payments", {**PAYMENT, "amount": "999"})

    assert_problem(response, 409, [
        {"field": "external_id", "pointer": "#/external_id",
         "detail": "payment P-1 was already recorded with 120000.0000 COP for debtor C-1"},
    ])
    assert Payment.objects.get().amount == Decimal("120000")
    assert list(Debt.objects.order_by("id").values_list("amount_paid", flat=True)) == before


def test_a_payment_for_an_unknown_debt_is_refused(api, two_debts):
    response = post(api, "/payments", {**PAYMENT, "debt_external_id": "F-404"})

    assert_problem(response, 422, [
        {"field": "debt_external_id", "pointer": "#/debt_external_id",
         "detail": "unknown debt 'F-404'"},
    ])
    assert not Payment.objects.exists()


def test_an_idempotency_key_replays_the_first_answer(api, two_debts):
    first = post(api, "/payments", PAYMENT, **{"Idempotency-Key": "abc-1"})

    again = post(api, "/payments", PAYMENT, **{"Idempotency-Key": "abc-1"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Payment.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.key, record.status_code) == ("abc-1", 201)
    assert record.response["external_id"] == "P-1"


def test_an_idempotency_key_reused_with_another_body_is_refused(api, two_debts):
    post(api, "/payments", PAYMENT, **{"Idempotency-Key": "abc-1"})

    response = post(
        api, "/payments", {**PAYMENT, "external_id": "P-2"}, **{"Idempotency-Key": "abc-1"}
    )

    body = assert_problem(response, 422, [
        {"field": "Idempotency-Key", "detail": "was used for another request"},
    ])
    assert body["type"] == "urn:recaudo:problem:idempotency-key-reused"
    assert list(Payment.objects.values_list("external_id", flat=True)) == ["P-1"]


def test_a_failed_request_does_not_use_up_its_idempotency_key(api, two_debts):
    failed = post(api, "/payments", {**PAYMENT, "amount": "-1"}, **{"Idempotency-Key": "k"})

    fixed = post(api, "/payments", PAYMENT, **{"Idempotency-Key": "k"})

    assert (failed.status_code, fixed.status_code) == (422, 201)
    assert IdempotencyRecord.objects.get().status_code == 201


def test_idempotency_keys_of_two_creditors_do_not_collide(
    api, other_api, two_debts, other_creditor
):
    make_debtor(other_creditor, external_id="C-1")
    same_key = {"Idempotency-Key": "same"}

    mine = post(api, "/payments", PAYMENT, **same_key)
    theirs = post(other_api, "/payments", {**PAYMENT, "amount": "10"}, **same_key)

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert theirs.json()["currency"] == "MXN"
    assert Payment.objects.count() == 2


def test_a_bulk_of_payments_replaying_one_with_another_amount_is_a_409_naming_the_item(
    api, two_debts
):
    post(api, "/payments", PAYMENT)
    items = [{**PAYMENT, "external_id": "P-2", "amount": "10"}, {**PAYMENT, "amount": "5"}]

    response = post(api, "/payments/bulk", {"items": items})

    body = assert_problem(response, 409, [
        {"field": "items[1].external_id", "pointer": "#/items/1/external_id",
         "detail": "payment P-1 was already recorded with 120000.0000 COP for debtor C-1"},
    ])
    assert body["type"] == "urn:recaudo:problem:conflict"
    assert list(Payment.objects.values_list("external_id", flat=True)) == ["P-1"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_idempotency_key_record_one_payment(live_server):
    creditor = make_creditor()
    make_debt(make_debtor(creditor, external_id="C-1"), "100000.00", external_id="F-1")
    headers = {
        "Authorization": f"Bearer {create_key(creditor, 'ERP').key}",
        "Content-Type": "application/json",
        "Idempotency-Key": "same",
    }

    def send(_: int) -> tuple[int, dict]:
        request = urllib.request.Request(
            f"{live_server.url}/api/v1/payments", json.dumps(PAYMENT).encode(), headers,
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(send, range(6)))

    assert [status for status, _ in answers] == [201] * 6, answers
    assert len({json.dumps(body, sort_keys=True) for _, body in answers}) == 1
    assert (Payment.objects.count(), IdempotencyRecord.objects.count()) == (1, 1)
    assert Debt.objects.get().amount_paid == Decimal("100000")


# --- isolation -----------------------------------------------------------------------


@pytest.fixture
def theirs(other_creditor):
    """Another creditor's debtor C-9, debt F-9 and payment P-9."""
    debtor = make_debtor(other_creditor, external_id="C-9", tags=["vip"])
    debt = make_debt(debtor, "500.00", external_id="F-9")
    Payment.objects.create(
        creditor=other_creditor, debtor=debtor, external_id="P-9", amount=Decimal("10"),
        currency="MXN", paid_at=datetime.fromisoformat("2026-11-05T12:00:00+00:00"),
    )
    return debt


def test_a_key_of_one_creditor_cannot_read_another_creditors_debt(api, theirs):
    response = get(api, "/debts/F-9")

    body = assert_problem(response, 404)
    assert body["detail"] == "There is no debt with external_id 'F-9'."


def test_a_key_of_one_creditor_cannot_read_another_creditors_debtor_or_payment(api, theirs):
    assert_problem(get(api, "/debtors/C-9"), 404)
    assert_problem(get(api, "/payments/P-9"), 404)


def test_lists_never_include_another_creditors_rows(api, theirs, creditor):
    debtor = make_debtor(creditor, external_id="C-1", tags=["vip"])
    make_debt(debtor, external_id="F-1")

    assert [item["external_id"] for item in get(api, "/debtors").json()["items"]] == ["C-1"]
    assert [item["external_id"] for item in get(api, "/debts").json()["items"]] == ["F-1"]
    assert get(api, "/payments").json() == {"count": 0, "limit": 100, "offset": 0, "items": []}
    assert get(api, "/debtors", tag="vip").json()["count"] == 1
    assert get(api, "/debts", debtor_external_id="C-9").json()["count"] == 0


def test_a_put_with_another_creditors_external_id_creates_a_separate_record(
    api, theirs, creditor, other_creditor
):
    assert put(api, "/debtors/C-9", {"full_name": "Ana Ruiz"}).status_code == 201
    response = put(api, "/debts/F-9", debt_body(debtor_external_id="C-9", amount="7"))

    assert response.status_code == 201
    assert Debt.objects.get(creditor=creditor, external_id="F-9").amount == Decimal("7")
    theirs.refresh_from_db()
    assert (theirs.amount, theirs.creditor, theirs.debtor.full_name) == (
        Decimal("500.00"), other_creditor, theirs.debtor.full_name,
    )
    assert Debtor.objects.filter(external_id="C-9").count() == 2


def test_a_payment_naming_another_creditors_debtor_is_rejected_as_unknown(api, theirs):
    response = post(api, "/payments", {**PAYMENT, "debtor_external_id": "C-9"})

    assert_problem(response, 422, [
        {"field": "debtor_external_id", "pointer": "#/debtor_external_id",
         "detail": "unknown debtor 'C-9'"},
    ])
    assert list(Payment.objects.values_list("external_id", flat=True)) == ["P-9"]


def test_a_payment_naming_another_creditors_debt_is_rejected_as_unknown(api, theirs):
    response = post(api, "/payments", {"external_id": "P-1", "debt_external_id": "F-9",
                                       "amount": "10", "paid_at": "2026-11-05"})

    assert_problem(response, 422, [
        {"field": "debt_external_id", "pointer": "#/debt_external_id",
         "detail": "unknown debt 'F-9'"},
    ])
    theirs.refresh_from_db()
    assert theirs.amount_paid == 0


def test_a_debt_naming_another_creditors_debtor_is_rejected_as_unknown(api, theirs):
    response = put(api, "/debts/F-1", debt_body(debtor_external_id="C-9"))

    assert_problem(response, 422)
    assert response.json()["errors"][0]["field"] == "debtor_external_id"
    assert Debt.objects.count() == 1


# --- filters and pages ---------------------------------------------------------------


def test_debtors_are_filtered_by_external_id_country_kind_and_tag(api, creditor):
    make_debtor(creditor, external_id="C-1", tags=["vip", "norte"])
    make_debtor(creditor, external_id="C-2", kind="company", tags=["norte"])
    make_debtor(creditor, external_id="C-3", country="PE", timezone="America/Lima")

    def ids(**query: str) -> list[str]:
        response = get(api, "/debtors", **query)
        assert response.status_code == 200, response.content
        return [item["external_id"] for item in response.json()["items"]]

    assert ids() == ["C-1", "C-2", "C-3"]
    assert ids(external_id="C-2") == ["C-2"]
    assert ids(country="pe") == ["C-3"]
    assert ids(kind="company") == ["C-2"]
    assert ids(tag="VIP") == ["C-1"]
    assert ids(tag="norte") == ["C-1", "C-2"]
    assert ids(tag="nor") == []


def test_debts_are_filtered_by_status_debtor_currency_and_due_date(api, creditor):
    ana = make_debtor(creditor, external_id="C-1")
    luis = make_debtor(creditor, external_id="C-2")
    make_debt(ana, external_id="F-1", due_on=date(2026, 11, 1))
    make_debt(ana, external_id="F-2", due_on=date(2026, 12, 1), status="disputed")
    make_debt(luis, external_id="F-3", due_on=date(2026, 12, 15), currency="USD")

    def ids(**query: str) -> list[str]:
        response = get(api, "/debts", **query)
        assert response.status_code == 200, response.content
        return [item["external_id"] for item in response.json()["items"]]

    assert ids(status="disputed") == ["F-2"]
    assert ids(debtor_external_id="C-1") == ["F-1", "F-2"]
    assert ids(currency="usd") == ["F-3"]
    assert ids(due_after="2026-12-01") == ["F-2", "F-3"]
    assert ids(due_before="2026-12-01") == ["F-1", "F-2"]
    assert ids(due_after="2026-11-02", due_before="2026-12-14") == ["F-2"]


def test_payments_are_filtered_by_debtor_and_paid_at_range(api, creditor, two_debts):
    make_debtor(creditor, external_id="C-2")
    for number, debtor, day in ((1, "C-1", "2026-11-05"), (2, "C-1", "2026-11-20"),
                                (3, "C-2", "2026-11-20")):
        payment = {"external_id": f"P-{number}", "debtor_external_id": debtor,
                   "amount": "1000", "paid_at": day}
        assert post(api, "/payments", payment).status_code == 201

    def ids(**query: str) -> list[str]:
        response = get(api, "/payments", **query)
        assert response.status_code == 200, response.content
        return [item["external_id"] for item in response.json()["items"]]

    assert ids(debtor_external_id="C-1") == ["P-1", "P-2"]
    assert ids(paid_after="2026-11-06") == ["P-2", "P-3"]
    assert ids(paid_before="2026-11-05") == ["P-1"]
    assert ids(paid_after="2026-11-20T16:59:00Z", paid_before="2026-11-20T17:00:00Z") == [
        "P-2", "P-3",
    ]


def test_lists_are_paginated_with_limit_and_offset(api, creditor):
    for number in range(5):
        make_debtor(creditor, external_id=f"C-{number}")

    body = get(api, "/debtors", limit=2, offset=3).json()

    assert (body["count"], body["limit"], body["offset"]) == (5, 2, 3)
    assert [item["external_id"] for item in body["items"]] == ["C-3", "C-4"]


def test_a_bad_filter_value_is_named_in_a_problem(api):
    response = get(api, "/debts", status="paid-ish", due_after="soon", limit=0)

    body = assert_problem(response, 422)
    assert [error["field"] for error in body["errors"]] == ["status", "due_after", "limit"]
    assert all("pointer" not in error for error in body["errors"])


@pytest.mark.parametrize(
    ("stored", "currency", "shown"),
    [
        ("125000.5000", "COP", "125000.50"),
        ("1500.0000", "CLP", "1500"),
        ("0.0000", "USD", "0.00"),
        ("10.5550", "COP", "10.555"),  # more decimals than the currency has: shown, not rounded
    ],
)
def test_amounts_are_shown_with_the_currencys_decimals_and_never_rounded(stored, currency, shown):
    assert money(Decimal(stored), currency) == shown


# --- documentation -------------------------------------------------------------------


def test_the_openapi_document_and_its_docs_page_are_served():
    schema = Client().get("/api/v1/openapi.json")
    docs = Client().get("/api/v1/docs")

    assert (schema.status_code, docs.status_code) == (200, 200)
    document = schema.json()
    assert set(document["paths"]) == {
        "/api/v1/debtors", "/api/v1/debtors/bulk", "/api/v1/debtors/{external_id}",
        "/api/v1/debts", "/api/v1/debts/bulk", "/api/v1/debts/{external_id}",
        "/api/v1/payments", "/api/v1/payments/bulk", "/api/v1/payments/{external_id}",
        # The integrations' read endpoints (docs/integrations.md#the-read-api).
        "/api/v1/outreach", "/api/v1/promises", "/api/v1/plans", "/api/v1/disputes",
        "/api/v1/requests", "/api/v1/conversations", "/api/v1/events",
        "/api/v1/exports/{kind}", "/api/v1/reports/summary",
        "/api/v1/insights/{page}",
    }
    assert set(document["components"]["securitySchemes"]) == {"BearerKey", "HeaderKey"}
    assert document["components"]["schemas"]["PaymentIn"]["required"] == [
        "amount", "external_id", "paid_at",
    ]


def test_an_unknown_debt_gets_a_404_problem(api):
    body = assert_problem(get(api, "/debts/nope"), 404)

    assert body == {
        "type": "about:blank", "title": "Not found", "status": 404,
        "detail": "There is no debt with external_id 'nope'.",
    }


def test_a_body_of_the_wrong_shape_is_named_by_where_it_is_wrong(api):
    not_a_list = post(api, "/debtors/bulk", {"items": "C-1"})
    not_an_object = put(api, "/debtors/C-1", ["Ana"])

    assert_problem(not_a_list, 422, [
        {"field": "items", "pointer": "#/items", "detail": "must be a JSON array"},
    ])
    assert_problem(not_an_object, 422, [
        {"field": "body", "pointer": "#", "detail": "must be a JSON object"},
    ])
    assert nothing_written()


def test_a_brazilian_debtor_put_without_a_language_reads_portuguese(api):
    brazilian = {"full_name": "João Silva", "country": "BR", "phone": "+5511961234567"}

    created = put(api, "/debtors/C-BR", brazilian)
    written = put(api, "/debtors/C-BR2", {**brazilian, "language": "pt-BR"})

    assert created.status_code == 201 and created.json()["language"] == "pt"
    assert written.status_code == 201 and written.json()["language"] == "pt"
