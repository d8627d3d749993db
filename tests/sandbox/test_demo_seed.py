"""`recaudo seed` and `recaudo demo`: reproducible, realistic, and exact about money."""

from __future__ import annotations

import io
import re
import stat
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import phonenumbers
import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db.models import F, Sum

from recaudo.outreach.models import Outreach
from recaudo.payments.links import payment_token
from recaudo.payments.models import BankAccount
from recaudo.payments.offline import payment_reference
from recaudo.portfolio import rules
from recaudo.portfolio.models import (
    AuditEvent,
    ChannelConsent,
    ContactPoint,
    Creditor,
    Debt,
    Debtor,
    Payment,
    PaymentAllocation,
)
from recaudo.sandbox.demo import ids as seed_ids
from recaudo.sandbox.demo import seed

TODAY = date(2026, 11, 15)
COUNTRY_CURRENCY = {"MX": "MXN", "CO": "COP", "CL": "CLP", "PE": "PEN", "AR": "ARS", "BR": "BRL"}


def run_seed(debtors: int = 200, seed_number: int = 11, **options: Any) -> str:
    out = io.StringIO()
    call_command(
        "seed", debtors=debtors, seed=seed_number, today=TODAY, stdout=out, **options
    )
    return out.getvalue()


@pytest.fixture
def seeded(db) -> seed.Portfolio:
    run_seed()
    return seed.generate(200, seed=11, today=TODAY)


# Check digits computed here independently of recaudo.sandbox.demo.ids.
def rut_is_valid(text: str) -> bool:
    body, _, digit = text.replace(".", "").partition("-")
    factors = [2, 3, 4, 5, 6, 7]
    total = sum(int(d) * factors[i % 6] for i, d in enumerate(reversed(body)))
    expected = {10: "K", 11: "0"}.get(11 - total % 11, str(11 - total % 11))
    return digit == expected


def cpf_is_valid(text: str) -> bool:
    digits = [int(d) for d in re.sub(r"\D", "", text)]
    if len(digits) != 11 or len(set(digits)) == 1:
        return False
    for size in (9, 10):
        total = sum(d * (size + 1 - i) for i, d in enumerate(digits[:size]))
        if (total * 10 % 11) % 10 != digits[size]:
            return False
    return True


def cnpj_is_valid(text: str) -> bool:
    digits = [int(d) for d in re.sub(r"\D", "", text)]
    for size in (12, 13):
        weights = list(range(size - 7, 1, -1)) + list(range(9, 1, -1))
        remainder = sum(d * w for d, w in zip(digits[:size], weights, strict=True)) % 11
        if (0 if remainder < 2 else 11 - remainder) != digits[size]:
            return False
    return len(digits) == 14


