from recaudo.portfolio.models import Creditor


def test_a_creditor_can_be_saved_and_read_back(creditor):
    assert Creditor.objects.get(pk=creditor.pk).default_currency == "COP"
