"""The weekly summary by e-mail: once per creditor and week, in each recipient's language,
through a real SMTP server."""

from __future__ import annotations

import io
import socket
from datetime import UTC, date, datetime
from email import message_from_bytes, policy

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.management import call_command

from recaudo.reports.models import ReportRecipient, WeeklyReport
from recaudo.reports.weekly import last_week_start, send_weekly_reports
from tests.reports.fixtures import NOW, client_book

pytestmark = pytest.mark.django_db

# Tuesday 24 November 2026: the last whole week is Monday 16 to Sunday 22.
TUESDAY = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 2.0.0 Ok: queued"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.CHANNELS = {
        **settings.CHANNELS,
        "email": {
            **settings.CHANNELS["email"],
            "host": "127.0.0.1",
            "port": controller.port,
            "username": "",
            "use_tls": False,
            "from_address": "Recaudo <informes@recaudo.example>",
        },
    }
    yield inbox
    controller.stop()


@pytest.fixture
def books():
    with time_machine.travel(NOW, tick=False):
        mine = client_book("Tienda Sol", "A")
        theirs = client_book("Banco Luna", "B", currency="CLP", cents="")
        client_book("Sin Destinatarios", "C")
    ReportRecipient.objects.create(creditor=mine.creditor, email="gerencia@sol.example")
    ReportRecipient.objects.create(creditor=mine.creditor, email="cfo@sol.example", language="en")
    ReportRecipient.objects.create(
        creditor=theirs.creditor, email="diretoria@luna.example", language="pt-br"
    )
    return mine, theirs


def _mails(inbox: Inbox) -> dict[str, tuple[str, str]]:
    found = {}
    for envelope in inbox.messages:
        mail = message_from_bytes(envelope.content, policy=policy.default)
        found[",".join(envelope.rcpt_tos)] = (
            str(mail["Subject"]),
            mail.get_content().replace("\r\n", "\n"),
        )
    return found


def test_the_last_whole_week_starts_on_the_monday_before_this_one():
    assert last_week_start(TUESDAY) == date(2026, 11, 16)
    assert last_week_start(datetime(2026, 11, 23, 0, 0, tzinfo=UTC)) == date(2026, 11, 16)
    assert last_week_start(datetime(2026, 11, 22, 23, 59, tzinfo=UTC)) == date(2026, 11, 9)


def test_each_creditor_gets_last_weeks_figures_in_each_recipients_language(smtp, books):
    counts = send_weekly_reports(TUESDAY)

    assert counts == {"sent": 2, "failed": 0, "already": 0}
    mails = _mails(smtp)
    assert sorted(mails) == ["cfo@sol.example", "diretoria@luna.example", "gerencia@sol.example"]
    assert mails["gerencia@sol.example"] == (
        "Resumen semanal de Tienda Sol: 2026-11-16 a 2026-11-22",
        "Resumen semanal de Tienda Sol: 2026-11-16 a 2026-11-22\n"
        "\n"
        "Pagos recibidos: 1\n"
        "Recuperado en COP: $20.000,00\n"
        "Saldo abierto hoy en COP: $180.000,50\n"
        "Promesas de pago hechas: 0\n"
        "Promesas de pago cumplidas: 0\n"
        "Contactos enviados: 1\n"
        "Motivos de no pago escuchados: 2\n"
        "\n"
        "Semana de lunes a domingo en UTC. El detalle está en Exportaciones.\n",
    )
    assert mails["cfo@sol.example"][0] == "Weekly summary for Tienda Sol: 2026-11-16 to 2026-11-22"
    assert "Recovered in COP: COP20,000.00\n" in mails["cfo@sol.example"][1]
    assert mails["diretoria@luna.example"][0] == (
        "Resumo semanal de Banco Luna: 2026-11-16 a 2026-11-22"
    )
    assert "Recuperado em CLP: CLP 20.000\n" in mails["diretoria@luna.example"][1]
    report = WeeklyReport.objects.get(creditor=books[0].creditor)
    assert (report.week_start, report.status, report.sent_at, report.recipients) == (
        date(2026, 11, 16),
        "sent",
        report.sent_at,
        ["cfo@sol.example", "gerencia@sol.example"],
    )
    assert report.figures["money"] == [
        {"currency": "COP", "recovered": "20000.00", "open_balance": "180000.50"}
    ]


def test_asking_again_the_same_week_sends_nothing_more(smtp, books):
    send_weekly_reports(TUESDAY)
    sent = len(smtp.messages)

    again = send_weekly_reports(datetime(2026, 11, 29, 23, 0, tzinfo=UTC))

    assert again == {"sent": 0, "failed": 0, "already": 2}
    assert len(smtp.messages) == sent == 3
    assert WeeklyReport.objects.count() == 2


def test_a_failed_send_is_recorded_with_its_error_and_never_retried(settings, books):
    settings.CHANNELS = {
        **settings.CHANNELS,
        "email": {**settings.CHANNELS["email"], "host": "127.0.0.1", "port": free_port()},
    }

    first = send_weekly_reports(TUESDAY)
    second = send_weekly_reports(TUESDAY)

    assert first == {"sent": 0, "failed": 2, "already": 0}
    assert second == {"sent": 0, "failed": 0, "already": 2}
    assert set(WeeklyReport.objects.values_list("status", flat=True)) == {"failed"}
    assert "Connection refused" in WeeklyReport.objects.first().error


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_last_weeks_summary_on_its_own(smtp, books):
    out = io.StringIO()
    with time_machine.travel(TUESDAY, tick=False):
        call_command("worker", "--once", "--no-planning", stdout=out)

    assert "weekly reports: 2 sent, 0 failed" in out.getvalue()
    assert sorted(",".join(envelope.rcpt_tos) for envelope in smtp.messages) == [
        "cfo@sol.example",
        "diretoria@luna.example",
        "gerencia@sol.example",
    ]
