"""Staff changes to a debtor's contact points and consents: one transaction each, audited.

A point is added (the phone read in the debtor's country, the e-mail
checked), switched off (no channel may use it), marked invalid (with the
reason, as a bounce would), or switched back on. A consent is granted or
revoked per channel with its source ("contrato", "llamada"...). Every change
is an ``AuditEvent`` (``contact_point_changed`` or ``consent_changed``) naming
the actor; the dispatcher reads the same rows at the moment of sending.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.portfolio import events
from recaudo.portfolio.models import AuditEvent, ChannelConsent, ContactPoint, Debtor
from recaudo.portfolio.rules import InputError, clean_email, clean_phone

STATES = ("active", "disabled", "invalid")


def _channels_of(kind: str) -> list[str]:
    return list(ContactPoint.PHONE_CHANNELS if kind == "phone" else ContactPoint.EMAIL_CHANNELS)


def add_contact_point(debtor: Debtor, *, kind: str, value: str, actor: str) -> ContactPoint:
    """A new phone (E.164, read in the debtor's country) or e-mail, usable on every channel
    of its kind; a value the debtor already has is refused."""
    if kind == ContactPoint.Kind.PHONE:
        clean = clean_phone(value, debtor.country, "value")
    elif kind == ContactPoint.Kind.EMAIL:
        clean = clean_email(value, "value")
    else:
        raise InputError("kind", _("'%(value)s' no es teléfono ni correo") % {"value": kind})
    try:
        with transaction.atomic():
            point = ContactPoint.objects.create(
                debtor=debtor, kind=kind, value=clean, channels=_channels_of(kind)
            )
            events.contact_point_event(
                point,
                AuditEvent.Kind.CONTACT_POINT_CHANGED,
                actor=actor,
                data={"contact_point": point.pk, "change": "added", "value": point.masked_value},
            )
    except IntegrityError:
        raise InputError("value", _("el deudor ya tiene %(value)s") % {"value": clean}) from None
    return point


def set_contact_point_state(point: ContactPoint, *, state: str, reason: str, actor: str) -> bool:
    """``active`` (every channel of its kind, valid again), ``disabled`` (no channel) or
    ``invalid`` (with ``reason``). False when the point already was in that state."""
    if state not in STATES:
        raise InputError("state", _("'%(value)s' no es un estado válido") % {"value": state})
    reason = reason.strip()[:200]
    if state != "active" and not reason:
        raise InputError("reason", _("es obligatorio"))
    with transaction.atomic():
        locked = ContactPoint.objects.select_for_update().select_related("debtor").get(pk=point.pk)
        before = _state_of(locked)
        if before == state:
            return False
        if state == "active":
            locked.channels = _channels_of(locked.kind)
            locked.invalid_since, locked.invalid_reason = None, ""
        elif state == "disabled":
            locked.channels = []
        else:
            locked.invalid_since, locked.invalid_reason = timezone.now(), reason
        locked.save(update_fields=["channels", "invalid_since", "invalid_reason"])
        events.contact_point_event(
            locked,
            AuditEvent.Kind.CONTACT_POINT_CHANGED,
            actor=actor,
            data={
                "contact_point": locked.pk,
                "change": state,
                "before": before,
                "value": locked.masked_value,
                "reason": reason,
            },
        )
    point.refresh_from_db()
    return True


def _state_of(point: ContactPoint) -> str:
    if point.invalid_since is not None:
        return "invalid"
    return "active" if point.channels else "disabled"


def state_of(point: ContactPoint) -> str:
    """What the 360 shows: ``invalid``, ``disabled`` or ``active``."""
    return _state_of(point)


def set_consent(
    point: ContactPoint, *, channel: str, granted: bool, source: str, actor: str
) -> ChannelConsent:
    """Grant (or revoke) the debtor's consent for ``channel`` on ``point``, with its source."""
    if channel not in _channels_of(point.kind):
        raise InputError(
            "channel", _("'%(value)s' no es un canal de este dato de contacto") % {"value": channel}
        )
    source = source.strip()[:100]
    if not source:
        raise InputError("source", _("es obligatorio"))
    now = timezone.now()
    with transaction.atomic():
        consent, _created = ChannelConsent.objects.select_for_update().get_or_create(
            contact_point=point,
            channel=channel,
            defaults={"source": source, "granted_at": now, "revoked_at": None if granted else now},
        )
        if not _created:
            if granted:
                consent.granted_at, consent.revoked_at = now, None
            else:
                consent.revoked_at = now
            consent.source = source
            consent.save(update_fields=["source", "granted_at", "revoked_at"])
        events.contact_point_event(
            point,
            AuditEvent.Kind.CONSENT_CHANGED,
            actor=actor,
            data={
                "contact_point": point.pk,
                "channel": channel,
                "granted": granted,
                "source": source,
            },
        )
    return consent
