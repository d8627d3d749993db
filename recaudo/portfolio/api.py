"""REST endpoints for one creditor's debtors, debts and payments (under /api/v1).

Bodies use the canonical field names of ``columns.py`` and go through the same
cleaning functions and writers as a file import (``columns.clean_*`` and
``ingest.*`` inside ``ingest.run_in_transaction``), so a row means the same
thing whichever way it arrives, and a request with any error writes nothing.
Every query is scoped to the API key's creditor: another creditor's rows are
never found, listed or changed.
"""

from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any, TypeAlias
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import BooleanField, Prefetch, QuerySet
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import BaseModel

from recaudo.api import (
    CONFLICTS,
    IDEMPOTENCY_DOC,
    Amount,
    Answer,
    Day,
    DayOrMoment,
    Flag,
    IdempotencyKey,
    PageIn,
    PageOut,
    Problem,
    ProblemOut,
    Words,
    actor_of,
    bulk_body,
    canonical_body,
    check_bulk_size,
    cleaned_chunks,
    commit,
    creditor_of,
    field_error,
    invalid,
    page_of,
)
from recaudo.portfolio.actions import PaymentConflict, PaymentResult
from recaudo.portfolio.columns import (
    DEBT_COLUMNS,
    DEBTOR_COLUMNS,
    PAYMENT_COLUMNS,
    REQUIRED,
    Defaults,
    RowErrors,
    clean_debt,
    clean_debtor,
    clean_payment,
)
from recaudo.portfolio.ingest import DebtorSync, DebtWriter, Outcome, PaymentWriter
from recaudo.portfolio.models import (
    ChannelConsent,
    ContactPoint,
    Creditor,
    Debt,
    Debtor,
    Payment,
    PaymentAllocation,
)
from recaudo.portfolio.rules import currency_decimals

# --- request bodies ------------------------------------------------------------------


_FIELD_TYPES: dict[str, Any] = {
    "amount": Amount,
    "tags": Words,
    "consent": Words,
    "whatsapp_opt_in": Flag,
}


def _body(name: str, columns: Iterable[str], required: Iterable[str], doc: str) -> Any:
    return canonical_body(name, columns, required, doc, types=_FIELD_TYPES)


_DEBTOR_DOC = (
    "A debtor; its id is debtor_external_id (external_id in answers). Country, time zone "
    "and language default from the creditor and the phone."
)
_DEBT_DOC = "A debt. Debtor fields on it create or update its debtor too."
_PAYMENT_DOC = "A payment of a debtor or a debt. Without a debt it pays the oldest first."
if TYPE_CHECKING:
    # Built at run time from the column lists, so mypy cannot see their fields.
    DebtorIn: TypeAlias = Any
    DebtorPut: TypeAlias = Any
    DebtIn: TypeAlias = Any
    DebtPut: TypeAlias = Any
    PaymentIn: TypeAlias = Any
    DebtorBulk: TypeAlias = Any
    DebtBulk: TypeAlias = Any
    PaymentBulk: TypeAlias = Any
else:
    DebtorIn = _body("DebtorIn", DEBTOR_COLUMNS, REQUIRED["debtors"], _DEBTOR_DOC)
    DebtorPut = _body("DebtorPut", DEBTOR_COLUMNS, ["full_name"], _DEBTOR_DOC)
    DebtIn = _body("DebtIn", DEBT_COLUMNS, REQUIRED["debts"], _DEBT_DOC)
    DebtPut = _body("DebtPut", DEBT_COLUMNS, ["debtor_external_id", "amount", "due_on"], _DEBT_DOC)
    PaymentIn = _body("PaymentIn", PAYMENT_COLUMNS, REQUIRED["payments"], _PAYMENT_DOC)

    DebtorBulk = bulk_body("DebtorBulk", DebtorIn)
    DebtBulk = bulk_body("DebtBulk", DebtIn)
    PaymentBulk = bulk_body("PaymentBulk", PaymentIn)


class DebtorFilters(Schema):
    external_id: str | None = None
    country: str | None = Field(None, description="ISO 3166 code, e.g. CO")
    kind: Debtor.Kind | None = None
    tag: str | None = None


class DebtFilters(Schema):
    status: Debt.Status | None = None
    debtor_external_id: str | None = None
    currency: str | None = Field(None, description="ISO 4217 code, e.g. COP")
    due_after: Day = Field(None, description="Due on or after this day")
    due_before: Day = Field(None, description="Due on or before this day")