def table_snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every seeded row, without database ids or creation times."""
    return {
        "creditors": list(
            Creditor.objects.order_by("name").values_list(
                "name", "legal_name", "tax_id", "country", "default_currency", "support_phone"
            )
        ),
        "debtors": list(
            Debtor.objects.order_by("external_id").values_list(
                "external_id", "creditor__name", "kind", "full_name", "first_name",
                "national_id_type", "national_id_number", "country", "timezone", "language",
            )
        ),
        "contacts": list(
            ContactPoint.objects.order_by("debtor__external_id", "kind").values_list(
                "debtor__external_id", "kind", "value", "preferred", "opted_out_at", "invalid_since"
            )
        ),
        "consents": list(
            ChannelConsent.objects.order_by("contact_point__value", "channel").values_list(
                "contact_point__value", "channel", "source", "granted_at"
            )
        ),
        "debts": list(
            Debt.objects.order_by("external_id").values_list(
                "external_id", "debtor__external_id", "invoice_number", "description", "currency",
                "amount", "amount_paid", "issued_on", "due_on", "status",
            )
        ),
        "payments": list(
            Payment.objects.order_by("external_id").values_list(
                "external_id", "debtor__external_id", "amount", "currency", "paid_at", "method",
                "unallocated",
            )
        ),
        "allocations": list(
            PaymentAllocation.objects.order_by("payment__external_id", "debt__external_id")
            .values_list("payment__external_id", "debt__external_id", "amount")
        ),
    }


def delete_everything() -> None:
    for model in (AuditEvent, PaymentAllocation, Payment, ChannelConsent, ContactPoint, Debt,
                  Debtor, Creditor):
        model.objects.all().delete()


def test_generating_twice_with_the_same_seed_and_date_gives_identical_records():
    first = seed.generate(150, seed=3, today=TODAY)
    again = seed.generate(150, seed=3, today=TODAY)
    other_seed = seed.generate(150, seed=4, today=TODAY)

    assert first == again
    assert first.debtors != other_seed.debtors


@pytest.mark.django_db
def test_seeding_twice_into_a_fresh_database_writes_identical_rows():
    run_seed(debtors=120)
    first = table_snapshot()
    delete_everything()
    run_seed(debtors=120)

    assert table_snapshot() == first
    assert len(first["debtors"]) == 120


def test_all_six_countries_get_a_creditor_in_their_currency_and_debtors(seeded):
    creditors = {c.country: c for c in Creditor.objects.all()}

    assert {code: c.default_currency for code, c in creditors.items()} == COUNTRY_CURRENCY
    per_country = {
        code: Debtor.objects.filter(creditor=creditor, country=code).count()
        for code, creditor in creditors.items()
    }
    assert per_country == {"MX": 50, "CO": 40, "BR": 40, "PE": 24, "AR": 24, "CL": 22}
    assert Debtor.objects.exclude(country=F("creditor__country")).count() == 0
    assert Debt.objects.exclude(currency=F("creditor__default_currency")).count() == 0


def test_even_six_debtors_cover_all_six_countries():
    portfolio = seed.generate(6, seed=1, today=TODAY)

    assert sorted(d.country for d in portfolio.debtors) == sorted(COUNTRY_CURRENCY)


def test_every_phone_is_a_valid_mobile_in_e164_for_its_debtors_country(seeded):
    phones = ContactPoint.objects.filter(kind="phone").select_related("debtor")
    assert phones.count() > 150

    for point in phones:
        number = phonenumbers.parse(point.value, None)
        assert phonenumbers.is_valid_number(number), point.value
        assert phonenumbers.region_code_for_number(number) == point.debtor.country
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        assert e164 == point.value
        assert phonenumbers.number_type(number) in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        )
    assert len({p.value for p in phones}) == phones.count()


def test_chilean_ruts_and_brazilian_cpfs_and_cnpjs_carry_correct_check_digits(seeded):
    numbers = Debtor.objects.values_list("national_id_number", flat=True)
    ruts = list(numbers.filter(country="CL"))
    cpfs = list(numbers.filter(national_id_type="CPF"))
    cnpjs = list(numbers.filter(national_id_type="CNPJ"))

    assert ruts and cpfs and cnpjs
    assert [r for r in ruts if not rut_is_valid(r)] == []
    assert [c for c in cpfs if not cpf_is_valid(c)] == []
    assert [c for c in cnpjs if not cnpj_is_valid(c)] == []
    assert rut_is_valid(Creditor.objects.get(country="CL").tax_id)
    assert cnpj_is_valid(Creditor.objects.get(country="BR").tax_id)


def test_check_digit_functions_agree_with_published_examples():
    assert seed_ids.format_rut(12345678) == "12.345.678-5"
    assert seed_ids.format_cpf("529982247") == "529.982.247-25"
    assert seed_ids.format_cnpj("112223330001") == "11.222.333/0001-81"
    assert seed_ids.nit_check_digit("890903938") == "8"
    assert seed_ids.ruc_check_digit("2013131295") == 5
    assert seed_ids.mod11_check_digit("3369345023") == 9
    assert seed_ids.curp_check_digit("BOXW310820HNERXN0") == "9"
    assert seed_ids.rfc_check_digit("SAT970701NN") == "3"


def test_national_id_types_follow_each_country_and_kind(seeded):
    pairs = set(Debtor.objects.values_list("country", "kind", "national_id_type"))

    assert pairs == {
        ("MX", "person", "CURP"), ("MX", "company", "RFC"),
        ("CO", "person", "CC"), ("CO", "company", "NIT"),
        ("CL", "person", "RUT"), ("CL", "company", "RUT"),
        ("PE", "person", "DNI"), ("PE", "company", "RUC"),
        ("AR", "person", "DNI"), ("AR", "company", "CUIT"),
        ("BR", "person", "CPF"), ("BR", "company", "CNPJ"),
    }


def test_companies_carry_their_countrys_legal_suffix_and_people_two_surnames(seeded):
    suffixes = {
        "MX": "de C.V.",
        "CO": ("S.A.S.", "Ltda.", "S.A."),
        "CL": ("SpA", "Ltda.", "S.A.", "E.I.R.L."),
        "PE": ("S.A.C.", "E.I.R.L.", "S.R.L.", "S.A."),
        "AR": ("S.R.L.", "S.A.", "S.A.S."),
        "BR": ("Ltda.", "S.A.", "ME"),
    }
    companies = Debtor.objects.filter(kind="company")
    people = Debtor.objects.filter(kind="person").exclude(country="BR")

    assert 0.08 < companies.count() / Debtor.objects.count() < 0.25
    assert [c.full_name for c in companies if not c.full_name.endswith(suffixes[c.country])] == []
    assert [p.full_name for p in people if len(p.full_name.split()) < 3] == []
    assert [p.full_name for p in people if not p.full_name.startswith(p.first_name)] == []


def test_each_debts_amount_paid_is_exactly_the_sum_of_its_allocations(seeded):
    debts = Debt.objects.annotate(allocated=Sum("allocations__amount"))

    assert [d.external_id for d in debts if (d.allocated or Decimal(0)) != d.amount_paid] == []
    paid_in_full = [d.external_id for d in debts if d.amount_paid == d.amount]
    assert paid_in_full == [d.external_id for d in debts if d.status == "paid"]
    for payment in Payment.objects.annotate(allocated=Sum("allocations__amount")):
        assert payment.allocated + payment.unallocated == payment.amount
    assert Payment.objects.count() == len(seeded.payments)
    assert Debt.objects.filter(amount_paid__gt=0, status="open").exists()  # partial payments
    assert Debt.objects.filter(status="paid").exists()
    assert Debt.objects.filter(status="disputed", amount_paid=0).exists()


def test_amounts_have_exactly_the_decimals_of_their_currency(seeded):
    for record in seeded.debts:
        decimals = rules.currency_decimals(record.currency)
        assert record.amount.as_tuple().exponent == -decimals, record
        assert record.amount > 0
    for record in seeded.payments:
        assert record.amount.as_tuple().exponent == -rules.currency_decimals(record.currency)
    clp = [r.amount for r in seeded.debts if r.currency == "CLP"]
    assert clp and all(amount % 10 == 0 and amount >= 10_000 for amount in clp)
    mxn = [r.amount for r in seeded.debts if r.currency == "MXN"]
    assert min(mxn) >= Decimal("199.00") and max(mxn) <= Decimal("12500.00")


def test_issue_and_due_dates_fall_within_90_days_before_and_30_days_after_today(seeded):
    earliest, latest = TODAY - timedelta(days=90), TODAY + timedelta(days=30)
    dates = Debt.objects.values_list("issued_on", "due_on")

    assert [(i, d) for i, d in dates if not (earliest <= i <= d <= latest)] == []
    assert Debt.objects.filter(due_on__lt=TODAY).exists()
    assert Debt.objects.filter(due_on__gt=TODAY).exists()
    assert all(p.paid_at.date() <= TODAY for p in seeded.payments)


def test_descriptions_are_in_the_debtors_language(seeded):
    descriptions = dict(Debt.objects.values_list("currency", "description").distinct())

    assert re.fullmatch(r"Consumo de energía (comercial )?período \d\d/2026|Acuerdo de pago, .*",
                        descriptions["COP"])
    assert set(Debtor.objects.filter(country="BR").values_list("language", flat=True)) == {"pt"}
    assert set(Debtor.objects.exclude(country="BR").values_list("language", flat=True)) == {"es"}


def test_time_zones_come_from_the_phone_or_the_country(seeded):
    for debtor in Debtor.objects.prefetch_related("contact_points"):
        phone = next((p.value for p in debtor.contact_points.all() if p.kind == "phone"), None)
        assert debtor.timezone == rules.timezone_for(debtor.country, phone)


def test_most_phones_have_whatsapp_consent_from_the_seed_and_emails_are_reserved(seeded):
    phones = ContactPoint.objects.filter(kind="phone").count()
    whatsapp = ChannelConsent.objects.filter(channel="whatsapp")

    assert 0.7 < whatsapp.count() / phones < 0.95
    assert set(whatsapp.values_list("source", "contact_point__kind")) == {("seed", "phone")}
    emails = ContactPoint.objects.filter(kind="email").values_list("value", flat=True)
    assert [e for e in emails if not e.endswith(".example")] == []
    assert [e for e in emails if rules.clean_email(e) != e] == []


def test_most_contact_points_carry_the_contracts_consent_for_their_other_channels(seeded):
    points = ContactPoint.objects.count()
    contract = ChannelConsent.objects.filter(source="seed: contrato")

    consented_points = contract.values("contact_point").distinct().count()
    assert 0.8 < consented_points / points < 0.97
    assert set(contract.values_list("channel", "contact_point__kind")) == {
        ("sms", "phone"),
        ("rcs", "phone"),
        ("call", "phone"),
        ("email", "email"),
    }


def test_every_seeded_debtor_debt_and_payment_has_its_audit_event(seeded):
    events = AuditEvent.objects.filter(actor="seed")

    assert events.filter(kind="debtor_created").count() == 200
    assert events.filter(kind="debt_created").count() == len(seeded.debts)
    assert events.filter(kind="payment_recorded").count() == len(seeded.payments)
    assert events.filter(kind="debt_created", debt__isnull=True).count() == 0


@pytest.mark.django_db
def test_loading_the_same_seed_again_is_refused_and_writes_nothing():
    run_seed(debtors=30)
    before = table_snapshot()

    with pytest.raises(CommandError, match="seed 11 was already loaded"):
        run_seed(debtors=30)
    assert table_snapshot() == before


@pytest.mark.django_db
def test_another_seed_adds_debtors_to_the_same_creditors():
    run_seed(debtors=30)
    output = run_seed(debtors=20, seed_number=12)

    assert "creditors_reused=6" in output
    assert Creditor.objects.count() == 6
    assert Debtor.objects.count() == 50


@pytest.mark.django_db
def test_creditor_name_puts_every_debtor_under_that_one_creditor():
    run_seed(debtors=25, creditor_name="Cobranzas Andinas", country="PE")

    creditor = Creditor.objects.get()
    assert (creditor.name, creditor.country, creditor.default_currency) == (
        "Cobranzas Andinas", "PE", "PEN"
    )
    assert set(Debtor.objects.values_list("creditor_id", "country")) == {(creditor.pk, "PE")}


@pytest.mark.django_db
def test_a_wrong_today_is_reported_by_name():
    with pytest.raises(CommandError, match="--today: '15/11/2026' is not a date"):
        call_command("seed", "--debtors", "5", "--today", "15/11/2026")


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return tmp_path


def run_demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_seeds_an_empty_database_and_prints_working_credentials(var_dir):
    output = run_demo()

    password = (var_dir / "demo-admin-password").read_text().strip()
    assert "Admin:    http://127.0.0.1:8000/admin/\nUsername: admin\n" in output
    assert output.endswith(f"Password: {password}\n")
    assert stat.S_IMODE((var_dir / "demo-admin-password").stat().st_mode) == 0o600
    assert len(password) >= 20
    assert Debtor.objects.count() == 300
    assert Creditor.objects.count() == 6
    user = authenticate(username="admin", password=password)
    assert user is not None and user.is_superuser


@pytest.mark.django_db
def test_demo_plans_todays_contacts_with_the_default_policies(var_dir):
    output = run_demo()

    # The steps a debtor's one message of the day covers are rows too, never sent.
    planned = Outreach.objects.exclude(status="covered").count()
    assert planned > 20
    assert f": planned {planned} contacts for " in output
    channels = set(Outreach.objects.values_list("channel", flat=True))
    assert {"whatsapp", "email"} <= channels
    # Companies are written to by email only; WhatsApp needs the opt-in.
    assert not Outreach.objects.filter(debtor__kind="company", channel="whatsapp").exists()
    for outreach in Outreach.objects.filter(channel="whatsapp").select_related("contact_point"):
        assert outreach.contact_point.consents.filter(
            channel="whatsapp", revoked_at=None
        ).exists()
    assert "Personas / whatsapp: " in output


@pytest.mark.django_db
def test_demo_run_twice_changes_nothing_and_prints_the_same_credentials(var_dir):
    first = run_demo()
    snapshot = table_snapshot()
    second = run_demo()

    assert second.splitlines()[-3:] == first.splitlines()[-3:]
    assert second.startswith("Portfolio already present; nothing seeded.")
    assert table_snapshot() == snapshot
    assert get_user_model().objects.filter(username="admin").count() == 1


@pytest.mark.django_db
def test_demo_never_resets_a_password_someone_changed(var_dir):
    run_demo()
    user = get_user_model().objects.get(username="admin")
    user.set_password("elegida-por-alguien")
    user.save()

    output = run_demo()

    assert "Password: (changed by hand" in output
    assert authenticate(username="admin", password="elegida-por-alguien") is not None


@pytest.mark.django_db
def test_demo_replaces_an_empty_password_file_instead_of_using_an_empty_password(var_dir):
    (var_dir / "demo-admin-password").write_text("")

    output = run_demo()

    password = (var_dir / "demo-admin-password").read_text().strip()
    assert len(password) >= 20
    assert output.endswith(f"Password: {password}\n")
    assert authenticate(username="admin", password=password) is not None


@pytest.mark.django_db
def test_demo_creditors_take_bank_transfers_and_the_portal_shows_the_debtors_reference(
    var_dir, client
):
    output = run_demo()

    assert "6 creditors take bank transfers with each debtor's reference." in output
    accounts = BankAccount.objects.select_related("creditor")
    assert {account.creditor.country: account.account_type for account in accounts} == {
        "MX": "CLABE",
        "CO": "Cuenta de ahorros",
        "CL": "Cuenta corriente",
        "PE": "Cuenta corriente",
        "AR": "CBU",
        "BR": "Conta corrente",
    }
    assert all(account.holder_name == account.creditor.legal_name for account in accounts)
    debtor = Debtor.objects.filter(creditor__country="MX").order_by("pk").first()
    page = client.get(f"/p/{payment_token(debtor.pk)}").content.decode()
    assert payment_reference(debtor) in page
    assert "012180001234567891" in page
    assert run_demo().count("take bank transfers") == 0  # a second run adds none
    assert BankAccount.objects.count() == 6
