"""Finding records named on the command line."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext

from recaudo.portfolio.models import Creditor


def find_creditor(name_or_id: str | None) -> Creditor:
    if name_or_id:
        query = Creditor.objects.filter(name=name_or_id)
        if name_or_id.isdigit():
            query = query | Creditor.objects.filter(pk=int(name_or_id))
        creditor = query.first()
        if creditor is None:
            raise CommandError(
                gettext("--creditor: no hay un acreedor llamado '%(name)s'") % {"name": name_or_id},
                returncode=1,
            )
        return creditor
    creditors = list(Creditor.objects.all()[:2])
    if len(creditors) == 1:
        return creditors[0]
    if not creditors:
        raise CommandError(
            gettext("aún no hay ningún acreedor; cree uno en el admin o con `recaudo seed`"),
            returncode=1,
        )
    raise CommandError(gettext("hay varios acreedores; indique uno con --creditor"), returncode=1)
