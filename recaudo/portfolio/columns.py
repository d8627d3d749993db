"""What a row of debtors, debts or payments may contain, and how it is cleaned.

Shared by file imports (Spanish or English headers) and the REST API (the
canonical field names). Cleaning is pure: text in, a typed record or a list
of ``InputError`` out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.utils.translation import gettext

from recaudo.channels import CHANNEL_NAMES, EMAIL_CHANNELS, PHONE_CHANNELS
from recaudo.portfolio.headers import (  # noqa: F401  (the import modules read them here)
    COLUMNS,
    DEBT_COLUMNS,
    DEBTOR_COLUMNS,
    DEBTORS_FILE_COLUMNS,
    PAYMENT_COLUMNS,
    REQUIRED,
    HeaderProblem,
    field_for_header,
    header_key,
    map_columns,
    map_header,
    normalise_header,
)
from recaudo.portfolio.references import InvalidReference, debtor_id_of
from recaudo.portfolio.rules import (
    InputError,
    clean_amount,
    clean_country,
    clean_currency,
    clean_date,
    clean_email,
    clean_language,
    clean_phone,
    clean_tags,
    clean_timezone,
    datetime_in_range,
    language_for,
    timezone_for,
)
from recaudo.regions import find_region, region_from_phone, regions


# Records are NamedTuples: cheap to build, hash and pickle (large imports send
# them from the reading process to the writing one).
class DebtorInput(NamedTuple):
    external_id: str
    full_name: str
    first_name: str
    kind: str
    country: str
    timezone: str
    language: str
    national_id_type: str = ""
    region: str = ""
    national_id_number: str = ""
    tags: tuple[str, ...] = ()
    phone: str | None = None
    email: str | None = None
    consent: tuple[str, ...] = ()

    def record_fields(self) -> dict[str, Any]:
        """The values stored on the Debtor row."""
        return {
            "full_name": self.full_name,
            "first_name": self.first_name,
            "kind": self.kind,
            "country": self.country,
            "timezone": self.timezone,
            "region": self.region,
            "language": self.language,
            "national_id_type": self.national_id_type,
            "national_id_number": self.national_id_number,
            "tags": list(self.tags),
        }


class DebtInput(NamedTuple):
    external_id: str
    debtor_external_id: str
    currency: str
    amount: Decimal
    due_on: date
    issued_on: date | None = None
    invoice_number: str = ""
    description: str = ""
    status: str | None = None
    debtor: DebtorInput | None = None

    def record_fields(self) -> dict[str, Any]:
        values = {
            "invoice_number": self.invoice_number,
            "description": self.description,
            "currency": self.currency,
            "amount": self.amount,
            "issued_on": self.issued_on,
            "due_on": self.due_on,
        }
        if self.status is not None:
            values["status"] = self.status
        return values


class PaymentInput(NamedTuple):
    external_id: str
    amount: Decimal
    currency: str | None
    paid_at: datetime
    debtor_external_id: str | None = None
    debt_external_id: str | None = None
    method: str = ""
    # The debtor a payment reference (``reference`` column) names, its check digits right.
    reference_debtor_id: int | None = None


@dataclass
class Defaults:
    """What a row may leave out: taken from the creditor."""

    country: str
    currency: str
    timezone: str = field(init=False)

    def __post_init__(self) -> None:
        try:
            self.timezone = timezone_for(self.country)
        except InputError:
            # A creditor in a country with no known zone: its bare dates are
            # read in UTC. Never a debtor's contact zone: clean_debtor derives
            # that from the debtor's own country and phone, or refuses the row.
            self.timezone = "UTC"


_KINDS = {
    "person": "person",
    "persona": "person",
    "natural": "person",
    "persona_natural": "person",
    "b2c": "person",
    "individual": "person",
    "pf": "person",
    "company": "company",
    "empresa": "company",
    "juridica": "company",
    "persona_juridica": "company",
    "b2b": "company",
    "business": "company",
    "pj": "company",
}
_STATUSES = {
    "open": "open",
    "abierta": "open",
    "pendiente": "open",
    "vigente": "open",
    "vencida": "open",
    "disputed": "disputed",
    "en_disputa": "disputed",
    "disputa": "disputed",
    "reclamada": "disputed",
    "written_off": "written_off",
    "castigada": "written_off",
    "castigo": "written_off",
}
_TRUE = {"1", "true", "yes", "si", "s", "y", "x"}
_FALSE = {"0", "false", "no", "n", ""}
_CHANNELS = frozenset(CHANNEL_NAMES)
_CHANNEL_ALIASES = {
    "correo": "email",
    "llamada": "call",
    "mail": "email",
    "telefono": "call",
    "wa": "whatsapp",
}
# Columns stored as typed and shown (and exported) as text. A value starting
# like a spreadsheet formula is refused in them, as an XLSX formula cell is:
# the other columns are parsed strictly (a phone's "+", an amount) and ids
# have their own pattern.
FREE_TEXT_FIELDS = frozenset(
    {
        "full_name",
        "first_name",
        "national_id_type",
        "national_id_number",
        "tags",
        "invoice_number",
        "description",
        "method",
    }
)
_ID_PATTERN = re.compile(r"^[\w.\-/:#]{1,100}$")


def _text(values: dict[str, Any], name: str, limit: int) -> str:
    value = values.get(name)
    text = "" if value is None else str(value).strip()
    if len(text) > limit:
        raise InputError(name, gettext("tiene más de %(limit)s caracteres") % {"limit": limit})
    return text


def _identifier(values: dict[str, Any], name: str, *, required: bool = True) -> str:
    text = _text(values, name, 100)
    if not text:
        if required:
            raise InputError(name, gettext("es obligatorio"))
        return ""
    if not _ID_PATTERN.match(text):
        raise InputError(
            name,
            gettext("'%(value)s' tiene caracteres no permitidos en un id (espacios o símbolos)")
            % {"value": text},
        )
    return text


class RowErrors(Exception):
    def __init__(self, errors: list[InputError]):
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


class _Collector:
    """Runs each field's cleaning and keeps every error, not only the first."""

    def __init__(self) -> None:
        self.errors: list[InputError] = []

    def __call__(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except InputError as error:
            self.errors.append(error)
            return None

    def done(self) -> None:
        if self.errors:
            raise RowErrors(self.errors)


def clean_debtor(
    values: dict[str, Any], defaults: Defaults, check: _Collector | None = None
) -> DebtorInput | None:
    """Clean a debtor's fields. ``check`` collects errors (a new one when None).

    None when ``check`` was passed in and holds errors; otherwise errors raise.
    """
    own = check is None
    check = check or _Collector()
    external_id = check(_identifier, values, "debtor_external_id")
    full_name = check(_text, values, "full_name", 200)
    if full_name == "":
        check.errors.append(InputError("full_name", gettext("es obligatorio")))
    first_name = check(_text, values, "first_name", 100) or ""
    kind_text = normalise_header(check(_text, values, "kind", 30) or "") or "person"
    kind = _KINDS.get(kind_text)
    if kind is None:
        check.errors.append(
            InputError(
                "kind",
                gettext("'%(value)s' no es person (persona) ni company (empresa)")
                % {"value": values.get("kind")},
            )
        )
    country_text = check(_text, values, "country", 60) or ""
    country = check(clean_country, country_text) if country_text else defaults.country
    phone = email = None
    phone_text = check(_text, values, "phone", 40)
    if phone_text:
        phone = check(clean_phone, phone_text, country)
    email_text = check(_text, values, "email", 254)
    if email_text:
        email = check(clean_email, email_text)
    zone_text = check(_text, values, "timezone", 64)
    if zone_text:
        zone = check(clean_timezone, zone_text)
    else:
        zone = check(timezone_for, country, phone) if country else defaults.timezone
    region_text = check(_text, values, "region", 60)
    region = ""
    if region_text and country:
        found = find_region(country, region_text)
        if found is None:
            known = ", ".join(regions(country)) or gettext("ninguna")
            check.errors.append(
                InputError(
                    "region",
                    gettext("'%(value)s' no es una región de %(country)s (%(known)s)")
                    % {"value": region_text, "country": country, "known": known},
                )
            )
        region = found or ""
    elif country:
        region = region_from_phone(country, phone)
    language_text = check(_text, values, "language", 10)
    language = (
        check(clean_language, language_text) if language_text else language_for(country or "")
    )
    consent = set()
    for item in re.split(r"[|;, ]+", check(_text, values, "consent", 100) or ""):
        if not item:
            continue
        channel = _CHANNEL_ALIASES.get(normalise_header(item), normalise_header(item))
        if channel not in _CHANNELS:
            check.errors.append(
                InputError(
                    "consent",
                    gettext("'%(value)s' no es un canal (%(channels)s)")
                    % {"value": item, "channels": ", ".join(sorted(_CHANNELS))},
                )
            )
        consent.add(channel)
    opt_in = normalise_header(check(_text, values, "whatsapp_opt_in", 10) or "")
    if opt_in in _TRUE:
        consent.add("whatsapp")
    elif opt_in not in _FALSE:
        check.errors.append(
            InputError(
                "whatsapp_opt_in",
                gettext("'%(value)s' no es sí ni no") % {"value": values.get("whatsapp_opt_in")},
            )
        )
    if (consent & set(PHONE_CHANNELS)) and not phone:
        check.errors.append(
            InputError("consent", gettext("se autorizan canales de teléfono pero no hay teléfono"))
        )
    if (consent & set(EMAIL_CHANNELS)) and not email:
        check.errors.append(
            InputError("consent", gettext("se autoriza el correo pero no hay correo"))
        )
    if own:
        check.done()
    if check.errors:
        return None
    assert kind is not None  # an unknown kind is an error above
    return DebtorInput(
        external_id=external_id,
        full_name=full_name,
        first_name=first_name or _greeting_name(full_name, kind),
        kind=kind,
        country=country,
        timezone=zone,
        language=language,
        region=region,
        national_id_type=check(_text, values, "national_id_type", 20) or "",
        national_id_number=check(_text, values, "national_id_number", 40) or "",
        tags=tuple(clean_tags(check(_text, values, "tags", 500) or "")),
        phone=phone,
        email=email,
        consent=tuple(sorted(consent)),
    )


def _greeting_name(full_name: str, kind: str) -> str:
    if kind == "company" or not full_name:
        return full_name[:100]
    return full_name.split()[0].title()[:100]


_DEBTOR_DETAIL_FIELDS = frozenset(DEBTOR_COLUMNS) - {"debtor_external_id"}


def clean_debt(values: dict[str, Any], defaults: Defaults) -> DebtInput:
    # The hot path of a million-row import: plain try blocks rather than the
    # collector, but still every field's error, not only the first.
    errors: list[InputError] = []
    external_id = debtor_external_id = ""
    currency = defaults.currency
    amount = due_on = issued_on = None
    try:
        external_id = _identifier(values, "external_id")
    except InputError as error:
        errors.append(error)
    try:
        debtor_external_id = _identifier(values, "debtor_external_id")
    except InputError as error:
        errors.append(error)
    try:
        currency_text = _text(values, "currency", 10)
        if currency_text:
            currency = clean_currency(currency_text)
        amount = clean_amount(
            values.get("amount"), currency, country=_amount_country(values, defaults)
        )
    except InputError as error:
        errors.append(error)
    try:
        issued_on = clean_date(values.get("issued_on"), "issued_on", required=False)
    except InputError as error:
        errors.append(error)
    try:
        due_on = clean_date(values.get("due_on"), "due_on")
    except InputError as error:
        errors.append(error)
    if issued_on and due_on and due_on < issued_on:
        errors.append(
            InputError(
                "due_on",
                gettext("%(value)s es anterior a la fecha de emisión %(issued)s")
                % {"value": due_on.isoformat(), "issued": issued_on.isoformat()},
            )
        )
    status = None
    status_value = values.get("status")
    if status_value:
        status_text = normalise_header(str(status_value))
        status = _STATUSES.get(status_text)
        if status is None:
            message = gettext("'%(value)s' no es open, disputed ni written_off") % {
                "value": status_value
            }
            if status_text in {"paid", "pagada", "pagado"}:
                message += " " + gettext("(registre los pagos en su lugar)")
            errors.append(InputError("status", message))
    invoice_number = description = ""
    try:
        invoice_number = _text(values, "invoice_number", 100)
        description = _text(values, "description", 300)
    except InputError as error:
        errors.append(error)
    debtor = None
    if any(values.get(name) for name in _DEBTOR_DETAIL_FIELDS):
        check = _Collector()
        debtor = clean_debtor(values, defaults, check)
        errors.extend(error for error in check.errors if error.field != "debtor_external_id")
    if errors:
        raise RowErrors(errors)
    assert amount is not None and due_on is not None  # else an error was raised above
    return DebtInput(
        external_id=external_id,
        debtor_external_id=debtor_external_id,
        currency=currency,
        amount=amount,
        due_on=due_on,
        issued_on=issued_on,
        invoice_number=invoice_number,
        description=description,
        status=status,
        debtor=debtor,
    )


def clean_payment(values: dict[str, Any], defaults: Defaults) -> PaymentInput:
    check = _Collector()
    external_id = check(_identifier, values, "external_id")
    debtor_external_id = check(_identifier, values, "debtor_external_id", required=False)
    debt_external_id = check(_identifier, values, "debt_external_id", required=False)
    reference_text = check(_text, values, "reference", 40) or ""
    reference_debtor_id = check(_reference, reference_text) if reference_text else None
    if not debtor_external_id and not debt_external_id and not reference_text and external_id:
        check.errors.append(
            InputError(
                "debtor_external_id",
                gettext("indique el deudor, la deuda pagada o la referencia de pago"),
            )
        )
    currency_text = check(_text, values, "currency", 10) or ""
    currency = check(clean_currency, currency_text) if currency_text else None
    amount = check(
        clean_amount,
        _raw(values, "amount"),
        currency or defaults.currency,
        country=defaults.country,
    )
    paid_at = check(clean_datetime, _raw(values, "paid_at"), "paid_at", defaults.timezone)
    method = check(_text, values, "method", 50) or ""
    check.done()
    return PaymentInput(
        external_id=external_id,
        amount=amount,
        currency=currency,
        paid_at=paid_at,
        debtor_external_id=debtor_external_id or None,
        debt_external_id=debt_external_id or None,
        method=method,
        reference_debtor_id=reference_debtor_id,
    )


def _reference(text: str) -> int:
    """The debtor id a payment reference names (docs/payments.md, "Offline references")."""
    try:
        return debtor_id_of(text)
    except InvalidReference as error:
        raise InputError("reference", f"'{text}': {error}") from None


def _amount_country(values: dict[str, Any], defaults: Defaults) -> str:
    """Whose way of writing numbers an amount follows: the row's debtor's, else the creditor's."""
    text = str(values.get("country") or "").strip()
    if text:
        try:
            return clean_country(text)
        except InputError:
            pass  # reported on the country column; the creditor's custom meanwhile
    return defaults.country


def clean_datetime(raw: Any, field: str, zone: str) -> datetime:
    """An aware datetime; a bare date is noon in ``zone`` (the day stays the same everywhere)."""
    if isinstance(raw, datetime):
        value = raw
    else:
        text = ("" if raw is None else str(raw)).strip()
        if not text:
            raise InputError(field, gettext("es obligatorio"))
        if len(text) <= 10:
            # A date alone; fromisoformat would read an ISO one as midnight.
            day = clean_date(text, field)
            return datetime_in_range(datetime.combine(day, time(12), tzinfo=ZoneInfo(zone)), field)
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            day = clean_date(text, field)
            return datetime_in_range(datetime.combine(day, time(12), tzinfo=ZoneInfo(zone)), field)
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return datetime_in_range(value, field)


def _raw(values: dict[str, Any], name: str) -> Any:
    return values.get(name)
