"""How the debtor wants to be contacted, chosen on the portal. One transaction each.

The portal shows the debtor's usable contact points (values masked) and the
channels each one is used on. The debtor may prefer one point, stop one
channel on one point (its consent is withdrawn, by a revoked
``ChannelConsent`` the planner and ``notify`` already honour, and the contacts
planned on it are cancelled) or stop everything (``unsubscribe.opt_out`` on
every point).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.delivery.views import opt_out
from recaudo.outreach.models import Outreach
from recaudo.payments.rules import AgreementError
from recaudo.portfolio.models import ChannelConsent, ContactPoint, Debtor

SOURCE = "portal"
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


def mask(point: ContactPoint) -> str:
    """Enough to recognise one's own phone or mailbox, not to learn it."""
    if point.kind == ContactPoint.Kind.EMAIL:
        name, _at, domain = point.value.partition("@")
        return f"{name[:1]}•••@{domain}"
    return f"••• {point.value[-4:]}"


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
                f"{_(CHANNEL_LABELS.get(channel, channel))} · {mask(point)}",
            )
            for channel in point.channels or ()
            if (point.pk, channel) not in withdrawn
        ]
        if channels:
            rows.append(PointRow(point.pk, mask(point), point.preferred, channels))
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
    now = timezone.now()
    with transaction.atomic():
        point = _usable_point(debtor, int(point_id))
        if channel not in (point.channels or ()):
            raise AgreementError(_("Elija una opción de la lista."))
        consent, created = ChannelConsent.objects.get_or_create(
            contact_point=point,
            channel=channel,
            defaults={"source": SOURCE, "granted_at": now, "revoked_at": now},
        )
        if not created and consent.revoked_at is None:
            ChannelConsent.objects.filter(pk=consent.pk).update(revoked_at=now)
        return Outreach.objects.filter(
            contact_point=point, channel=channel, status=Outreach.Status.PLANNED
        ).update(status=Outreach.Status.CANCELLED, status_reason=f"opted out on portal ({channel})")


def stop_everything(debtor: Debtor) -> int:
    cancelled = 0
    with transaction.atomic():
        for point in ContactPoint.objects.filter(debtor=debtor, opted_out_at__isnull=True):
            cancelled += opt_out(point, "all (portal)")
        return cancelled


def _usable_point(debtor: Debtor, point_id: int) -> ContactPoint:
    point = ContactPoint.objects.filter(
        debtor=debtor, pk=point_id, opted_out_at__isnull=True, invalid_since__isnull=True
    ).first()
    if point is None:
        raise AgreementError(_("Elija una opción de la lista."))
    return point
