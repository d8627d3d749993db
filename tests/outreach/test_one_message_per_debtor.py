"""One message per debtor and day: the day's steps for several debts make one message.

Without it, each step was a message of its own and Colombia's one contact a
day (docs/compliance.md) queued the second and third for the next days, each
naming only its own debt. Now the most urgent step leads one message about all
the debtor's open debts, and the others are recorded as covered by it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from recaudo.conversations.timeline import debtor_timeline
from recaudo.insights.models import OutreachDay
from recaudo.insights.snapshots import recount
from recaudo.outreach.models import Outreach
from recaudo.portfolio.models import Debt
from recaudo.portfolio.statement import statement_lines
from tests.dispatching import dispatch_and_record
from tests.outreach.test_planner import DAY, _debtor, _due, _plan

pytestmark = pytest.mark.django_db
# Inside the first window the Colombian hours allow on DAY (07:00 Bogotá is 12:00 UTC).
SEND_AT = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
LINK = re.compile(r"https?://\S+/p/\S+")


@pytest.fixture
def three_debts(creditor):
    """Due in a week (the -7 reminder today), yesterday (+1) and a week ago (+7)."""
    debtor = _debtor(creditor, first_name="Lucía")
    debts = [
        _due(debtor, 7, "100000.00"),
        _due(debtor, -1, "250000.00"),
        _due(debtor, -7, "900000.00"),
    ]
    return debtor, debts


def _link(text: str) -> str:
    match = LINK.search(text)
    assert match is not None, text
    return match.group(0)


def test_three_debts_due_at_different_offsets_get_one_message_naming_all_three(
    creditor, three_debts
):
    _debtor, debts = three_debts

    result = _plan()

    message = Outreach.objects.get(status="planned")
    assert (result.created, result.covered) == (1, 2)
    # The +7 step of the oldest debt leads; the -7 and +1 steps are covered by it.
    assert (message.template_key, message.anchor_due_on) == ("overdue_early", debts[2].due_on)
    assert sorted(message.debt_links.values_list("debt_id", flat=True)) == [d.pk for d in debts]
    assert message.amount_due == Decimal("1250000.00")
    covered = Outreach.objects.filter(status="covered").order_by("anchor_due_on")
    assert [(row.anchor_due_on, row.template_key, row.covered_by_id) for row in covered] == [
        (debts[1].due_on, "overdue_early", message.pk),
        (debts[0].due_on, "reminder_before", message.pk),
    ]
    # The caps postpone nothing: the one message goes today.
    assert message.window_start.date() == DAY

    [sent] = dispatch_and_record(SEND_AT)

    assert sent.channel == "rcs"  # the phone-first steps try RCS before SMS
    assert sent.text == (  # RCS's own wording (policies.default_templates.rcs_body)
        f"Hola Lucía, te escribimos de {creditor.brand_name}. Tienes 3 facturas pendientes por "
        "$1.250.000,00, la primera con vencimiento el 17 de noviembre.\n"
        f"Puedes ver el detalle y pagar o elegir un plan aquí: {_link(sent.text)}\n"
        "Si ya pagaste, ¡gracias!"
    )
    assert dispatch_and_record(SEND_AT + timedelta(hours=1)) == []
    assert set(Outreach.objects.values_list("status", flat=True)) == {"sent", "covered"}


def test_re_running_the_planner_plans_nothing_and_the_covered_steps_are_not_planned_later(
    creditor, three_debts
):
    _plan()
    rows = set(Outreach.objects.values_list("id", "status"))

    again = _plan()
    later = [_plan(DAY + timedelta(days=days)) for days in range(1, 6)]

    assert (again.created, again.covered, again.already_planned) == (0, 0, 3)
    assert [(run.created, run.covered) for run in later] == [(0, 0)] * 5
    assert set(Outreach.objects.values_list("id", "status")) == rows


def test_the_covered_steps_are_not_planned_again_after_days_the_planner_missed(
    creditor, three_debts
):
    _plan()

    # Three days without a run: the catch-up looks back at the missed days only.
    caught_up = _plan(DAY + timedelta(days=4))

    assert (caught_up.created, caught_up.covered) == (0, 0)
    assert Outreach.objects.count() == 3


def test_after_the_debtor_pays_one_debt_the_message_lists_the_remaining_ones(creditor, three_debts):
    _debtor, debts = three_debts
    _plan()
    oldest = debts[2]
    oldest.amount_paid = oldest.amount
    oldest.status = Debt.Status.PAID
    oldest.save()

    [sent] = dispatch_and_record(SEND_AT)

    assert sent.text == (
        f"Hola Lucía, te escribimos de {creditor.brand_name}. Tienes 2 facturas pendientes por "
        "$350.000,00, la primera con vencimiento el 23 de noviembre.\n"
        f"Puedes ver el detalle y pagar o elegir un plan aquí: {_link(sent.text)}\n"
        "Si ya pagaste, ¡gracias!"
    )


def test_one_debt_left_gets_the_steps_own_text_not_the_several_debts_one(creditor, three_debts):
    _debtor, debts = three_debts
    _plan()
    for debt in debts[1:]:
        debt.amount_paid = debt.amount
        debt.status = Debt.Status.PAID
        debt.save()

    [sent] = dispatch_and_record(SEND_AT)

    assert sent.text.startswith(
        f"Hola Lucía, te escribimos de {creditor.brand_name}. No hemos recibido tu pago de "
        "$100.000,00, que vencía el 1 de diciembre;"
    )


def test_the_whatsapp_message_about_several_debts_passes_count_total_and_first_due_date(
    creditor,
):
    debtor = _debtor(creditor, whatsapp=True, first_name="Lucía")
    _due(debtor, 7, "100000.00")
    _due(debtor, -7, "900000.00")
    _plan()

    [sent] = dispatch_and_record(SEND_AT)

    assert sent.channel == "whatsapp"
    # The shipped statement step attaches the statement: so does the several-debts message.
    assert sent.template_name == "recaudo_several_debts_statement_document"
    assert sent.document_filename == "estado-de-cuenta.pdf"
    assert sent.quick_replies == ("pay", "agent", "paid")
    assert list(sent.template_parameters) == [
        "Lucía",
        creditor.brand_name,
        "2",
        "$1.000.000,00",
        "17 de noviembre",
        _link(sent.text),
    ]


def test_a_company_statement_email_lists_every_open_invoice_with_its_age_oldest_first(creditor):
    company = _debtor(creditor, kind="company", full_name="Ferretería El Tornillo S.A.S.")
    _due(company, 15, "4500000.00", invoice_number="FE-310")  # today: the statement (-15)
    _due(company, -20, "1250000.50", invoice_number="FE-201")
    _due(company, -3, "800000.00", invoice_number="FE-288", amount_paid=Decimal("300000.00"))
    _due(company, -40, "99.00", invoice_number="FE-150", status=Debt.Status.PAID)
    _plan()

    [sent] = dispatch_and_record(SEND_AT)

    table = (
        "Factura  Vencimiento      Días de mora          Saldo\n"
        "FE-201   4 de noviembre   20            $1.250.000,50\n"
        "FE-288   21 de noviembre  3               $500.000,00\n"
        "FE-310   9 de diciembre   por vencer    $4.500.000,00\n"
        "Total COP: $6.250.000,50"
    )
    assert sent.channel == "email"
    assert (
        sent.subject == f"{creditor.brand_name}: estado de cuenta de Ferretería El Tornillo S.A.S."
    )
    assert sent.text == (
        "Estimado cliente:\n\n"
        "Le compartimos el estado de cuenta de Ferretería El Tornillo S.A.S. con "
        f"{creditor.brand_name}. El próximo vencimiento es el 9 de diciembre.\n\n"
        f"{table}\n\n"
        f"Puede pagar en línea en {_link(sent.text)} o por los medios habituales.\n\n"
        f"Para cualquier consulta o conciliación: {creditor.support_email}. Si ya realizó el "
        "pago, le agradecemos y le pedimos no tener en cuenta este mensaje.\n\n"
        f"Cordialmente,\n{creditor.brand_name}"
    )
    assert (
        "<table>\n"
        "<thead><tr><th>Factura</th><th>Vencimiento</th><th>Días de mora</th><th>Saldo</th>"
        "</tr></thead>\n<tbody>\n"
        "<tr><td>FE-201</td><td>4 de noviembre</td><td>20</td>"
        '<td style="text-align: right">$1.250.000,50</td></tr>\n'
        "<tr><td>FE-288</td><td>21 de noviembre</td><td>3</td>"
        '<td style="text-align: right">$500.000,00</td></tr>\n'
        "<tr><td>FE-310</td><td>9 de diciembre</td><td>por vencer</td>"
        '<td style="text-align: right">$4.500.000,00</td></tr>\n'
        "</tbody>\n<tfoot>\n"
        '<tr><th colspan="3">Total COP</th><td style="text-align: right">$6.250.000,50</td>'
        "</tr>\n</tfoot>\n</table>"
    ) in sent.html
    assert table.splitlines()[1] not in sent.html  # the HTML shows the table, not its text
    assert f'<a href="{_link(sent.text)}">' in sent.html


def test_the_statement_lines_are_the_open_invoices_oldest_first_with_their_age(creditor):
    company = _debtor(creditor, kind="company")
    newest = _due(company, 15, "4500000.00", invoice_number="FE-310")
    oldest = _due(company, -20, "1250000.50", invoice_number="", external_id="ERP-77")
    _due(company, -30, "10.00", status=Debt.Status.PAID)

    lines = statement_lines(company, DAY)

    assert [
        (line.debt_id, line.invoice, line.due_on, line.age_days, line.balance, line.currency)
        for line in lines
    ] == [
        (oldest.pk, "ERP-77", oldest.due_on, 20, Decimal("1250000.50"), "COP"),
        (newest.pk, "FE-310", newest.due_on, -15, Decimal("4500000.00"), "COP"),
    ]


def test_the_covered_steps_are_neither_counted_as_contacts_nor_shown_as_messages(
    creditor, three_debts
):
    debtor, _debts = three_debts
    _plan()
    message = Outreach.objects.get(status="planned")

    recount(DAY)

    assert [(day.template_key, day.planned) for day in OutreachDay.objects.all()] == [
        ("overdue_early", 1)
    ]
    entries = debtor_timeline(debtor.pk)
    assert [(entry.kind, entry.status) for entry in entries] == [("outreach", "planned")]
    assert entries[0].at == message.window_start
