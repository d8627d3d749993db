"""``field__any``: membership in a list, one array parameter on PostgreSQL."""

import pytest

from recaudo.payments.models import PaymentLink
from recaudo.portfolio.models import Debtor
from tests.factories import make_creditor, make_debtor

pytestmark = pytest.mark.django_db


def test_any_finds_the_same_rows_as_in_for_ids_sets_and_foreign_keys():
    creditor = make_creditor()
    debtors = [make_debtor(creditor, phone=f"+5730012345{n:02d}") for n in range(4)]
    wanted = [debtors[0].pk, debtors[2].pk]

    assert set(Debtor.objects.filter(id__any=wanted)) == set(Debtor.objects.filter(id__in=wanted))
    assert Debtor.objects.filter(id__any=set(wanted)).count() == 2
    assert Debtor.objects.filter(id__any=[]).count() == 0
    assert Debtor.objects.filter(creditor__any=[creditor.pk]).count() == 4
    assert (
        Debtor.objects.filter(id__any=Debtor.objects.filter(pk=debtors[1].pk).values("pk")).get()
        == debtors[1]
    )


def test_any_on_a_sized_text_column_does_not_cut_the_values_it_compares():
    creditor = make_creditor()
    debtor = make_debtor(creditor, phone="+573001234567")
    PaymentLink.objects.create(
        creditor=creditor, debtor=debtor, token="x" * 64, expires_at="2030-01-01T00:00:00Z"
    )

    assert not PaymentLink.objects.filter(token__any=["x" * 80]).exists()
    assert PaymentLink.objects.filter(token__any=["x" * 64, "y"]).exists()