class PaymentFilters(Schema):
    debtor_external_id: str | None = None
    paid_after: DayOrMoment = Field(
        None, description="Paid at or after; a day or a naive time is in the creditor's zone"
    )
    paid_before: DayOrMoment = Field(
        None, description="Paid at or before; a day means up to the end of that day"
    )


# --- responses -----------------------------------------------------------------------


class ConsentOut(Schema):
    channel: str
    source: str
    granted_at: datetime
    revoked_at: datetime | None


class ContactPointOut(Schema):
    kind: str
    value: str
    channels: list[str]
    preferred: bool
    opted_out_at: datetime | None
    invalid_since: datetime | None
    invalid_reason: str
    consents: list[ConsentOut]


class DebtorOut(Schema):
    external_id: str
    kind: str
    full_name: str
    first_name: str
    national_id_type: str
    national_id_number: str
    country: str
    timezone: str
    region: str
    language: str
    tags: list[str]
    contact_points: list[ContactPointOut]
    created_at: datetime
    updated_at: datetime


class DebtOut(Schema):
    external_id: str
    debtor_external_id: str
    amount: str = Field(description="A decimal string, with the currency's decimals")
    amount_paid: str
    balance: str
    currency: str
    status: str
    due_on: date
    issued_on: date | None
    invoice_number: str
    description: str
    created_at: datetime
    updated_at: datetime


class AllocationOut(Schema):
    debt_external_id: str
    amount: str


class PaymentOut(Schema):
    external_id: str
    debtor_external_id: str
    debt_external_id: str | None = Field(description="The debt the payer named, if any")
    amount: str
    currency: str
    paid_at: datetime
    method: str
    status: str
    allocations: list[AllocationOut]
    unallocated: str = Field(description="What exceeded the debts owed (the debtor's credit)")
    created_at: datetime


class BulkOut(Schema):
    created: int
    updated: int
    unchanged: int
    counts: dict[str, int] = Field(description="Every count, including debtors written by debts")


class DebtorPage(PageOut):
    items: list[DebtorOut]


class DebtPage(PageOut):
    items: list[DebtOut]


class PaymentPage(PageOut):
    items: list[PaymentOut]


def money(value: Decimal, currency: str) -> str:
    """Stored with 4 places; shown with the currency's, unless that would round it."""
    shown = value.quantize(Decimal(1).scaleb(-currency_decimals(currency)))
    return str(shown if shown == value else value.normalize())


def _fields(row: Any, schema: type[Schema], *skip: str) -> dict[str, Any]:
    return {name: getattr(row, name) for name in schema.model_fields if name not in skip}


def debtor_out(debtor: Debtor) -> dict[str, Any]:
    points = [
        {
            **_fields(point, ContactPointOut, "consents"),
            "consents": [_fields(consent, ConsentOut) for consent in point.consents.all()],
        }
        for point in debtor.contact_points.all()
    ]
    return {**_fields(debtor, DebtorOut, "contact_points"), "contact_points": points}


def debt_out(debt: Debt) -> dict[str, Any]:
    return {
        **_fields(debt, DebtOut, "debtor_external_id", "amount", "amount_paid", "balance"),
        "debtor_external_id": debt.debtor.external_id,
        "amount": money(debt.amount, debt.currency),
        "amount_paid": money(debt.amount_paid, debt.currency),
        "balance": money(debt.balance, debt.currency),
    }


def payment_out(payment: Payment) -> dict[str, Any]:
    currency = payment.currency
    return {
        **_fields(
            payment,
            PaymentOut,
            "debtor_external_id",
            "debt_external_id",
            "amount",
            "allocations",
            "unallocated",
        ),
        "debtor_external_id": payment.debtor.external_id,
        "debt_external_id": payment.debt.external_id if payment.debt else None,
        "amount": money(payment.amount, currency),
        "allocations": [
            {"debt_external_id": item.debt.external_id, "amount": money(item.amount, currency)}
            for item in payment.allocations.all()
        ],
        "unallocated": money(payment.unallocated, currency),
    }


# --- reading -------------------------------------------------------------------------


