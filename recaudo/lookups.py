"""``field__any=[...]``: membership in a list passed as one array parameter.

``field__in=ids`` writes one placeholder per id (``IN (%s, %s, ...)``); for
a dispatch batch of 500 ids that is a long query psycopg parses on every
execution. On PostgreSQL ``field__any=ids`` writes ``field = ANY(%s)`` with
the whole list as one array; elsewhere it is ``IN``, as before. Registered
for every field by ``PortfolioConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Field
from django.db.models.fields.related import ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


class _IdsAsGiven:
    """A list of plain ints (ids) needs no per-element preparation."""

    rhs: Any

    def get_prep_lookup(self) -> Any:
        if isinstance(self.rhs, (list, tuple, set, frozenset)) and all(
            type(value) is int for value in self.rhs
        ):
            return list(self.rhs)
        return super().get_prep_lookup()  # type: ignore[misc]  # a mixin: the lookup after it has it


class AnyOf(_IdsAsGiven, In):
    """``In`` everywhere, written as ``= ANY(array)`` on PostgreSQL."""

    lookup_name = "any"

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, Sequence[Any]]:
        if not self.rhs_is_direct_value():  # a subquery: plain IN
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [
            value
            if type(value) is int  # ids: nothing to prepare
            else field.get_db_prep_value(value, connection, prepared=True)
            for value in self.rhs
            if value is not None
        ]
        # Typed as the column: a smallint[] against a bigint column cannot use
        # PostgreSQL's hashed ANY and compares every row with every element.
        # The base type only: "varchar(64)" or "numeric(20, 4)" in a cast would
        # cut or round the values, and match rows IN would not.
        base_type = field.db_type(connection).split("(")[0]
        return f"{lhs} = ANY(%s::{base_type}[])", [*lhs_params, values]


class RelatedAnyOf(_IdsAsGiven, RelatedIn):
    """``debtor_id__any=[...]`` on a foreign key: the ids of the related rows."""

    lookup_name = "any"
    as_postgresql = AnyOf.as_postgresql


def register() -> None:
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(RelatedAnyOf)
