"""Telling the creditor's admins and supervisors that an endpoint was disabled."""

from __future__ import annotations

import logging

from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from recaudo.conversations.models import AgentProfile
from recaudo.integrations.models import Endpoint
from recaudo.roles import ADMIN, SUPERVISOR, role_of

logger = logging.getLogger(__name__)


def owners(creditor_id: int) -> list[User]:
    """Active admins and supervisors who see ``creditor_id`` (superusers see every creditor)."""
    tied = AgentProfile.objects.filter(Q(creditor_id=creditor_id) | Q(creditor__isnull=True))
    untied = User.objects.filter(is_staff=True, memberships__isnull=True)
    candidates = User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(pk__in=tied.values("user_id")) | Q(pk__in=untied.values("pk"))
    )
    return [
        user
        for user in candidates.exclude(email="").order_by("pk")
        if role_of(user) in (ADMIN, SUPERVISOR)
    ]


def endpoint_disabled(endpoint_id: int) -> int:
    """Email the owners; returns how many were told. Runs after the disabling commits."""
    endpoint = Endpoint.objects.select_related("creditor").get(pk=endpoint_id)
    told = 0
    for user in owners(endpoint.creditor_id):
        with translation.override("es"):
            subject = _("Recaudo desactivó el destino de eventos «%(name)s»") % {
                "name": endpoint.name
            }
            body = _(
                "El destino %(url)s de %(creditor)s falló %(count)s veces seguidas y se "
                "desactivó el %(when)s (UTC).\n\nÚltimo error: %(reason)s\n\n"
                "Los eventos siguen guardados. Cuando el destino responda, actívelo de nuevo "
                "en /equipo/integraciones/ y reenvíe desde la fecha de la falla."
            ) % {
                "url": endpoint.url,
                "creditor": endpoint.creditor.name,
                "count": endpoint.failure_count,
                "when": f"{endpoint.disabled_at:%Y-%m-%d %H:%M}" if endpoint.disabled_at else "",
                "reason": endpoint.disabled_reason,
            }
        try:
            send_mail(subject, body, None, [user.email])
            told += 1
        except OSError:
            logger.exception(
                "could not tell %s that endpoint %s was disabled", user.pk, endpoint_id
            )
    return told