def debtors_of(creditor: Creditor) -> QuerySet[Debtor]:
    consents = Prefetch("consents", queryset=ChannelConsent.objects.order_by("id"))
    points = ContactPoint.objects.order_by("id").prefetch_related(consents)
    return (
        Debtor.objects.filter(creditor=creditor)
        .prefetch_related(Prefetch("contact_points", queryset=points))
        .order_by("id")
    )


def debts_of(creditor: Creditor) -> QuerySet[Debt]:
    return Debt.objects.filter(creditor=creditor).select_related("debtor").order_by("id")


def payments_of(creditor: Creditor) -> QuerySet[Payment]:
    allocations = PaymentAllocation.objects.select_related("debt").order_by("id")
    return (
        Payment.objects.filter(creditor=creditor)
        .select_related("debtor", "debt")
        .prefetch_related(Prefetch("allocations", queryset=allocations))
        .order_by("id")
    )


def _one(rows: QuerySet[Any], what: str, external_id: str) -> Any:
    found = rows.filter(external_id=external_id).first()
    if found is None:
        raise Problem(404, "Not found", f"There is no {what} with external_id '{external_id}'.")
    return found


def _with_tag(rows: QuerySet[Debtor], tag: str) -> QuerySet[Debtor]:
    tag = tag.strip().lower()  # stored lower case (rules.clean_tags)
    if connection.vendor == "postgresql":
        return rows.filter(tags__contains=[tag])
    # SQLite has no JSON containment lookup; its JSON1 functions answer instead.
    table = connection.ops.quote_name(Debtor._meta.db_table)
    tagged = RawSQL(
        f"EXISTS (SELECT 1 FROM json_each({table}.tags) WHERE json_each.value = %s)",
        [tag],
        output_field=BooleanField(),
    )
    return rows.alias(tagged=tagged).filter(tagged=True)


