"""``recaudo learn``: one creditor or all, a clear error for an unknown one."""

from __future__ import annotations

from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from recaudo.learning.models import DebtorScore, LearningRun, ScoreModel
from tests.factories import make_creditor
from tests.learning.helpers import NOW, history

pytestmark = pytest.mark.django_db


def test_learn_trains_scores_and_records_the_run_for_the_creditor_asked():
    creditor, other = make_creditor(), make_creditor()
    history(creditor)
    out = StringIO()

    with time_machine.travel(NOW, tick=False):
        call_command("learn", "--creditor", str(creditor.pk), stdout=out)

    assert out.getvalue().startswith(f"creditor {creditor.pk}: model v1 (n=")
    assert ScoreModel.objects.filter(creditor=creditor).count() == 1
    assert DebtorScore.objects.filter(creditor=creditor).count() == 240
    assert list(LearningRun.objects.values_list("creditor_id", flat=True)) == [creditor.pk]
    assert not DebtorScore.objects.filter(creditor=other).exists()


def test_learn_names_an_unknown_creditor():
    with pytest.raises(CommandError, match="--creditor: no creditor with id 999999"):
        call_command("learn", "--creditor", "999999")
