"""Regional public holidays: a debtor's state or autonomous community counts too."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from recaudo.compliance.rules import check_contact
from recaudo.compliance.store import pack_for
from recaudo.portfolio.models import Debtor
from recaudo.regions import find_region, region_from_phone
from tests.compliance.support import local
from tests.factories import make_creditor

MADRID = "Europe/Madrid"
SAO_PAULO = "America/Sao_Paulo"


def _allowed(country: str, region: str, timezone: str, at) -> tuple[bool, tuple[str, ...]]:
    decision = check_contact(
        pack_for(None, country, region), timezone=timezone, channel="sms", at=at
    )
    return decision.allowed, decision.reasons


def test_catalonias_national_day_closes_catalonia_but_not_madrid():
    diada = local(MADRID, 2026, 9, 11, 11)  # Friday 11 September 2026

    assert _allowed("ES", "CT", MADRID, diada) == (False, ("holiday",))
    assert _allowed("ES", "MD", MADRID, diada) == (True, ())
    assert _allowed("ES", "", MADRID, diada) == (True, ())


def test_sao_paulos_constitutionalist_revolution_day_closes_sao_paulo_only():
    ninth_of_july = local(SAO_PAULO, 2026, 7, 9, 11)  # Thursday

    assert _allowed("BR", "SP", SAO_PAULO, ninth_of_july) == (False, ("holiday",))
    assert _allowed("BR", "RJ", SAO_PAULO, ninth_of_july) == (True, ())


def test_an_unknown_region_changes_nothing():
    assert pack_for(None, "BR", "ZZ") == pack_for(None, "BR")


@pytest.mark.parametrize(
    ("country", "text", "code"),
    [("ES", "Cataluña", "CT"), ("ES", "catalunya", "CT"), ("ES", "md", "MD"),
     ("BR", "São Paulo", "SP"), ("BR", "BR-RJ", "RJ"), ("BR", "Narnia", None),
     ("CO", "Antioquia", None)],
)  # fmt: skip
def test_a_region_is_found_by_its_code_or_its_name(country, text, code):
    assert find_region(country, text) == code


def test_a_brazilian_phones_area_code_names_its_state_and_a_spanish_mobile_names_none():
    assert region_from_phone("BR", "+5511987654321") == "SP"
    assert region_from_phone("BR", "+5521987654321") == "RJ"
    assert region_from_phone("BR", "+5561987654321") == "DF"
    assert region_from_phone("ES", "+34612345678") == ""


DEBTORS = (
    "id_cliente;nombre;pais;telefono;region\n"
    "C-1;Jordi Puig;ES;+34612345678;Cataluña\n"
    "C-2;Ana Souza;BR;+5511987654321;\n"
)


@pytest.mark.django_db
def test_an_import_takes_the_region_column_or_the_brazilian_area_code(tmp_path: Path):
    creditor = make_creditor()
    path = tmp_path / "deudores.csv"
    path.write_text(DEBTORS, encoding="utf-8")

    call_command("import", "debtors", str(path), "--creditor", str(creditor.pk))

    regions = dict(Debtor.objects.values_list("external_id", "region"))
    assert regions == {"C-1": "CT", "C-2": "SP"}


@pytest.mark.django_db
def test_an_import_with_an_unknown_region_names_the_line_and_the_known_codes(tmp_path: Path):
    creditor = make_creditor()
    path = tmp_path / "deudores.csv"
    path.write_text("id_cliente;nombre;pais;region\nC-1;Jordi Puig;ES;Narnia\n", encoding="utf-8")

    errors = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import", "debtors", str(path), "--creditor", str(creditor.pk), stderr=errors
        )

    assert "línea 2: region: 'Narnia' no es una región de ES (AN, AR, AS" in errors.getvalue()
    assert not Debtor.objects.exists()