def _moment(value: datetime | date, zone: str, *, end_of_day: bool = False) -> datetime:
    """A filter bound; a bare day or a naive time is read in the creditor's zone."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.max if end_of_day else time.min)
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone))


# --- writing -------------------------------------------------------------------------


class _PaymentWriter(PaymentWriter):
    """Counts replays that conflict with a stored payment, to answer 409 rather than 422."""

    def _record(self, payment: Any, debtors: Any, debts: Any, referenced: Any) -> PaymentResult:
        try:
            return super()._record(payment, debtors, debts, referenced)
        except PaymentConflict:
            self.outcome.counts[CONFLICTS] += 1
            raise


def _defaults(creditor: Creditor) -> Defaults:
    return Defaults(country=creditor.country, currency=creditor.default_currency)


def _clean_one(clean: Callable[..., Any], values: dict[str, Any], creditor: Creditor) -> Any:
    try:
        return clean(values, _defaults(creditor))
    except RowErrors as problem:
        raise invalid([field_error([e.field], e.message) for e in problem.errors]) from None


def _with_path_id(payload: BaseModel, id_field: str, external_id: str) -> dict[str, Any]:
    values = payload.model_dump()
    sent = values.get(id_field)
    if sent not in (None, "") and sent != external_id:
        detail = f"'{sent}' differs from '{external_id}' in the URL"
        raise invalid([field_error([id_field], detail)])
    values[id_field] = external_id
    return values


def _verdict(outcome: Outcome, noun: str) -> str:
    if outcome.counts[f"{noun}_created"]:
        return "created"
    return "updated" if outcome.counts[f"{noun}_updated"] else "unchanged"


def _bulk_answer(outcome: Outcome, noun: str) -> Answer:
    created = "payments_recorded" if noun == "payments" else f"{noun}_created"
    return 200, {
        "created": outcome.counts[created],
        "updated": outcome.counts[f"{noun}_updated"],
        "unchanged": outcome.counts[f"{noun}_unchanged"],
        "counts": dict(sorted(outcome.counts.items())),
    }


# --- endpoints -----------------------------------------------------------------------

router = Router()
_READ: dict[int, Any] = {401: ProblemOut, 422: ProblemOut}
_ONE: dict[int, Any] = {401: ProblemOut, 404: ProblemOut}
_WRITE: dict[int, Any] = {400: ProblemOut, 401: ProblemOut, 409: ProblemOut, 422: ProblemOut}
_BULK: dict[int, Any] = {200: BulkOut, 413: ProblemOut, **_WRITE}
_UPSERT_DOC = (
    "201 when created, else 200; the Recaudo-Outcome header says created, updated or unchanged."
)


# Bulk paths come before "{external_id}" ones: Django tries URL patterns in order.
@router.post("/debtors/bulk", response=_BULK, tags=["debtors"], description=IDEMPOTENCY_DOC)
def bulk_upsert_debtors(
    request: HttpRequest,
    payload: DebtorBulk,
    response: HttpResponse,
    idempotency_key: IdempotencyKey = None,
) -> Status:
    """Create or update up to API_BULK_MAX_ITEMS debtors, all or nothing."""
    check_bulk_size(payload.items)
    creditor = creditor_of(request)

    def write(outcome: Outcome) -> None:
        sync = DebtorSync(creditor, actor_of(request), outcome, unique=True)
        for chunk in cleaned_chunks(payload.items, clean_debtor, _defaults(creditor), outcome):
            sync.sync((line, info.external_id, info) for line, info in chunk)

    return commit(
        request,
        response,
        write,
        partial(_bulk_answer, noun="debtors"),
        payload=payload,
        idempotency_key=idempotency_key,
    )


@router.post("/debts/bulk", response=_BULK, tags=["debts"], description=IDEMPOTENCY_DOC)
def bulk_upsert_debts(
    request: HttpRequest,
    payload: DebtBulk,
    response: HttpResponse,
    idempotency_key: IdempotencyKey = None,
) -> Status:
    """Create or update up to API_BULK_MAX_ITEMS debts and their debtors, all or nothing."""
    check_bulk_size(payload.items)
    creditor = creditor_of(request)

    def write(outcome: Outcome) -> None:
        writer = DebtWriter(creditor, actor_of(request), outcome)
        for chunk in cleaned_chunks(payload.items, clean_debt, _defaults(creditor), outcome):
            writer.write(chunk)

    return commit(
        request,
        response,
        write,
        partial(_bulk_answer, noun="debts"),
        payload=payload,
        idempotency_key=idempotency_key,
    )


@router.post("/payments/bulk", response=_BULK, tags=["payments"], description=IDEMPOTENCY_DOC)
def bulk_record_payments(
    request: HttpRequest,
    payload: PaymentBulk,
    response: HttpResponse,
    idempotency_key: IdempotencyKey = None,
) -> Status:
    """Record up to API_BULK_MAX_ITEMS payments, all or nothing; known ones are unchanged."""
    check_bulk_size(payload.items)
    creditor = creditor_of(request)

    def write(outcome: Outcome) -> None:
        defaults = _defaults(creditor)
        writer = _PaymentWriter(creditor, actor_of(request), outcome, defaults)
        for chunk in cleaned_chunks(payload.items, clean_payment, defaults, outcome):
            writer.write(chunk)

    return commit(
        request,
        response,
        write,
        partial(_bulk_answer, noun="payments"),
        payload=payload,
        idempotency_key=idempotency_key,
    )


@router.get("/debtors", response={200: DebtorPage, **_READ}, tags=["debtors"])
def list_debtors(
    request: HttpRequest, filters: Query[DebtorFilters], page: Query[PageIn]
) -> dict[str, Any]:
    rows = debtors_of(creditor_of(request))
    if filters.external_id:
        rows = rows.filter(external_id=filters.external_id)
    if filters.country:
        rows = rows.filter(country=filters.country.strip().upper())
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.tag:
        rows = _with_tag(rows, filters.tag)
    return page_of(rows, page, debtor_out)


@router.get("/debtors/{path:external_id}", response={200: DebtorOut, **_ONE}, tags=["debtors"])
def get_debtor(request: HttpRequest, external_id: str) -> dict[str, Any]:
    return debtor_out(_one(debtors_of(creditor_of(request)), "debtor", external_id))


@router.put(
    "/debtors/{path:external_id}",
    response={200: DebtorOut, 201: DebtorOut, **_WRITE},
    tags=["debtors"],
    description=_UPSERT_DOC,
)
def upsert_debtor(
    request: HttpRequest, external_id: str, payload: DebtorPut, response: HttpResponse
) -> Status:
    creditor = creditor_of(request)
    values = _with_path_id(payload, "debtor_external_id", external_id)
    info = _clean_one(clean_debtor, values, creditor)

    def write(outcome: Outcome) -> None:
        sync = DebtorSync(creditor, actor_of(request), outcome, unique=True)
        sync.sync([("", info.external_id, info)])

    def answer(outcome: Outcome) -> Answer:
        response["Recaudo-Outcome"] = verdict = _verdict(outcome, "debtors")
        body = debtor_out(_one(debtors_of(creditor), "debtor", info.external_id))
        return (201 if verdict == "created" else 200), body

    return commit(request, response, write, answer)


@router.get("/debts", response={200: DebtPage, **_READ}, tags=["debts"])
def list_debts(
    request: HttpRequest, filters: Query[DebtFilters], page: Query[PageIn]
) -> dict[str, Any]:
    rows = debts_of(creditor_of(request))
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.debtor_external_id:
        rows = rows.filter(debtor__external_id=filters.debtor_external_id)
    if filters.currency:
        rows = rows.filter(currency=filters.currency.strip().upper())
    if filters.due_after:
        rows = rows.filter(due_on__gte=filters.due_after)
    if filters.due_before:
        rows = rows.filter(due_on__lte=filters.due_before)
    return page_of(rows, page, debt_out)


@router.get("/debts/{path:external_id}", response={200: DebtOut, **_ONE}, tags=["debts"])
def get_debt(request: HttpRequest, external_id: str) -> dict[str, Any]:
    return debt_out(_one(debts_of(creditor_of(request)), "debt", external_id))


@router.put(
    "/debts/{path:external_id}",
    response={200: DebtOut, 201: DebtOut, **_WRITE},
    tags=["debts"],
    description=_UPSERT_DOC,
)
def upsert_debt(
    request: HttpRequest, external_id: str, payload: DebtPut, response: HttpResponse
) -> Status:
    creditor = creditor_of(request)
    debt = _clean_one(clean_debt, _with_path_id(payload, "external_id", external_id), creditor)

    def write(outcome: Outcome) -> None:
        DebtWriter(creditor, actor_of(request), outcome).write([("", debt)])

    def answer(outcome: Outcome) -> Answer:
        response["Recaudo-Outcome"] = verdict = _verdict(outcome, "debts")
        body = debt_out(_one(debts_of(creditor), "debt", debt.external_id))
        return (201 if verdict == "created" else 200), body

    return commit(request, response, write, answer)


@router.get("/payments", response={200: PaymentPage, **_READ}, tags=["payments"])
def list_payments(
    request: HttpRequest, filters: Query[PaymentFilters], page: Query[PageIn]
) -> dict[str, Any]:
    creditor = creditor_of(request)
    rows = payments_of(creditor)
    zone = _defaults(creditor).timezone
    if filters.debtor_external_id:
        rows = rows.filter(debtor__external_id=filters.debtor_external_id)
    if filters.paid_after:
        rows = rows.filter(paid_at__gte=_moment(filters.paid_after, zone))
    if filters.paid_before:
        rows = rows.filter(paid_at__lte=_moment(filters.paid_before, zone, end_of_day=True))
    return page_of(rows, page, payment_out)


@router.get("/payments/{path:external_id}", response={200: PaymentOut, **_ONE}, tags=["payments"])
def get_payment(request: HttpRequest, external_id: str) -> dict[str, Any]:
    return payment_out(_one(payments_of(creditor_of(request)), "payment", external_id))


@router.post(
    "/payments",
    response={200: PaymentOut, 201: PaymentOut, **_WRITE},
    tags=["payments"],
    description=(
        "201: recorded. 200: this payment was already recorded (same external_id, amount, "
        "currency and debtor); nothing changes. 409: the external_id was recorded with "
        "other details. " + IDEMPOTENCY_DOC
    ),
)
def record_payment(
    request: HttpRequest,
    payload: PaymentIn,
    response: HttpResponse,
    idempotency_key: IdempotencyKey = None,
) -> Status:
    creditor = creditor_of(request)
    payment = _clean_one(clean_payment, payload.model_dump(), creditor)

    def write(outcome: Outcome) -> None:
        writer = _PaymentWriter(creditor, actor_of(request), outcome, _defaults(creditor))
        writer.write([("", payment)])

    def answer(outcome: Outcome) -> Answer:
        body = payment_out(_one(payments_of(creditor), "payment", payment.external_id))
        return (201 if outcome.counts["payments_recorded"] else 200), body

    return commit(
        request, response, write, answer, payload=payload, idempotency_key=idempotency_key
    )
