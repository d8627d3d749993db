"""Call tasks: the agent worklist and whether a call is allowed right now.

Policy steps with action ``call_task`` plan Outreach rows the dispatcher never
claims; here they become a worklist. A recorded attempt turns the row ``sent``
(``actions.record_call``), so it counts against the country's contact rules
like any other contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recaudo.compliance.rules import Decision, PastContact, check_contact
from recaudo.compliance.store import pack_for
from recaudo.conversations.scope import visible_call_tasks
from recaudo.outreach.models import Outreach
from recaudo.portfolio.models import ChannelConsent, ContactPoint, Debt, Debtor

HISTORY_DAYS = 14  # as far back as the weekly caps and gaps look
CONTACTED = ("sent", "delivered", "read")

OUTCOMES = {
    "promise": _("promesa de pago"),
    "no_answer": _("no contestó"),
    "refused": _("se negó a pagar"),
    "wrong_number": _("número equivocado"),
    "paid": _("dice que ya pagó"),
}

REASONS = {
    "no_phone": _("no hay un teléfono válido para llamar"),
    "no_consent": _("el país exige consentimiento para llamar y no lo hay"),
    "outside_hours": _("fuera del horario permitido"),
    "closed_day": _("hoy no se permite contactar"),
    "holiday": _("es feriado"),
    "opted_out": _("pidió no ser contactado"),
}


@dataclass(frozen=True)
class CallCheck:
    allowed: bool
    reasons: tuple[str, ...]
    next_allowed_at: datetime | None
    phone: ContactPoint | None

    def reason_labels(self) -> list[str]:
        return [str(REASONS.get(reason, reason)) for reason in self.reasons]


def worklist(agent: AbstractBaseUser, now: datetime | None = None) -> QuerySet[Outreach]:
    """Call tasks due by today that are free or taken by ``agent``, oldest first."""
    now = now or timezone.now()
    return (
        visible_call_tasks(agent)
        .filter(status=Outreach.Status.PLANNED, planned_on__lte=now.date())
        .filter(Q(call_assignment__isnull=True) | Q(call_assignment__agent=agent))
        .select_related("debtor", "contact_point", "call_assignment__agent")
        .order_by("window_start", "pk")
    )


def call_phone(task: Outreach) -> ContactPoint | None:
    """The task's phone when still usable for calls, else the debtor's best one."""
    points = ContactPoint.objects.filter(
        debtor_id=task.debtor_id,
        kind="phone",
        opted_out_at__isnull=True,
        invalid_since__isnull=True,
    ).order_by("-preferred", "pk")
    usable = [point for point in points if "call" in (point.channels or ())]
    for point in usable:
        if point.pk == task.contact_point_id:
            return point
    return usable[0] if usable else None


def call_history(debtor_id: int, now: datetime) -> list[PastContact]:
    """The debtor's contacts that reached them recently (what the caps count)."""
    rows = Outreach.objects.filter(
        debtor_id=debtor_id, status__in=CONTACTED, sent_at__gte=now - timedelta(days=HISTORY_DAYS)
    ).values_list("channel", "sent_at")
    return [PastContact(channel, sent_at) for channel, sent_at in rows]


def check_call(task: Outreach, now: datetime | None = None) -> CallCheck:
    """Whether the agent may call for ``task`` now, under the debtor's country rules."""
    now = now or timezone.now()
    debtor: Debtor = task.debtor
    phone = call_phone(task)
    if phone is None:
        return CallCheck(False, ("no_phone",), None, None)
    pack = pack_for(debtor.creditor_id, debtor.country)
    if "call" in pack.consent_required and not (
        ChannelConsent.objects.filter(
            contact_point=phone, channel="call", revoked_at__isnull=True
        ).exists()
    ):
        return CallCheck(False, ("no_consent",), None, phone)
    decision: Decision = check_contact(
        pack,
        timezone=debtor.timezone,
        channel="call",
        at=now,
        history=call_history(debtor.pk, now),
    )
    return CallCheck(decision.allowed, decision.reasons, decision.next_allowed_at, phone)


def balance(debtor: Debtor) -> Decimal:
    return sum(
        (d.balance for d in Debt.objects.filter(debtor=debtor, status__in=Debt.COLLECTIBLE)),
        Decimal(0),
    )
