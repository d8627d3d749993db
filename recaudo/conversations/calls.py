"""Call tasks: the agent worklist and whether a call is allowed right now.

Policy steps with action ``call_task`` plan Outreach rows the dispatcher never
claims; here they become a worklist. A recorded attempt turns the row ``sent``
(``actions.record_call``), so it counts against the country's contact rules
like any other contact. "Call again later" queues a new task at the moment the
debtor asked for, or the next one their country allows (``place_call_back``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recaudo.compliance.rules import Decision, PastContact, RulePack, check_contact
from recaudo.compliance.store import pack_for
from recaudo.compliance.windows import local_date
from recaudo.conversations.scope import visible_call_tasks
from recaudo.outreach.history import debtor_history
from recaudo.outreach.models import Outreach
from recaudo.policies.planning import place
from recaudo.portfolio.models import ChannelConsent, ContactPoint, Debtor

OUTCOMES = {
    "promise": _("promesa de pago"),
    "no_answer": _("no contestó"),
    "refused": _("se negó a pagar"),
    "wrong_number": _("número equivocado"),
    "paid": _("dice que ya pagó"),
    "call_back": _("volver a llamar más tarde"),
}

REASONS = {
    "nothing_owed": _("ya pagó (o se cerró) lo que motivó esta llamada"),
    "no_phone": _("no hay un teléfono válido para llamar"),
    "no_consent": _("el país exige consentimiento para llamar y no lo hay"),
    "outside_hours": _("fuera del horario permitido"),
    "closed_day": _("hoy no se permite contactar"),
    "holiday": _("es feriado"),
    "opted_out": _("pidió no ser contactado"),
    "daily_cap": _("ya tuvo hoy los contactos permitidos"),
    "weekly_cap": _("ya tuvo los contactos permitidos en 7 días"),
    "calendar_week_cap": _("ya tuvo los contactos permitidos esta semana"),
    "voice_cap": _("ya tuvo las llamadas permitidas"),
    "written_cap": _("ya tuvo los mensajes permitidos"),
    "channel_cap": _("ya tuvo los contactos permitidos por este canal"),
    "min_gap": _("no pasaron los días mínimos desde el último contacto"),
    "channel_diversity": _("esta semana ya se usó otro canal"),
    "after_conversation": _("habló con un agente hace menos de 7 días"),
    "search_horizon": _("no hay un momento permitido en los próximos días"),
}


def reason_labels(reasons: tuple[str, ...] | list[str]) -> list[str]:
    return [str(REASONS.get(reason, reason)) for reason in reasons]


@dataclass(frozen=True)
class CallCheck:
    allowed: bool
    reasons: tuple[str, ...]
    next_allowed_at: datetime | None
    phone: ContactPoint | None

    def reason_labels(self) -> list[str]:
        return reason_labels(self.reasons)


def worklist(agent: User, now: datetime | None = None) -> QuerySet[Outreach]:
    """Call tasks due by today that are free or taken by ``agent``, oldest first.

    A task whose debts were all paid or closed since it was planned is left
    out (a payment by file import or the API does not cancel it at once).
    """
    now = now or timezone.now()
    return (
        visible_call_tasks(agent)
        .planned()
        .still_owed()
        .filter(planned_on__lte=now.date())
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
    """The debtor's recent contacts, as the caps count them at the moment of calling."""
    return debtor_history(debtor_id, now, placing=False)


def requested(history: list[PastContact]) -> list[PastContact]:
    """A call the debtor asked for: their earlier conversations do not bar it.

    US Regulation F §1006.14(b)(3)(i) exempts calls made with the person's
    prior consent, given directly within the seven days after a conversation;
    "call me later" is that consent. Caps and hours still hold.
    """
    return [replace(past, conversation=False) for past in history]


def check_call(task: Outreach, now: datetime | None = None) -> CallCheck:
    """Whether the agent may call for ``task`` now, under the debtor's country rules."""
    now = now or timezone.now()
    debtor: Debtor = task.debtor
    phone = call_phone(task)
    if not Outreach.objects.filter(pk=task.pk).still_owed().exists():
        return CallCheck(False, ("nothing_owed",), None, phone)
    if phone is None:
        return CallCheck(False, ("no_phone",), None, None)
    pack = pack_for(debtor.creditor_id, debtor.country, debtor.region)
    if "call" in pack.consent_required and not (
        ChannelConsent.objects.filter(
            contact_point=phone, channel="call", revoked_at__isnull=True
        ).exists()
    ):
        return CallCheck(False, ("no_consent",), None, phone)
    history = call_history(debtor.pk, now)
    if call_back_info(task) is not None:
        history = requested(history)
    decision: Decision = check_contact(
        pack,
        timezone=debtor.timezone,
        channel="call",
        at=now,
        history=history,
    )
    return CallCheck(decision.allowed, decision.reasons, decision.next_allowed_at, phone)


@dataclass(frozen=True)
class CallBack:
    """Where a "call me later" lands: the asked moment, or the next one allowed."""

    asked_at: datetime
    starts_at: datetime
    ends_at: datetime
    reasons: tuple[str, ...]  # why ``asked_at`` itself is not allowed (empty: it is)

    @property
    def moved(self) -> bool:
        return self.starts_at != self.asked_at


def place_call_back(
    pack: RulePack, *, timezone: str, asked_at: datetime, history: list[PastContact]
) -> CallBack | None:
    """Place a call asked for ``asked_at`` as the planner places contacts.

    The same rule function decides (``check_contact`` through the planner's
    ``place``), with the debtor's sent and planned contacts as history: the
    call starts at ``asked_at`` when that is allowed, else at the next allowed
    moment, and its window ends when that day's allowed hours end. ``None``
    when no moment is allowed within the search horizon.
    """
    history = requested(history)  # the debtor asked for this call
    decision = check_contact(pack, timezone=timezone, channel="call", at=asked_at, history=history)
    window = place(
        pack,
        timezone=timezone,
        channel="call",
        day=local_date(timezone, asked_at),
        history=history,
        not_before=asked_at,
    )
    if window is None:
        return None
    return CallBack(asked_at, window[0], window[1], () if decision.allowed else decision.reasons)


@dataclass(frozen=True)
class CallBackInfo:
    """What a call-back task remembers: the attempt behind it and what was asked."""

    previous_id: int
    asked_at: datetime
    moved: bool
    reason_labels: list[str]


def call_back_info(task: Outreach) -> CallBackInfo | None:
    context = task.notice_context or {}
    if "call_back_of" not in context:
        return None
    asked_at = datetime.fromisoformat(str(context["asked_for"]))
    return CallBackInfo(
        previous_id=int(context["call_back_of"]),
        asked_at=asked_at,
        moved=asked_at != task.window_start,
        reason_labels=reason_labels(list(context.get("reasons") or [])),
    )


def follow_up_of(task: Outreach) -> Outreach | None:
    """The call queued when this attempt ended in "call again later"."""
    return Outreach.objects.for_notice(f"call-back:{task.pk}").first()


def placement_history(debtor_id: int, now: datetime) -> list[PastContact]:
    """The debtor's recent and planned contacts, as the planner counts them."""
    return debtor_history(debtor_id, now, placing=True)
