"""How the debtor wants to be contacted, chosen on the portal. One transaction each.

The portal shows the debtor's usable contact points (values masked) and the
channels each one is used on. The debtor may prefer one point, stop one
channel on one point (its consent is withdrawn, by a revoked
``ChannelConsent`` the planner and ``notify`` already honour, and the contacts
planned on it are cancelled) or stop everything (every point opted out). Both
stops are carried out and audited by ``outreach.optouts``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from recaudo.outreach import optouts
from recaudo.payments.rules import AgreementError
from recaudo.portfolio.models import ChannelConsent, ContactPoint, Debtor

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
