"""In a real browser: a supervisor imports a CSV with Spanish headers and pesos written as
Colombians write them, maps two columns, reads the dry run, confirms, and follows the
progress bar to the summary while a worker thread runs the jobs (issue 16)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from recaudo.portfolio import import_jobs
from recaudo.portfolio.models import Debt, ImportJob
from recaudo.roles import SUPERVISOR
from tests.e2e.test_staff import _log_in, _user
from tests.factories import make_creditor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CARTERA = (
    "Código;Cliente;Nombre;Saldo;Fecha de vencimiento\n"
    "F-1;C-1;Ana Ruiz;$ 150.000;2026-11-01\n"
    "F-2;C-2;Luis Díaz;$ 1.250.000,50;2026-11-05\n"
    "F-3;C-2;Luis Díaz;$ 80.000;15/11/2026\n"
)


class Worker:
    """``recaudo worker``'s import loop in a thread, run only while allowed to."""

    def __init__(self) -> None:
        self.allowed = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        try:
            while not self.stop.is_set():
                if self.allowed.wait(0.1) and import_jobs.run_next("e2e") is None:
                    self.stop.wait(0.1)
        finally:
            connection.close()

    def __enter__(self) -> Worker:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def test_a_supervisor_imports_a_file_maps_it_checks_it_and_follows_it_to_the_summary(
    live_server, browser, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    creditor = make_creditor(name="Servicios Andinos")
    _user("sofia", SUPERVISOR, creditor)

    context, page, errors = _log_in(browser, live_server, "sofia", "/equipo/")
    with Worker() as worker:
        try:
            page.get_by_role(
                "link", name="Importar deudas, pagos o deudores desde un archivo"
            ).click()
            page.wait_for_url("**/equipo/importar/")
            page.select_option("#creditor", label="Servicios Andinos")
            page.select_option("#kind", "debts")
            page.set_input_files(
                "#file",
                files=[{"name": "cartera.csv", "mimeType": "text/csv", "buffer": CARTERA.encode()}],
            )
            page.get_by_role("button", name="Subir y elegir las columnas").click()

            # The mapping: the headers the aliases know are chosen already.
            page.get_by_role("heading", name="¿Qué guarda cada columna?").wait_for()
            assert page.input_value("#column_4") == "due_on"
            assert page.input_value("#column_3") == "amount"
            assert page.input_value("#column_0") == ""
            page.select_option("#column_0", "external_id")
            page.select_option("#column_1", "debtor_external_id")
            page.get_by_role("button", name="Revisar el archivo (no escribe nada)").click()

            # Queued: the bar shows, and follows the job once the worker runs it.
            page.locator("progress#progress").wait_for()
            assert page.locator("#status").inner_text() == "revisión en cola"
            worker.allowed.set()
            page.get_by_role("heading", name="Resultado de la prueba (nada se escribió)").wait_for()
            assert page.locator("#summary tbody").inner_text().split() == [
                "Deudas", "3", "0", "0", "Deudores", "2", "0", "0",
            ]  # fmt: skip
            assert not Debt.objects.exists()

            worker.allowed.clear()
            page.get_by_role("button", name="Confirmar e importar").click()
            page.locator("progress#progress").wait_for()
            assert page.locator("#status").inner_text() == "importación en cola"
            assert page.locator("#percent").inner_text() == "0 %"
            worker.allowed.set()

            page.get_by_role("heading", name="Resultado", exact=True).wait_for()
            assert page.locator("#status").inner_text() == "importado"
            assert page.locator("progress#progress").get_attribute("value") == "100"
            assert page.locator("#summary tbody").inner_text().split() == [
                "Deudas", "3", "0", "0", "Deudores", "2", "0", "0",
            ]  # fmt: skip
            assert "3 filas leídas" in page.locator("#rows").inner_text()
            assert "no será" in page.locator("#unreachable").inner_text() or (
                "no serán" in page.locator("#unreachable").inner_text()
            )
            assert sorted(Debt.objects.values_list("external_id", "amount")) == [
                ("F-1", Decimal("150000.00")),
                ("F-2", Decimal("1250000.50")),
                ("F-3", Decimal("80000.00")),
            ]

            page.get_by_role("link", name="Importaciones").click()
            row = page.locator("#jobs tbody tr").first
            assert "cartera.csv" in row.inner_text() and "sofia" in row.inner_text()
            assert "importado: 3 filas" in row.inner_text()
            assert ImportJob.objects.get().stored_file == ""
            assert page.evaluate("document.documentElement.scrollWidth") <= 1366
            assert errors == []
        finally:
            context.close()
