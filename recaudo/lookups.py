"""``field__any=[...]``: membership in a list passed as one array parameter.

``field__in=ids`` writes one placeholder per id (``IN (%s, %s, ...)``); for
a dispatch batch of 500 ids that is a long query psycopg parses on every
execution. On PostgreSQL ``field__any=ids`` writes ``field = ANY(%s)`` with
the whole list as one array; elsewhere it is ``IN``, as before. Registered
for every field by ``PortfolioConfig.ready``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Field
from django.db.models.fields.related import ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


class AnyOf(In):
    """``In`` everywhere, written as ``= ANY(array)`` on PostgreSQL."""

    lookup_name = "any"

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [
            field.get_db_prep_value(value, connection, prepared=True)
            for value in self.rhs
            if value is not None
        ]
        # Typed as the column: a smallint[] against a bigint column cannot use
        # PostgreSQL's hashed ANY and compares every row with every element.
        return f"{lhs} = ANY(%s::{field.db_type(connection)}[])", [*lhs_params, values]


class RelatedAnyOf(RelatedIn):
    """``debtor_id__any=[...]`` on a foreign key: the ids of the related rows."""

    lookup_name = "any"
    as_postgresql = AnyOf.as_postgresql


def register() -> None:
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(RelatedAnyOf)
