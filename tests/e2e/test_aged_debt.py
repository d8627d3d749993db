"""In a real browser: a debt already 33 days late when it is imported is contacted on the
import day, and the message reaches the debtor's phone in the simulator."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command

from recaudo.delivery.dispatcher import Dispatcher
from recaudo.outreach.models import Outreach
from recaudo.outreach.planner import plan
from recaudo.portfolio.models import Debtor
from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_creditor

IMPORT_DAY = date(2026, 11, 24)  # a Tuesday, no holiday in Colombia
IMPORTED_AT = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # 08:00 in Bogotá
PLANNED_AT = datetime(2026, 11, 24, 13, 5, tzinfo=UTC)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_debt_33_days_late_on_import_day_reaches_the_phone_that_day(
    live_server, sandbox, phone_page, tmp_path
):
    creditor = make_creditor(brand_name="Ópticas Norte")
    due = IMPORT_DAY - timedelta(days=33)
    path = tmp_path / "cartera.csv"
    path.write_text(
        "id_deuda;id_cliente;nombre;teléfono;moneda;monto;fecha_vencimiento;acepta_whatsapp\n"
        f"F-33;C-33;Julián Mora Peña;300 765 4321;COP;245.000,00;{due:%d/%m/%Y};sí\n",
        encoding="utf-8",
    )
    out = StringIO()
    with time_machine.travel(IMPORTED_AT, tick=False):
        call_command("import", "debts", str(path), "--creditor", str(creditor.pk), stdout=out)
    assert "0 deudas abiertas no serán alcanzadas" in out.getvalue()

    result = plan(IMPORT_DAY, now=PLANNED_AT)

    reminder = Outreach.objects.get()
    assert result.created == 1
    assert (reminder.template_key, reminder.channel) == ("overdue_late", "whatsapp")
    assert reminder.window_start.date() == IMPORT_DAY
    worker = Dispatcher(name="aged")
    worker.run_once(max(reminder.window_start, PLANNED_AT))
    worker.close()
    reminder.refresh_from_db()
    assert reminder.status in ("sent", "delivered", "read")
    assert reminder.sent_at.date() == IMPORT_DAY

    debtor = Debtor.objects.get(external_id="C-33")
    password = "una-clave-larga-de-prueba"
    get_user_model().objects.create_superuser("agente", "agente@example.com", password)
    simulator = f"{live_server.url}/sandbox/deudores/{debtor.pk}/"
    page = phone_page
    page.goto(f"{live_server.url}/admin/login/?next=/sandbox/deudores/{debtor.pk}/")
    page.fill("#id_username", "agente")
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(simulator)
    text = page.inner_text("body")
    assert "$245.000,00" in text
    assert "sigue pendiente desde el" in text
    page.screenshot(path=str(ARTIFACTS / "aged-debt-contacted-on-import-day.png"), full_page=True)
