"""How the debtor wants to be contacted, chosen on the portal. One transaction each.

The portal shows the debtor's usable contact points (values masked) and the
channels each one is used on. The debtor may prefer one point, stop one
channel on one point (its consent is withdrawn, by a revoked
``ChannelConsent`` the planner and ``notify`` already honour, and the contacts
planned on it are cancelled) or stop everything (every point opted out). Both
stops are carried out and audited by ``outreach.optouts``.

The debtor may also name a preferred channel (one they can be reached on:
a point that carries it and, where needed, their consent) and preferred
hours; the planner tries that channel first and places reminders inside
those hours (docs/policies.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recaudo.channels import consent_needed
from recaudo.compliance.store import pack_for
from recaudo.outreach import optouts
from recaudo.outreach.notify import usable_points
from recaudo.payments.rules import AgreementError
from recaudo.portfolio.actions import set_contact_preferences
from recaudo.portfolio.models import ChannelConsent, ContactPoint, Debtor
from recaudo.portfolio.rules import InputError

CHANNEL_LABELS = {
    "whatsapp": "WhatsApp",
    "sms": "SMS",
    "rcs": "RCS",
    "call": "llamada",
    "email": "correo",
}


@dataclass(frozen=True)
class ChannelChoice:
    value: str  # "<point id>:<channel>", the form's value
    point_id: int
    channel: str
    label: str


@dataclass(frozen=True)
class PointRow:
    id: int
    masked: str
    preferred: bool
    channels: list[ChannelChoice]


def contact_rows(debtor: Debtor) -> list[PointRow]:
    withdrawn = set(
        ChannelConsent.objects.filter(
            contact_point__debtor=debtor, revoked_at__isnull=False
        ).values_list("contact_point_id", "channel")
    )
    rows = []
    points = ContactPoint.objects.filter(
        debtor=debtor, opted_out_at__isnull=True, invalid_since__isnull=True
    ).order_by("pk")
    for point in points:
        channels = [
            ChannelChoice(
                f"{point.pk}:{channel}",
                point.pk,
                channel,
                f"{_(CHANNEL_LABELS.get(channel, channel))} · {point.masked_value}",
            )
            for channel in point.channels or ()
            if (point.pk, channel) not in withdrawn
        ]
        if channels:
            rows.append(PointRow(point.pk, point.masked_value, point.preferred, channels))
    return rows


def prefer(debtor: Debtor, point_id: int) -> ContactPoint:
    with transaction.atomic():
        point = _usable_point(debtor, point_id)
        ContactPoint.objects.filter(debtor=debtor).exclude(pk=point.pk).update(preferred=False)
        ContactPoint.objects.filter(pk=point.pk).update(preferred=True)
        return point


def stop_channel(debtor: Debtor, choice: str) -> int:
    """Stop ``"<point id>:<channel>"``; the number of planned contacts cancelled."""
    point_id, _sep, channel = choice.partition(":")
    if not point_id.isdigit():
        raise AgreementError(_("Elija una opción de la lista."))
    with transaction.atomic():
        point = _usable_point(debtor, int(point_id))
        if channel not in (point.channels or ()):
            raise AgreementError(_("Elija una opción de la lista."))
        return optouts.stop_channel(point, channel, source="portal", actor="debtor")


def stop_everything(debtor: Debtor) -> int:
    return optouts.opt_out_debtor(debtor, source="portal", actor="debtor")


def _usable_point(debtor: Debtor, point_id: int) -> ContactPoint:
    point = ContactPoint.objects.filter(
        debtor=debtor, pk=point_id, opted_out_at__isnull=True, invalid_since__isnull=True
    ).first()
    if point is None:
        raise AgreementError(_("Elija una opción de la lista."))
    return point


# The portal's choices of hours (local time); staff may set any range in the admin.
HOURS: dict[str, tuple[time, time]] = {
    "morning": (time(8), time(12)),
    "afternoon": (time(12), time(18)),
    "evening": (time(18), time(21)),
}
HOURS_LABELS = {
    "morning": gettext_lazy("Por la mañana (8:00 a 12:00)"),
    "afternoon": gettext_lazy("Por la tarde (12:00 a 18:00)"),
    "evening": gettext_lazy("Por la noche (18:00 a 21:00)"),
}


def preferable_channels(debtor: Debtor) -> list[str]:
    """The channels the debtor can be reached on: carried by a usable point, consented if needed."""
    pack = pack_for(debtor.creditor_id, debtor.country, debtor.region)
    needs = consent_needed(pack.consent_required)
    found: list[str] = []
    for point in usable_points(debtor):
        for channel in sorted(point.channels):
            if channel in needs and channel not in point.consented:
                continue
            if channel not in found:
                found.append(channel)
    order = list(CHANNEL_LABELS)
    return sorted(found, key=lambda channel: order.index(channel) if channel in order else 99)


def hours_key(debtor: Debtor) -> str:
    """Which of ``HOURS`` the debtor's preferred hours are ("" none, "custom" another range)."""
    if debtor.preferred_hours_from is None or debtor.preferred_hours_to is None:
        return ""
    hours = (debtor.preferred_hours_from, debtor.preferred_hours_to)
    return next((key for key, value in HOURS.items() if value == hours), "custom")


def save_preferences(
    debtor: Debtor, *, channel: str, hours: str, hours_from: str = "", hours_to: str = ""
) -> bool:
    """The portal's preferences form: a channel (or none) and hours (a choice, a range, or none).

    A range typed in (``hours_from``/``hours_to``, "HH:MM") wins over the choice.
    Stored on the debtor and audited (``portfolio.actions.set_contact_preferences``).
    """
    if channel and channel not in preferable_channels(debtor):
        raise AgreementError(_("Elija un medio de la lista."))
    start: time | None = None
    end: time | None = None
    if hours_from or hours_to:
        try:
            start = time.fromisoformat(hours_from) if hours_from else None
            end = time.fromisoformat(hours_to) if hours_to else None
        except ValueError as error:
            raise AgreementError(_("Escriba las horas como 08:30.")) from error
    elif hours:
        if hours not in HOURS:
            raise AgreementError(_("Elija un horario de la lista."))
        start, end = HOURS[hours]
    try:
        return set_contact_preferences(
            debtor, channel=channel, hours_from=start, hours_to=end, actor="portal:debtor"
        )
    except InputError as error:
        raise AgreementError(error.message) from error
