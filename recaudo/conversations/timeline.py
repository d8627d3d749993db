"""A debtor's whole conversation, in time order: messages plus the outbox.

Messages come from ``Message``; what policy steps and notices sent comes
from the debtor's ``Outreach`` rows (read at query time, so the dispatcher
needs no change). An answer's Outreach row is shown once, on its message,
with its delivery state.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from recaudo.conversations.models import Message, Thread
from recaudo.exports import csv_writer
from recaudo.outreach.models import Outreach
from recaudo.policies.keys import key_label
from recaudo.policies.templatetags.money import reader_money

# What the inbox shows for the codes an entry carries (the CSV keeps the codes).
AUTHORS = {
    "debtor": _("deudor"),
    "bot": _("bot"),
    "agent": _("agente"),
    "system": _("sistema"),
    "policy": _("envío programado"),
}
STATUSES = {
    "planned": _("programado"),
    "sending": _("enviando"),
    "sent": _("enviado"),
    "delivered": _("entregado"),
    "read": _("leído"),
    "failed": _("fallido"),
    "cancelled": _("cancelado"),
    "unknown": _("desconocido"),
}
CHANNELS = {
    "whatsapp": "WhatsApp",
    "sms": "SMS",
    "rcs": "RCS",
    "email": _("correo"),
    "call": _("llamada"),
}


@dataclass(frozen=True)
class Entry:
    at: datetime
    direction: str  # in | out
    kind: str  # message | note | outreach
    author: str  # debtor | bot | agent | system | policy
    channel: str
    text: str
    status: str  # the delivery state of what we sent ("" for inbound and notes)
    intent: str = ""
    agent: str = ""

    @property
    def author_label(self) -> str:
        return str(AUTHORS.get(self.author, self.author))

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))

    @property
    def channel_label(self) -> str:
        return str(CHANNELS.get(self.channel, self.channel))


def timeline(thread: Thread) -> list[Entry]:
    return _entries(thread.debtor_id, Message.objects.filter(thread=thread))


def debtor_timeline(debtor_id: int) -> list[Entry]:
    """The same for a debtor who may have no thread yet (a call task's debtor)."""
    return _entries(debtor_id, Message.objects.filter(thread__debtor_id=debtor_id))


def _entries(debtor_id: int, messages: QuerySet[Message]) -> list[Entry]:
    entries: list[Entry] = []
    shown: set[int] = set()
    for message in messages.select_related("outreach", "agent").order_by("occurred_at", "pk"):
        status = message.outreach.status if message.outreach is not None else ""
        if message.outreach_id:
            shown.add(message.outreach_id)
        entries.append(
            Entry(
                at=message.occurred_at,
                direction=message.direction,
                kind=message.kind,
                author=message.author,
                channel=message.channel,
                text=message.text,
                status=status,
                intent=message.intent,
                agent=message.agent.get_username() if message.agent else "",
            )
        )
    # A covered step is not a message: the one message that covered it is shown.
    rows = (
        Outreach.objects.filter(debtor_id=debtor_id)
        .exclude(pk__in=shown)
        .exclude(status=Outreach.Status.COVERED)
    )
    for row in rows.select_related("debtor"):
        entries.append(
            Entry(
                at=row.sent_at or row.window_start,
                direction=Message.Direction.OUT,
                kind="outreach",
                author="policy" if row.action != Outreach.Action.REPLY else "bot",
                channel=row.channel,
                text=_outreach_text(row),
                status=row.status,
            )
        )
    return sorted(entries, key=lambda entry: entry.at)


def _outreach_text(row: Outreach) -> str:
    if row.sent_text:  # exactly what left
        return row.sent_text
    context = row.notice_context or {}
    if context.get("text"):
        return str(context["text"])
    label = key_label(row.template_key) if row.template_key else row.get_action_display()
    if not row.amount_due:  # a receipt, a paz y salvo: nothing owed to show
        return f"[{label}]"
    return f"[{label}] {reader_money(row.amount_due, row.currency, row.debtor.country)}"


def as_csv(thread: Thread) -> str:
    """The record of the debtor's communication (thread and live outbox), one row per entry."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(
        [
            "fecha_utc",
            "direccion",
            "tipo",
            "autor",
            "agente",
            "canal",
            "estado",
            "intencion",
            "texto",
        ]
    )
    for entry in timeline(thread):
        writer.writerow(
            [
                entry.at.isoformat(),
                entry.direction,
                entry.kind,
                entry.author,
                entry.agent,
                entry.channel,
                entry.status,
                entry.intent,
                entry.text,
            ]
        )
    return out.getvalue()
