"""The audit row of an export, written (one transaction) before its first row leaves."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import get_language

from recaudo.conversations.scope import Scope
from recaudo.portfolio.models import ApiKey, Creditor
from recaudo.reports.models import ExportRecord


def record_export(
    *,
    actor: str,
    kind: str,
    file_format: str,
    scope: Scope,
    creditor: Creditor | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
    user_id: int | None = None,
    api_key: ApiKey | None = None,
) -> ExportRecord:
    with transaction.atomic():
        return ExportRecord.objects.create(
            user_id=user_id,
            api_key=api_key,
            actor=actor[:200],
            kind=kind,
            file_format=file_format,
            creditor=creditor,
            scope="*" if scope is None else ",".join(map(str, sorted(scope)))[:500],
            period_from=period_from,
            period_to=period_to,
            language=(get_language() or "es")[:5],
        )
