"""Why a debtor was or was not contacted today, in words.

Nothing here restates a rule: each channel is judged by the dispatcher's own
``delivery.rules.decide`` (which calls the compliance engine's
``check_contact``) with the facts it would read at the moment of sending, and
what the planner and the dispatcher already did today is read from the
debtor's Outreach rows (their status and the reason they recorded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recaudo.compliance.store import pack_for
from recaudo.conversations.calls import REASONS
from recaudo.conversations.timeline import CHANNELS
from recaudo.delivery.rules import DebtState, PointState, SendFacts, decide
from recaudo.outreach.history import ATTEMPTED, debtor_history
from recaudo.outreach.models import Outreach
from recaudo.payments.models import DebtorReport
from recaudo.payments.promises import debts_under_promise
from recaudo.policies.keys import key_label
from recaudo.portfolio.models import ChannelConsent, ContactPoint, Debt, Debtor

# The dispatcher's own reason codes (``delivery.rules.decide``) beyond the compliance
# engine's (``conversations.calls.REASONS``).
DISPATCH_REASONS = {
    "disputed": gettext_lazy("una deuda está en disputa o en pausa"),
    "promise_pending": gettext_lazy("prometió pagar: se espera la fecha prometida"),
    "in_arrangement": gettext_lazy("tiene un plan de pagos en curso"),
    "nothing_owed": gettext_lazy("no debe nada"),
    "contact_point_invalid": gettext_lazy("el dato de contacto no es válido"),
    "channel_not_on_point": gettext_lazy("este canal no está habilitado en ese dato de contacto"),
    "no_consent": gettext_lazy("el país exige consentimiento para este canal y no lo hay"),
    "opted_out": gettext_lazy("pidió no ser contactado"),
    "expired": gettext_lazy("pasó la hora límite del envío"),
    # ``payments.reports.report_debts`` cancels what was planned with these words.
    "reported already paid or disputed": gettext_lazy(
        "dijo que ya pagó, o hay una disputa o una pausa"
    ),
    # ``outreach.sending``'s records of a worker's or a provider's trouble.
    "returned to the queue: its worker stopped before sending": gettext_lazy(
        "vuelto a la cola: su proceso se detuvo antes de enviarlo"
    ),
    "lease expired during sending": gettext_lazy(
        "su proceso se detuvo durante el envío: se espera la confirmación del proveedor"
    ),
    "the provider's answer was lost": gettext_lazy("se perdió la respuesta del proveedor"),
    "decided again: the debtor changed before the send": gettext_lazy(
        "decidido de nuevo: algo del deudor cambió antes del envío"
    ),
    "reconciled: the provider has it": gettext_lazy("conciliado: el proveedor lo tiene"),
    "reconciled: the provider never got it; queued again": gettext_lazy(
        "conciliado: el proveedor nunca lo recibió; de nuevo en la cola"
    ),
}
# Reasons written with a reference: what settled the debts (``outreach.settle.cancel_settled``).
SETTLED_REASONS = (
    (re.compile(r"^paid \((?P<ref>.*)\)$"), gettext_lazy("pagó (pago %(ref)s)")),
    (re.compile(r"^plan (?P<ref>\d+) agreed$"), gettext_lazy("acordó un plan de pagos")),
    (re.compile(r"^discount (?P<ref>\d+) settled$"), gettext_lazy("pagó con un descuento")),
)


def reason_words(code: str) -> str:
    """One reason code in words; an unknown code (a free text reason) as it is."""
    found = DISPATCH_REASONS.get(code) or REASONS.get(code)
    if found is not None:
        return str(found)
    for pattern, words in SETTLED_REASONS:
        if matched := pattern.match(code):
            return str(words) % {"ref": matched["ref"]}
    return code


def reasons_words(codes: str | tuple[str, ...] | list[str]) -> str:
    if isinstance(codes, str):
        if reason_words(codes) != codes:  # one reason that holds a comma of its own
            return reason_words(codes)
        codes = [part for part in codes.split(",") if part]
    return "; ".join(reason_words(code.strip()) for code in codes)


@dataclass(frozen=True)
class ChannelVerdict:
    channel: str
    address: str
    allowed: bool
    reasons: str  # in words ("" when allowed)
    next_allowed_at: datetime | None

    @property
    def channel_label(self) -> str:
        return str(CHANNELS.get(self.channel, self.channel))


@dataclass(frozen=True)
class RowToday:
    row: Outreach
    words: str  # what happened to it, in words

    @property
    def channel_label(self) -> str:
        return str(CHANNELS.get(self.row.channel, self.row.channel))

    @property
    def key_label(self) -> str:
        return key_label(self.row.template_key)


@dataclass(frozen=True)
class ContactToday:
    today: date
    timezone: str
    summary: str
    rows: list[RowToday]
    pauses: list[DebtorReport]
    channels: list[ChannelVerdict]
    next_allowed_at: datetime | None


def explain(debtor: Debtor, now: datetime | None = None) -> ContactToday:
    now = now or timezone.now()
    zone = ZoneInfo(debtor.timezone)
    today = timezone.localtime(now, zone).date()
    day_start = datetime.combine(today, datetime.min.time(), zone)
    day_end = day_start + timedelta(days=1)
    rows = [
        RowToday(row, _row_words(row, debtor.timezone))
        # A step covered by the day's one message is shown as that message.
        for row in Outreach.objects.filter(debtor=debtor, planned_on=today)
        .exclude(status=Outreach.Status.COVERED)
        .order_by("window_start", "pk")
    ]
    rows += [
        RowToday(row, _row_words(row, debtor.timezone))
        for row in Outreach.objects.filter(
            debtor=debtor, sent_at__gte=day_start, sent_at__lt=day_end
        )
        .exclude(planned_on=today)
        .order_by("sent_at", "pk")
    ]
    pauses = list(
        DebtorReport.objects.filter(debtor=debtor, status=DebtorReport.Status.PENDING)
        .select_related("debt")
        .order_by("pause_until", "pk")
    )
    channels = channel_verdicts(debtor, now)
    upcoming = [v.next_allowed_at for v in channels if v.next_allowed_at and not v.allowed]
    allowed_now = [v for v in channels if v.allowed]
    next_allowed_at = now if allowed_now else (min(upcoming) if upcoming else None)
    summary = _summary(debtor, rows, pauses, channels, next_allowed_at)
    return ContactToday(today, debtor.timezone, summary, rows, pauses, channels, next_allowed_at)


def channel_verdicts(debtor: Debtor, now: datetime) -> list[ChannelVerdict]:
    """For each channel of each contact point: would a reminder go now, and if not, why."""
    pack = pack_for(debtor.creditor_id, debtor.country, debtor.region)
    promised = debts_under_promise([debtor.pk])
    debts = [
        DebtState(debt.pk, "promised" if debt.pk in promised else debt.status, debt.balance)
        for debt in Debt.objects.filter(debtor=debtor).exclude(
            status__in=[Debt.Status.PAID, Debt.Status.WRITTEN_OFF]
        )
    ]
    history = debtor_history(debtor.pk, now, placing=False)
    verdicts = []
    points = ContactPoint.objects.filter(debtor=debtor).order_by("-preferred", "pk")
    consents = ChannelConsent.objects.filter(contact_point__debtor=debtor)
    granted: dict[int, set[str]] = {}
    withdrawn: dict[int, set[str]] = {}
    for consent in consents:
        target = withdrawn if consent.revoked_at else granted
        target.setdefault(consent.contact_point_id, set()).add(consent.channel)
    for point in points:
        state = PointState(
            id=point.pk,
            channels=frozenset(point.channels or ()) - withdrawn.get(point.pk, set()),
            consented=frozenset(granted.get(point.pk, ())),
            opted_out=point.opted_out_at is not None,
            invalid=point.invalid_since is not None,
        )
        for channel in point.channels or ():
            decision = decide(
                pack,
                SendFacts(
                    channel=channel,
                    debts=debts,
                    point=state,
                    consent_required=pack.consent_required,
                    timezone=debtor.timezone,
                    history=history,
                    window_end=now + timedelta(hours=1),
                ),
                now,
            )
            allowed = decision.verdict == "send"
            verdicts.append(
                ChannelVerdict(
                    channel=channel,
                    address=point.value,
                    allowed=allowed,
                    reasons="" if allowed else reasons_words(decision.reason),
                    next_allowed_at=decision.not_before,
                )
            )
    return verdicts


def _local(moment: datetime | None, zone_name: str) -> str:
    """The time of day in the debtor's zone, written as the reader's language writes it."""
    if moment is None:
        return ""
    return formats.time_format(timezone.localtime(moment, ZoneInfo(zone_name)), "TIME_FORMAT")


def when_words(moment: datetime, zone_name: str) -> str:
    """A date and time in the debtor's zone, in the reader's language."""
    local = timezone.localtime(moment, ZoneInfo(zone_name))
    return formats.date_format(local, "SHORT_DATETIME_FORMAT")


def _row_words(row: Outreach, zone_name: str) -> str:
    status = row.status
    if status in ATTEMPTED or (status == Outreach.Status.FAILED and row.sent_at):
        return _("enviado a las %(time)s") % {
            "time": _local(row.sent_at or row.window_start, zone_name)
        }
    if status == Outreach.Status.PLANNED:
        return _("pendiente, entre las %(start)s y las %(end)s") % {
            "start": _local(row.window_start, zone_name),
            "end": _local(row.window_end, zone_name),
        }
    reason = reasons_words(row.status_reason) if row.status_reason else ""
    if status == Outreach.Status.CANCELLED:
        return _("cancelado: %(reason)s") % {"reason": reason or "—"}
    return _("no salió: %(reason)s") % {"reason": reason or row.last_error or "—"}


def _summary(
    debtor: Debtor,
    rows: list[RowToday],
    pauses: list[DebtorReport],
    channels: list[ChannelVerdict],
    next_allowed_at: datetime | None,
) -> str:
    sent = [item for item in rows if item.row.sent_at]
    if sent:
        first = sent[0]
        return _("Hoy se le contactó por %(channel)s a las %(time)s (hora del deudor).") % {
            "channel": first.channel_label,
            "time": _local(first.row.sent_at, debtor.timezone),
        }
    planned = [item for item in rows if item.row.status == Outreach.Status.PLANNED]
    if planned:
        return _(
            "Hoy no se le contactó todavía: hay un contacto por %(channel)s %(words)s "
            "(hora del deudor)."
        ) % {"channel": planned[0].channel_label, "words": planned[0].words}
    if pauses:
        return _("Hoy no se le contactó: los recordatorios están en pausa hasta el %(date)s.") % {
            "date": formats.date_format(max(p.pause_until for p in pauses if p.pause_until))
            if any(p.pause_until for p in pauses)
            else "—"
        }
    stopped = [item for item in rows if item.row.status == Outreach.Status.CANCELLED]
    if stopped:
        return _("Hoy no se le contactó: el envío por %(channel)s fue %(words)s.") % {
            "channel": stopped[0].channel_label,
            "words": stopped[0].words,
        }
    if not channels:
        return _("Hoy no se le contactó: no tiene datos de contacto.")
    if not any(v.allowed for v in channels):
        text = _("Hoy no se le contactó: %(reasons)s.") % {"reasons": channels[0].reasons}
        if next_allowed_at is not None:
            text += " " + _("Próximo momento permitido: %(when)s (hora del deudor).") % {
                "when": when_words(next_allowed_at, debtor.timezone)
            }
        return text
    return _(
        "Hoy no se le contactó: ningún paso de su política programó un contacto para hoy, "
        "aunque la ley lo permitiría ahora."
    )
