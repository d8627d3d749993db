"""The Spanish back office: every model listed, searchable, and money only moved by actions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils.text import capfirst

from recaudo.portfolio import actions
from recaudo.portfolio.apikeys import create_key
from recaudo.portfolio.models import (
    ApiKey,
    AuditEvent,
    ChannelConsent,
    ContactPoint,
    Creditor,
    Debt,
    Debtor,
    IdempotencyRecord,
    Payment,
    PaymentAllocation,
)
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = pytest.mark.django_db

PORTFOLIO_MODELS = [
    Creditor, Debtor, ContactPoint, ChannelConsent, Debt, Payment, PaymentAllocation, AuditEvent,
    ApiKey, IdempotencyRecord,
]


@pytest.fixture
def client_es(admin_user) -> Client:
    client = Client(headers={"Accept-Language": "es"})
    client.force_login(admin_user)
    return client


@pytest.fixture
def portfolio(creditor) -> dict[str, models.Model]:
    debtor = make_debtor(creditor, full_name="Luz Marina Ospina Restrepo", phone="+573001234567",
                         national_id_type="CC", national_id_number="52123456")
    other = make_debtor(creditor, full_name="Jairo Cardona Zapata")
    first = make_debt(debtor, amount="150000.00", invoice_number="FE-00012345",
                      due_on=date(2026, 10, 5))
    second = make_debt(debtor, amount="80000.00", due_on=date(2026, 11, 5))
    make_debt(other, amount="99000.00", invoice_number="FE-00099999")
    payment = actions.record_payment(
        creditor=creditor, debtor=debtor, external_id="PSE-7781", amount=Decimal("170000.00"),
        currency="COP", paid_at=datetime(2026, 11, 1, 15, tzinfo=UTC), method="PSE", actor="test",
    ).payment
    point = ContactPoint.objects.get(debtor=debtor)
    consent = ChannelConsent.objects.create(
        contact_point=point, channel="whatsapp", source="contrato",
        granted_at=datetime(2026, 1, 10, tzinfo=UTC),
    )
    create_key(creditor, "ERP")
    IdempotencyRecord.objects.create(
        creditor=creditor, key="idem-1", request_hash="0" * 64, status_code=201, response={}
    )
    return {
        "creditor": creditor, "debtor": debtor, "other": other, "first": first, "second": second,
        "payment": payment, "point": point, "consent": consent,
    }


def url(model: type[models.Model], view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_portfolio_model_is_registered_in_the_admin():
    registered = {model for model in admin.site._registry if model._meta.app_label == "portfolio"}

    assert registered == set(PORTFOLIO_MODELS)


@pytest.mark.parametrize("model", PORTFOLIO_MODELS, ids=lambda m: m.__name__)
def test_a_superuser_gets_the_changelist_and_change_page_of_every_model_in_spanish(
    client_es, portfolio, model
):
    listing = client_es.get(url(model, "changelist"))
    record = model.objects.order_by("pk").first()
    detail = client_es.get(url(model, "change", record.pk))

    assert listing.status_code == 200
    assert detail.status_code == 200
    assert '<html lang="es"' in listing.content.decode()
    assert str(capfirst(model._meta.verbose_name_plural)) in listing.content.decode()
    assert str(model._meta.verbose_name) in detail.content.decode()


def test_the_admin_index_lists_the_portfolio_in_spanish(client_es, portfolio):
    page = client_es.get(reverse("admin:index")).content.decode()

    for label in ("Deudores", "Deudas", "Pagos", "Acreedores", "Eventos de auditoría"):
        assert label in page
    assert "Recaudo: cobranza amigable" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Ospina", ["Luz Marina Ospina Restrepo"]),
        ("+573001234567", ["Luz Marina Ospina Restrepo"]),
        ("52123456", ["Luz Marina Ospina Restrepo"]),
        ("Cardona", ["Jairo Cardona Zapata"]),
    ],
)
def test_debtors_are_found_by_name_phone_or_national_id(client_es, portfolio, query, expected):
    response = client_es.get(url(Debtor, "changelist"), {"q": query})

    found = [debtor.full_name for debtor in response.context["cl"].result_list]
    assert found == expected


def test_debts_are_found_by_invoice_number_and_by_debtor_name(client_es, portfolio):
    by_invoice = client_es.get(url(Debt, "changelist"), {"q": "FE-00012345"}).context["cl"]
    by_name = client_es.get(url(Debt, "changelist"), {"q": "Jairo"}).context["cl"]

    assert [d.pk for d in by_invoice.result_list] == [portfolio["first"].pk]
    assert [d.invoice_number for d in by_name.result_list] == ["FE-00099999"]


def test_payments_are_found_by_external_id(client_es, portfolio):
    response = client_es.get(url(Payment, "changelist"), {"q": "PSE-7781"})

    assert [p.pk for p in response.context["cl"].result_list] == [portfolio["payment"].pk]


def test_the_debtor_list_shows_what_is_still_owed_in_the_creditors_currency(client_es, portfolio):
    response = client_es.get(url(Debtor, "changelist"), {"q": "Ospina"})

    row = response.context["cl"].result_list[0]
    assert row.owed == Decimal("60000.0000")  # 150,000 + 80,000 - 170,000 paid
    assert "60.000,00" in response.content.decode()


def test_filters_narrow_the_lists(client_es, portfolio):
    paid = client_es.get(url(Debt, "changelist"), {"status__exact": "paid"}).context["cl"]
    phones = client_es.get(url(ContactPoint, "changelist"), {"kind__exact": "phone"}).context["cl"]
    not_opted_out = client_es.get(url(ContactPoint, "changelist"), {"opted_out": "0"}).context["cl"]

    assert [d.pk for d in paid.result_list] == [portfolio["first"].pk]
    assert [p.pk for p in phones.result_list] == [portfolio["point"].pk]
    assert [p.pk for p in not_opted_out.result_list] == [portfolio["point"].pk]


def test_the_debtor_list_takes_the_same_number_of_queries_for_many_debtors(
    client_es, portfolio, django_assert_max_num_queries
):
    for number in range(40):
        make_debt(make_debtor(portfolio["creditor"], full_name=f"Deudor {number}"))

    with django_assert_max_num_queries(8):
        response = client_es.get(url(Debtor, "changelist"))
    assert len(response.context["cl"].result_list) == 42


def test_debtor_pickers_are_autocompletes(client_es, portfolio):
    page = client_es.get(url(Debt, "add")).content.decode()

    assert 'data-field-name="debtor"' in page and "admin-autocomplete" in page


def test_payments_cannot_be_added_changed_or_deleted_from_the_admin(client_es, portfolio):
    payment = portfolio["payment"]

    assert client_es.get(url(Payment, "add")).status_code == 403
    assert client_es.post(url(Payment, "change", payment.pk), {"amount": "1"}).status_code == 403
    assert client_es.post(url(Payment, "delete", payment.pk), {"post": "yes"}).status_code == 403
    assert Payment.objects.get(pk=payment.pk).amount == Decimal("170000.0000")


def test_audit_events_are_read_only(client_es, portfolio):
    event = AuditEvent.objects.first()

    assert client_es.get(url(AuditEvent, "add")).status_code == 403
    assert client_es.post(url(AuditEvent, "change", event.pk), {"actor": "x"}).status_code == 403
    assert client_es.post(url(AuditEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    assert client_es.get(url(ApiKey, "add")).status_code == 403
    assert client_es.get(url(IdempotencyRecord, "add")).status_code == 403


def test_the_debt_form_never_offers_paid_and_shows_amount_paid_read_only(client_es, portfolio):
    response = client_es.get(url(Debt, "change", portfolio["second"].pk))

    status = response.context["adminform"].form.fields["status"]
    offered = [value for value, _ in status.choices]
    assert offered == ["open", "written_off", "disputed", "in_arrangement"]
    assert 'name="amount_paid"' not in response.content.decode()
    assert "$20.000,00" in response.content.decode()  # paid 20,000 of 80,000
    assert "$60.000,00" in response.content.decode()  # still owed


def test_a_paid_debt_keeps_its_amount_and_status(client_es, portfolio):
    page = client_es.get(url(Debt, "change", portfolio["first"].pk)).content.decode()

    assert 'name="amount"' not in page
    assert 'name="status"' not in page


def debt_form(debt: Debt, **changes: str) -> dict[str, str]:
    values = {
        "creditor": str(debt.creditor_id), "debtor": str(debt.debtor_id),
        "external_id": debt.external_id, "invoice_number": debt.invoice_number,
        "description": debt.description, "currency": debt.currency, "amount": str(debt.amount),
        "issued_on": debt.issued_on.isoformat(), "due_on": debt.due_on.isoformat(),
        "status": debt.status,
    }
    values.update(changes)
    return values


def test_editing_a_debts_amount_writes_an_audit_event_naming_the_admin(client_es, portfolio):
    debt = portfolio["second"]

    response = client_es.post(url(Debt, "change", debt.pk), debt_form(debt, amount="90000.00"))

    assert response.status_code == 302
    event = AuditEvent.objects.get(kind="debt_updated", debt=debt)
    assert event.actor == "admin:admin"
    assert event.data == {"changes": {"amount": ["80000.0000", "90000.00"]}}


def test_an_amount_below_what_was_paid_is_refused(client_es, portfolio):
    debt = portfolio["second"]

    response = client_es.post(url(Debt, "change", debt.pk), debt_form(debt, amount="10000.00"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["amount"] == [
        "No puede ser menor que lo ya pagado ($20.000,00)."
    ]
    assert Debt.objects.get(pk=debt.pk).amount == Decimal("80000.0000")


def test_an_amount_with_more_decimals_than_the_currency_is_refused(client_es, creditor):
    debtor = make_debtor(make_creditor(country="CL", default_currency="CLP"))
    debt = make_debt(debtor, amount="49990")

    response = client_es.post(url(Debt, "change", debt.pk), debt_form(debt, amount="49990.50"))

    assert response.context["adminform"].form.errors["amount"] == ["CLP admite 0 decimales."]


def test_a_debt_added_in_the_admin_is_audited(client_es, portfolio):
    debtor = portfolio["other"]
    form = {
        "creditor": str(debtor.creditor_id), "debtor": str(debtor.pk), "external_id": "F-ADMIN-1",
        "currency": "COP", "amount": "45000.00", "issued_on": "2026-11-01",
        "due_on": "2026-11-20", "status": "open",
    }

    response = client_es.post(url(Debt, "add"), form)

    assert response.status_code == 302
    debt = Debt.objects.get(external_id="F-ADMIN-1")
    event = AuditEvent.objects.get(kind="debt_created", debt=debt)
    assert (event.actor, event.data["amount"]) == ("admin:admin", "45000.00")


def test_a_debtor_of_another_creditor_is_refused_on_a_debt(client_es, portfolio):
    stranger = make_debtor(make_creditor())
    form = {
        "creditor": str(portfolio["creditor"].pk), "debtor": str(stranger.pk),
        "external_id": "F-X", "currency": "COP", "amount": "1000.00", "due_on": "2026-11-20",
        "status": "open",
    }

    response = client_es.post(url(Debt, "add"), form)

    assert response.context["adminform"].form.errors["debtor"] == [
        "El deudor pertenece a otro acreedor."
    ]
    assert not Debt.objects.filter(external_id="F-X").exists()


def test_a_national_phone_added_in_the_admin_is_stored_in_e164(client_es, portfolio):
    form = {
        "debtor": str(portfolio["other"].pk), "kind": "phone", "value": "300 765 4321",
        "channels": '["whatsapp", "sms"]',
    }

    response = client_es.post(url(ContactPoint, "add"), form)

    assert response.status_code == 302
    assert ContactPoint.objects.get(debtor=portfolio["other"]).value == "+573007654321"


def test_debtors_and_debts_cannot_be_deleted_so_their_audit_trail_stays(client_es, portfolio):
    debt = portfolio["second"]

    assert client_es.post(url(Debt, "delete", debt.pk), {"post": "yes"}).status_code == 403
    assert client_es.post(url(Debtor, "delete", debt.debtor_id), {"post": "yes"}).status_code == 403
    assert Debt.objects.filter(pk=debt.pk).exists()


def test_the_debt_shows_its_collection_level_and_bureau_days_read_only(client_es, portfolio):
    debt = portfolio["second"]
    Debt.objects.filter(pk=debt.pk).update(
        collection_stage="pre_legal",
        collection_stage_on=date(2026, 11, 24),
        bureau_report_on=date(2026, 12, 14),
    )

    page = client_es.get(url(Debt, "change", debt.pk)).content.decode()
    listing = client_es.get(url(Debt, "changelist") + "?collection_stage=pre_legal")

    assert "aviso prejurídico" in page
    assert 'name="collection_stage"' not in page  # the planner's record, not a form field
    assert 'name="bureau_report_on"' not in page
    assert [row.pk for row in listing.context["cl"].result_list] == [debt.pk]
