"""The weekly summary e-mail per creditor, sent by the worker once per week.

Each Monday-to-Sunday week (UTC) that has ended, every creditor with
recipients (``ReportRecipient``) gets one e-mail per recipient language with
the week's figures (``figures.summary``). The week is claimed first: a
``WeeklyReport`` row, unique per (creditor, week), is written in its own
transaction before anything is sent, so two workers, a restart or a re-run
never send it twice (at most once, like every contact: a failed send is
recorded ``failed`` with its error for staff to see, not retried blindly).
Mail goes through the SMTP server of the e-mail channel (``SMTP_HOST``...).
"""

from __future__ import annotations

import logging
import smtplib
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from recaudo.languages import staff_money
from recaudo.portfolio.models import Creditor
from recaudo.reports.figures import Summary, summary
from recaudo.reports.models import ReportRecipient, WeeklyReport

logger = logging.getLogger(__name__)
SMTP_TIMEOUT_SECONDS = 30


def last_week_start(now: datetime) -> date:
    """The Monday of the last whole week (UTC) before ``now``."""
    today = now.astimezone(UTC).date()
    return today - timedelta(days=today.weekday() + 7)


def week_bounds(week_start: date) -> tuple[datetime, datetime]:
    start = datetime.combine(week_start, time(0), tzinfo=UTC)
    return start, start + timedelta(days=7)


def compose(creditor: Creditor, figures: Summary, language: str) -> tuple[str, str]:
    """The subject and text of the summary in ``language`` (money in that language)."""
    with translation.override(language):
        last_day = (figures.end - timedelta(days=1)).date()
        subject = _("Resumen semanal de %(creditor)s: %(start)s a %(end)s") % {
            "creditor": creditor.name,
            "start": figures.start.date().isoformat(),
            "end": last_day.isoformat(),
        }
        lines = [
            subject,
            "",
            _("Pagos recibidos: %(count)s") % {"count": figures.payments},
        ]
        for item in figures.money:
            lines.append(
                _("Recuperado en %(currency)s: %(amount)s")
                % {
                    "currency": item.currency,
                    "amount": staff_money(item.recovered, item.currency, creditor.country),
                }
            )
            lines.append(
                _("Saldo abierto hoy en %(currency)s: %(amount)s")
                % {
                    "currency": item.currency,
                    "amount": staff_money(item.open_balance, item.currency, creditor.country),
                }
            )
        lines += [
            _("Promesas de pago hechas: %(count)s") % {"count": figures.promises_made},
            _("Promesas de pago cumplidas: %(count)s") % {"count": figures.promises_kept},
            _("Contactos enviados: %(count)s") % {"count": figures.contacts_sent},
            _("Motivos de no pago escuchados: %(count)s")
            % {"count": sum(figures.reasons.values())},
            "",
            _("Semana de lunes a domingo en UTC. El detalle está en Exportaciones."),
        ]
        return subject, "\n".join(lines) + "\n"


def _send(recipients: list[str], subject: str, text: str) -> None:
    config = settings.CHANNELS["email"]
    mail = EmailMessage()
    mail["From"] = config["from_address"]
    mail["To"] = ", ".join(recipients)
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain="recaudo")
    mail.set_content(text)
    with smtplib.SMTP(config["host"], config["port"], timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if config["use_tls"]:
            smtp.starttls()
        if config["username"]:
            smtp.login(config["username"], config["password"])
        smtp.send_message(mail)


def _claim(creditor: Creditor, week_start: date, recipients: list[str]) -> WeeklyReport | None:
    try:
        with transaction.atomic():
            return WeeklyReport.objects.create(
                creditor=creditor, week_start=week_start, recipients=recipients
            )
    except IntegrityError:
        return None  # claimed before: sent, sending or failed, never again


def send_weekly_reports(now: datetime | None = None) -> dict[str, int]:
    """Send last week's summary to every creditor with recipients that has not had it."""
    now = now or timezone.now()
    week_start = last_week_start(now)
    start, end = week_bounds(week_start)
    counts = {"sent": 0, "failed": 0, "already": 0}
    creditors = Creditor.objects.filter(report_recipients__isnull=False).distinct().order_by("pk")
    for creditor in creditors:
        people = list(ReportRecipient.objects.filter(creditor=creditor).order_by("email"))
        report = _claim(creditor, week_start, [person.email for person in people])
        if report is None:
            counts["already"] += 1
            continue
        figures = summary(frozenset({creditor.pk}), start, end)
        by_language: dict[str, list[str]] = {}
        for person in people:
            by_language.setdefault(person.language, []).append(person.email)
        try:
            for language, emails in sorted(by_language.items()):
                subject, text = compose(creditor, figures, language)
                _send(emails, subject, text)
        except (OSError, smtplib.SMTPException) as error:
            logger.warning("weekly report %s not sent: %s", report.pk, error)
            report.status = WeeklyReport.Status.FAILED
            report.error = str(error)[:500]
            counts["failed"] += 1
        else:
            report.status = WeeklyReport.Status.SENT
            report.sent_at = timezone.now()
            counts["sent"] += 1
        report.figures = figures.as_json()
        report.save(update_fields=["status", "error", "sent_at", "figures"])
    return counts
