"""Message templates: the placeholders, the sandbox, the checks on save, rendering.

Creditor users write templates, so a body is Jinja2 rendered in an immutable
sandbox that sees only the placeholders below, already formatted as text for
the debtor's language and country. ``template_checks.template_errors``
rejects on save what would fail or misbehave at send time; ``render`` turns a template and a
context into the text (and, for email, a safe HTML version) that is sent.
See docs/templates.md.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Protocol

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton
from babel.numbers import format_currency, get_currency_precision
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SecurityError

from recaudo.channels import WRITTEN_CHANNELS
from recaudo.languages import down_payment_name
from recaudo.languages import locale_for as locale_for  # re-exported: callers import it here
from recaudo.policies.models import Template
from recaudo.policies.sandbox import (
    MAX_OUTPUT_LENGTH,
    BoundExceeded,
    MessageSandbox,
    render_bounded,
)

if TYPE_CHECKING:
    from jinja2 import Template as JinjaTemplate

# Described to staff in the template editor (staff/template_editor.py translates them).
PLACEHOLDERS: dict[str, str] = {
    "nombre": gettext_noop("Nombre de pila con el que se saluda al deudor."),
    "nombre_completo": gettext_noop("Nombre completo del deudor."),
    "marca": gettext_noop("Marca del acreedor, como la conoce el deudor."),
    "total": gettext_noop("Total de las deudas de este mensaje, con formato de moneda."),
    "saldo": gettext_noop(
        "Saldo completo del deudor (vencido y por vencer), con formato de moneda."
    ),
    "saldo_vencido": gettext_noop("Parte del saldo completo ya vencida, con formato de moneda."),
    "saldo_por_vencer": gettext_noop(
        "Parte del saldo completo que vence más adelante, con formato de moneda."
    ),
    "moneda": gettext_noop("Código ISO de la moneda (COP, MXN...)."),
    "vence": gettext_noop("Fecha de vencimiento más próxima, con formato."),
    "dias_vencido": gettext_noop("Días de mora (número entero; 0 si aún no vence)."),
    "enlace_pago": gettext_noop("Enlace para pagar o acordar un plan."),
    "deudas": gettext_noop(
        "Lista de las deudas incluidas; cada una con .descripcion, .monto, .vence, "
        ".factura y .dias."
    ),
    "cantidad": gettext_noop("Cuántas deudas incluye el mensaje (número entero)."),
    "estado_de_cuenta": gettext_noop(
        "Estado de cuenta: cada deuda abierta del deudor con su vencimiento, "
        "sus días de mora y su saldo, la más antigua primero, y el total por moneda (una tabla en "
        "el HTML del correo)."
    ),
    "soporte": gettext_noop("Contacto de soporte del acreedor: correo y/o teléfono."),
    "fecha_promesa": gettext_noop("Fecha prometida de pago, con formato."),
    "monto_promesa": gettext_noop("Monto prometido, con formato de moneda."),
    "monto_pagado": gettext_noop("Monto pagado, con formato de moneda."),
    "fecha_pago": gettext_noop("Fecha del pago, con formato (recibos)."),
    "referencia_pago": gettext_noop("Referencia del pago (su id externo; recibos)."),
    "saldo_pendiente": gettext_noop(
        "Lo que sigue adeudado después del pago, con formato de moneda (recibos)."
    ),
    "enlace_paz_y_salvo": gettext_noop(
        "Enlace al certificado de paz y salvo (PDF) cuando ya no debe nada."
    ),
    "nueva_fecha": gettext_noop("Nueva fecha de pago aprobada, con formato."),
    "monto_acordado": gettext_noop(
        "Monto aprobado para saldar la deuda con descuento, con formato de moneda."
    ),
    "cuotas": gettext_noop("Las cuotas de un plan acordado, una por línea: «- fecha: monto»."),
    "primera_cuota": gettext_noop("La primera cuota de un plan acordado: «fecha: monto»."),
    # Direct debit (payments/debit_charges.py): the charge and the card it goes to.
    "fecha_cargo": gettext_noop("Fecha del cobro automático a la tarjeta, con formato."),
    "monto_cargo": gettext_noop("Monto del cobro automático, con formato de moneda."),
    "tarjeta": gettext_noop("Marca de la tarjeta domiciliada (Visa, Mastercard...)."),
    "tarjeta_ultimos": gettext_noop("Últimos 4 dígitos de la tarjeta domiciliada."),
    "cuota_numero": gettext_noop("Número de la cuota del plan que se cobra (número entero)."),
    "cuotas_total": gettext_noop("Cuántas cuotas tiene el plan (número entero)."),
    "fecha_reintento": gettext_noop(
        "Fecha del próximo intento de cobro automático, con formato (vacío si no habrá otro)."
    ),
}
# How a card network names itself, from the provider's brand code (Stripe's
# ``card.brand``, Mercado Pago's ``payment_method_id``); others are capitalised.
CARD_BRANDS = {
    "visa": "Visa",
    "mastercard": "Mastercard",
    "master": "Mastercard",
    "amex": "American Express",
    "american_express": "American Express",
    "diners": "Diners Club",
    "discover": "Discover",
    "jcb": "JCB",
    "unionpay": "UnionPay",
    "elo": "Elo",
    "hipercard": "Hipercard",
    "naranja": "Naranja",
    "cabal": "Cabal",
}
# Fields of each item of `deudas`; `factura` (the invoice number, possibly
# empty) is there for B2B statements.
DEBT_FIELDS: dict[str, str] = {
    "descripcion": "Descripción de la deuda (o su número de factura).",
    "monto": "Saldo de la deuda, con formato de moneda.",
    "vence": "Fecha de vencimiento, con formato.",
    "factura": "Número de factura (puede estar vacío).",
    "dias": "Días de mora de la deuda (número entero; 0 si aún no vence).",
}
LOOP_FIELDS = frozenset({"index", "index0", "revindex", "revindex0", "first", "last", "length"})
# Filters that only reshape text. Left out: those that reach attributes by
# name (attr, map, selectattr, groupby, sort...), mark text safe, or can
# allocate without bound (center, indent, format).
ALLOWED_FILTERS = frozenset(
    [
        "abs",
        "capitalize",
        "count",
        "d",
        "default",
        "first",
        "int",
        "join",
        "last",
        "length",
        "lower",
        "replace",
        "round",
        "title",
        "trim",
        "truncate",
        "upper",
        "wordwrap",
    ]
)
TEMPLATE_CHANNELS = WRITTEN_CHANNELS  # every written message comes from a template
SUPPORTED_LANGUAGES = ("es", "en", "pt")
FALLBACK_LANGUAGE = "es"

_DATE_PATTERNS = {
    "es": ("d 'de' MMMM", "d 'de' MMMM 'de' y"),
    "pt": ("d 'de' MMMM", "d 'de' MMMM 'de' y"),
    "en": ("MMMM d", "MMMM d, y"),
}
_OR = {"es": " o ", "en": " or ", "pt": " ou "}
_INVOICE = {"es": "Factura", "en": "Invoice", "pt": "Fatura"}
# The statement of account's columns, its "not yet due" and its total line.
_STATEMENT_HEADINGS = {
    "es": ("Factura", "Vencimiento", "Días de mora", "Saldo"),
    "en": ("Invoice", "Due date", "Days overdue", "Balance"),
    "pt": ("Fatura", "Vencimento", "Dias em atraso", "Saldo"),
}
_NOT_YET_DUE = {"es": "por vencer", "en": "not yet due", "pt": "a vencer"}
_TOTAL = {"es": "Total", "en": "Total", "pt": "Total"}
_BLANK_LINES = re.compile(r"\n{3,}")


class RenderError(Exception):
    """A template could not be rendered; the message says what is wrong."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


@dataclass(frozen=True)
class DebtLine:
    """One item of `deudas`, formatted."""

    descripcion: str
    monto: str
    vence: str
    factura: str
    dias: int = 0


def statement_in(context: Mapping[str, Any]) -> StatementTable | None:
    """The statement a rendering context shows (``estado_de_cuenta``), if any."""
    statement = context.get("estado_de_cuenta")
    return statement if isinstance(statement, StatementTable) and statement else None


class StatementTable(str):
    """``estado_de_cuenta``: the statement as text, carrying its cells for the HTML table.

    The text is what a template shows (and the email's text part); ``render``
    puts an HTML table where that text stands in the email's HTML part.
    """

    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    totals: tuple[tuple[str, str], ...]

    @classmethod
    def build(
        cls,
        headings: tuple[str, ...],
        rows: Sequence[tuple[str, ...]],
        totals: Sequence[tuple[str, str]],
    ) -> StatementTable:
        widths = [
            max([len(heading), *(len(row[column]) for row in rows)])
            for column, heading in enumerate(headings)
        ]

        def line(cells: Sequence[str]) -> str:
            # Money right-aligned, the rest left-aligned; nothing trails a line.
            *left, money = cells
            padded = [cell.ljust(widths[column]) for column, cell in enumerate(left)]
            return "  ".join([*padded, money.rjust(widths[-1])])

        lines = [line(headings), *(line(row) for row in rows)]
        lines += [f"{label}: {amount}" for label, amount in totals]
        table = cls("\n".join(lines))
        table.headings, table.rows, table.totals = tuple(headings), tuple(rows), tuple(totals)
        return table


class StatementRow(Protocol):
    """One line of a statement of account (``portfolio.statement.StatementLine``)."""

    @property
    def invoice(self) -> str: ...
    @property
    def due_on(self) -> date: ...
    @property
    def age_days(self) -> int: ...
    @property
    def balance(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...


class CreditorLike(Protocol):
    name: str
    brand_name: str
    support_email: str
    support_phone: str
    default_currency: str


class DebtorLike(Protocol):
    full_name: str
    first_name: str
    language: str
    country: str


class DebtLike(Protocol):
    currency: str
    amount: Decimal
    amount_paid: Decimal
    due_on: date
    invoice_number: str
    description: str


def _new_environment(*, autoescape: bool) -> MessageSandbox:
    environment = MessageSandbox(
        undefined=StrictUndefined,
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # No range(), lipsum(), dict()...: a template sees its placeholders only.
    environment.globals.clear()
    return environment


@functools.cache
def text_environment() -> MessageSandbox:
    """The sandbox for template bodies and subjects (plain text, no escaping)."""
    return _new_environment(autoescape=False)


@functools.cache
def _html_layout() -> JinjaTemplate:
    # Our own layout with autoescape: the rendered text is data to it, so
    # anything a debtor or a template author typed ends up escaped.
    return _new_environment(autoescape=True).from_string(
        "{% for paragraph in paragraphs %}<p>"
        "{% for line in paragraph %}"
        "{% for part in line %}"
        '{% if part.link %}<a href="{{ part.link }}">{{ part.text }}</a>'
        "{% else %}{{ part.text }}{% endif %}"
        "{% endfor %}"
        "{% if not loop.last %}<br>\n{% endif %}"
        "{% endfor %}</p>\n{% endfor %}"
    )


@functools.lru_cache(maxsize=1024)
def _compiled(source: str) -> JinjaTemplate:
    return text_environment().from_string(source)


# --- Formatting -------------------------------------------------------------


def _language_of(language: str) -> str:
    code = (language or "").strip().replace("-", "_").split("_")[0].lower()
    return code or FALLBACK_LANGUAGE


@functools.lru_cache(maxsize=256)
@functools.lru_cache(maxsize=256)
def _babel_locale(code: str) -> Locale:
    return Locale.parse(code)


def _plain_spaces(text: str) -> str:
    # Babel puts no-break spaces between symbol and amount; SMS encodings
    # (GSM-7) have no such character.
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def format_money(amount: Decimal, currency: str, locale: str) -> str:
    """`amount` in `currency` with the currency's ISO minor units (CLP 0, COP 2).

    Babel's CLDR formatting, compiled once per currency and locale into the
    separators and affixes it produces (``_MoneyShape``): the same text as
    ``babel.numbers.format_currency`` at a small fraction of its cost, which
    matters when a dispatcher formats thousands of amounts a second.
    Anything the shape does not cover (negative amounts, unusual groupings)
    goes to Babel itself.
    """
    code = currency.upper()
    shape = _money_shape(code, locale)
    value = Decimal(amount)
    if shape is not None and value.is_finite() and not value.is_signed():
        formatted = shape.format(value)
        if formatted is not None:
            return formatted
    return _babel_money(value, code, locale)


def _babel_money(amount: Decimal, currency: str, locale: str) -> str:
    formatted = format_currency(
        amount, currency, locale=_babel_locale(locale), currency_digits=True
    )
    return _plain_spaces(formatted)


@dataclass(frozen=True)
class _MoneyShape:
    """How Babel writes a non-negative amount of one currency in one locale."""

    prefix: str
    suffix: str
    decimal: str  # "" when the currency has no minor unit
    group: str
    min_grouped_digits: int  # integer digits from which groups are separated (4 or 5)
    quantum: Decimal

    def format(self, amount: Decimal) -> str | None:
        """The text, or None when the shape cannot say (Babel then does)."""
        try:
            rounded = amount.quantize(self.quantum, rounding=ROUND_HALF_EVEN)
        except InvalidOperation:  # too many digits for the context
            return None
        whole, _, fraction = f"{rounded:f}".partition(".")
        if len(whole) >= self.min_grouped_digits:
            whole = f"{int(whole):,}".replace(",", self.group)
        number = f"{whole}{self.decimal}{fraction}" if self.decimal else whole
        return f"{self.prefix}{number}{self.suffix}"


def _number_part(text: str) -> str:
    """From the first digit to the last: "R$ 1.234,25" -> "1.234,25"."""
    positions = [i for i, char in enumerate(text) if char.isdigit()]
    return text[positions[0] : positions[-1] + 1] if positions else ""


# Amounts whose Babel text fixes the shape, then checks it.
_SHAPE_PROBES = ("1234567.25", "12345.5", "1234.75", "999.5", "0.05", "0", "7")


@functools.lru_cache(maxsize=512)
def _money_shape(currency: str, locale: str) -> _MoneyShape | None:
    """Read the shape off Babel's own output; None when it cannot be matched exactly."""
    try:
        digits = get_currency_precision(currency)
        sample = _babel_money(Decimal("1234567.25"), currency, locale)
        four = _babel_money(Decimal("1234.25"), currency, locale)
    except (UnknownLocaleError, ValueError):
        return None
    number = _number_part(sample)
    if not number:
        return None
    prefix, _, suffix = sample.partition(number)
    # "1,234,567.25": the separator after "1" groups; the one before the last
    # `digits` digits is the decimal mark.
    grouped = re.fullmatch(r"1(\D+)234(?:\1)567(?:(\D+)(\d+))?", number)
    if grouped is None or bool(grouped.group(2)) != bool(digits):
        return None
    shape = _MoneyShape(
        prefix=prefix,
        suffix=suffix,
        decimal=grouped.group(2) or "",
        group=grouped.group(1),
        min_grouped_digits=4 if grouped.group(1) in _number_part(four) else 5,
        quantum=Decimal(1).scaleb(-digits),
    )
    for probe in _SHAPE_PROBES:
        if shape.format(Decimal(probe)) != _babel_money(Decimal(probe), currency, locale):
            return None
    return shape


def format_date(day: date, locale: str, today: date | None = None) -> str:
    """ "15 de diciembre" / "December 15"; with the year when it is not today's year."""
    return _format_date(day, locale, today is not None and day.year != today.year)


# A portfolio has few distinct due dates: each is formatted once per locale.
@functools.lru_cache(maxsize=4096)
def _format_date(day: date, locale: str, with_year: bool) -> str:
    babel_locale = _babel_locale(locale)
    patterns = _DATE_PATTERNS.get(babel_locale.language)
    if patterns is None:
        formatted = format_skeleton("yMMMMd" if with_year else "MMMMd", day, locale=babel_locale)
    else:
        formatted = babel_format_date(
            day, patterns[1] if with_year else patterns[0], locale=babel_locale
        )
    return _plain_spaces(formatted)


# --- Context and rendering --------------------------------------------------


def build_context(
    *,
    creditor: CreditorLike,
    debtor: DebtorLike,
    debts: Iterable[DebtLike],
    payment_link: str,
    today: date,
    promise_date: date | None = None,
    promise_amount: Decimal | None = None,
    paid_amount: Decimal | None = None,
    language: str | None = None,
    paid_on: date | None = None,
    payment_reference: str = "",
    remaining_balance: Decimal | None = None,
    certificate_link: str = "",
    new_due_on: date | None = None,
    agreed_amount: Decimal | None = None,
    notice_currency: str = "",
    balance_debts: Iterable[DebtLike] | None = None,
    instalments: Sequence[tuple[int, date, Decimal]] = (),
    statement: Sequence[StatementRow] | None = None,
    charge_date: date | None = None,
    charge_amount: Decimal | None = None,
    card_brand: str = "",
    card_last4: str = "",
    instalment_number: int = 0,
    instalment_count: int = 0,
    retry_date: date | None = None,
) -> dict[str, Any]:
    """Every placeholder's value, formatted for the debtor's language and country.

    ``total`` is what the message's own debts owe (one instalment of a loan,
    say); ``saldo`` is everything the debtor owes (``balance_debts``: their
    collectible debts; the message's debts when not given), split into
    ``saldo_vencido`` (due before ``today``) and ``saldo_por_vencer``.

    `language` overrides the debtor's when the template found is in another
    one (the Spanish fallback), so that dates and money match the text.
    Promise and paid amounts are in the debts' currency (the creditor's
    default when there are none or they are mixed), or in ``notice_currency``
    when a notice names its own (a receipt: the payment's).

    ``instalments``: a plan's (number, due date, amount), number 0 being the
    down payment, named as the debtor's country says it ("cuota inicial").

    ``statement``: the debtor's statement of account (``portfolio.statement``
    lines, oldest first), shown by ``estado_de_cuenta``; empty when not given.

    A direct debit's notices (``debit_*``): ``charge_date`` and
    ``charge_amount`` of the charge, the card (``card_brand`` as the provider
    codes it, named by ``card_brand_name``; ``card_last4``), which instalment
    of how many, and ``retry_date``, the next automatic attempt (None: none).
    """
    code = _language_of(language or debtor.language)
    locale = locale_for(code, debtor.country)
    text_language = code if code in SUPPORTED_LANGUAGES else FALLBACK_LANGUAGE
    ordered = sorted(debts, key=lambda debt: (debt.due_on, debt.invoice_number or ""))
    balances: dict[str, Decimal] = {}
    lines = []
    for debt in ordered:
        currency = debt.currency.upper()
        balance = Decimal(debt.amount) - Decimal(debt.amount_paid or 0)
        balances[currency] = balances.get(currency, Decimal(0)) + balance
        invoice = debt.invoice_number or ""
        description = debt.description or (
            f"{_INVOICE[text_language]} {invoice}" if invoice else ""
        )
        lines.append(
            DebtLine(
                descripcion=description,
                monto=format_money(balance, currency, locale),
                vence=format_date(debt.due_on, locale, today),
                factura=invoice,
                dias=max(0, (today - debt.due_on).days),
            )
        )
    if not balances:
        balances[creditor.default_currency.upper()] = Decimal(0)
    currency = next(iter(balances)) if len(balances) == 1 else creditor.default_currency.upper()
    if notice_currency:
        currency = notice_currency.upper()
    earliest = ordered[0].due_on if ordered else None
    support = [value for value in (creditor.support_email, creditor.support_phone) if value]

    def money(amount: Decimal | None) -> str:
        return "" if amount is None else format_money(amount, currency, locale)

    plan_lines = []
    for number, due_on, amount in sorted(instalments, key=lambda item: item[0]):
        line = f"{format_date(due_on, locale, today)}: {money(amount)}"
        if number == 0:
            line += f" ({down_payment_name(text_language, debtor.country)})"
        plan_lines.append(line)

    overdue = upcoming = Decimal(0)
    for debt in ordered if balance_debts is None else balance_debts:
        if debt.currency.upper() != currency:
            continue
        balance = Decimal(debt.amount) - Decimal(debt.amount_paid or 0)
        if debt.due_on < today:
            overdue += balance
        else:
            upcoming += balance

    return {
        "nombre": (debtor.first_name or debtor.full_name).strip(),
        "nombre_completo": debtor.full_name.strip(),
        "marca": creditor.brand_name or creditor.name,
        "total": " + ".join(format_money(v, c, locale) for c, v in balances.items()),
        "moneda": " + ".join(balances),
        "vence": format_date(earliest, locale, today) if earliest else "",
        "dias_vencido": max(0, (today - earliest).days) if earliest else 0,
        "enlace_pago": payment_link,
        "deudas": lines,
        "soporte": _OR[text_language].join(support),
        "fecha_promesa": format_date(promise_date, locale, today) if promise_date else "",
        "monto_promesa": money(promise_amount),
        "monto_pagado": money(paid_amount),
        "fecha_pago": format_date(paid_on, locale, today) if paid_on else "",
        "referencia_pago": payment_reference,
        "saldo_pendiente": money(remaining_balance),
        "enlace_paz_y_salvo": certificate_link,
        "nueva_fecha": format_date(new_due_on, locale, today) if new_due_on else "",
        "monto_acordado": money(agreed_amount),
        "cuotas": "\n".join(f"- {line}" for line in plan_lines),
        "primera_cuota": plan_lines[0] if plan_lines else "",
        "saldo": money(overdue + upcoming),
        "saldo_vencido": money(overdue),
        "saldo_por_vencer": money(upcoming),
        "cantidad": len(lines),
        "estado_de_cuenta": _statement_table(statement or (), text_language, locale, today),
        "fecha_cargo": format_date(charge_date, locale, today) if charge_date else "",
        "monto_cargo": money(charge_amount),
        "tarjeta": card_brand_name(card_brand),
        "tarjeta_ultimos": card_last4,
        "cuota_numero": instalment_number,
        # A direct debit's plan says how many; an agreed plan's are the ones listed.
        "cuotas_total": instalment_count or len(plan_lines),
        "fecha_reintento": format_date(retry_date, locale, today) if retry_date else "",
    }


def card_brand_name(code: str) -> str:
    """ "visa" -> "Visa", "amex" -> "American Express"; an unknown code capitalised."""
    code = (code or "").strip()
    return CARD_BRANDS.get(code.lower().replace(" ", "_"), code[:1].upper() + code[1:])


def _statement_table(
    lines: Sequence[StatementRow], language: str, locale: str, today: date
) -> StatementTable:
    """The statement's rows formatted in ``locale``, with the total owed per currency."""
    totals: dict[str, Decimal] = {}
    rows = []
    for line in lines:
        currency = line.currency.upper()
        totals[currency] = totals.get(currency, Decimal(0)) + line.balance
        rows.append(
            (
                line.invoice,
                format_date(line.due_on, locale, today),
                str(line.age_days) if line.age_days > 0 else _NOT_YET_DUE[language],
                format_money(line.balance, currency, locale),
            )
        )
    return StatementTable.build(
        _STATEMENT_HEADINGS[language],
        rows,
        [
            (f"{_TOTAL[language]} {currency}", format_money(amount, currency, locale))
            for currency, amount in sorted(totals.items())
        ],
    )


@functools.lru_cache(maxsize=8)
def _sample_context_cached(language: str) -> dict[str, Any]:
    today = date(2026, 12, 1)
    creditor = SimpleNamespace(
        name="Tienda Ejemplo",
        brand_name="Tienda Ejemplo",
        support_email="ayuda@example.com",
        support_phone="+57 601 555 0100",
        default_currency="COP",
    )
    debtor = SimpleNamespace(
        full_name="Camila Rojas Díaz", first_name="Camila", country="CO", language=language
    )
    debts = [
        SimpleNamespace(
            currency="COP",
            amount=Decimal("185000"),
            amount_paid=Decimal("0"),
            due_on=date(2026, 12, 15),
            invoice_number="FV-10234",
            description="Plan hogar diciembre",
        )
    ]
    statement = [
        SimpleNamespace(
            invoice="FV-10234",
            due_on=date(2026, 12, 15),
            age_days=-14,
            balance=Decimal("185000"),
            currency="COP",
        )
    ]
    return build_context(
        creditor=creditor,
        debtor=debtor,
        debts=debts,
        statement=statement,
        payment_link="https://pagos.example.com/p/AbC123",
        today=today,
        promise_date=date(2026, 12, 20),
        promise_amount=Decimal("90000"),
        paid_amount=Decimal("185000"),
        language=language,
        paid_on=date(2026, 11, 30),
        payment_reference="PAY-000123",
        remaining_balance=Decimal("0"),
        certificate_link="https://pagos.example.com/p/AbC123/paz-y-salvo",
        new_due_on=date(2026, 12, 22),
        agreed_amount=Decimal("150000"),
        instalments=[
            (0, date(2026, 12, 1), Decimal("55000")),
            (1, date(2027, 1, 1), Decimal("65000")),
            (2, date(2027, 2, 1), Decimal("65000")),
        ],
        charge_date=date(2027, 1, 1),
        charge_amount=Decimal("65000"),
        card_brand="visa",
        card_last4="4242",
        instalment_number=1,
        instalment_count=2,
        retry_date=date(2027, 1, 4),
    )


def sample_context(language: str = "es") -> dict[str, Any]:
    """A realistic context for previews and for the check on save."""
    return dict(_sample_context_cached(_language_of(language)))


def syntax_message(exc: TemplateSyntaxError) -> str:
    return _("Error de sintaxis en la línea %(line)s: %(detail)s.") % {
        "line": exc.lineno,
        "detail": (exc.message or "").rstrip("."),
    }


def render_source(source: str, context: Mapping[str, Any]) -> str:
    try:
        output = render_bounded(_compiled(source), context)
    except TemplateSyntaxError as exc:
        raise RenderError(syntax_message(exc)) from exc
    except UndefinedError as exc:
        raise RenderError(
            _("Usa algo que no existe: %(detail)s.") % {"detail": exc.message}
        ) from exc
    except BoundExceeded as exc:
        raise RenderError(_("Supera un límite de costo: %(detail)s.") % {"detail": exc}) from exc
    except SecurityError as exc:
        raise RenderError(_("Intenta algo no permitido: %(detail)s.") % {"detail": exc}) from exc
    except Exception as exc:  # a user's template can fail in any way; name it
        raise RenderError(
            _("No se pudo generar: %(kind)s: %(detail)s.")
            % {"kind": type(exc).__name__, "detail": str(exc).rstrip(".")}
        ) from exc
    if len(output) > MAX_OUTPUT_LENGTH:
        raise RenderError(_("El resultado es demasiado largo."))
    return output


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines))


def render(*, subject: str, body: str, channel: str, context: Mapping[str, Any]) -> Rendered:
    """The message to send. Only email has a subject and an HTML version.

    Raises RenderError naming the problem (a template saved before a check
    existed, or a context missing a placeholder).
    """
    text = _tidy(render_source(body, context))
    if channel != "email":
        return Rendered(subject="", text=text, html=None)
    # One line: a newline in a subject would break the email header.
    rendered_subject = " ".join(render_source(subject, context).split())
    return Rendered(
        subject=rendered_subject,
        text=text,
        html=html_version(
            text,
            str(context.get("enlace_pago", "")),
            statement=statement_in(context),
        ),
    )


@functools.cache
def _html_table() -> JinjaTemplate:
    return _new_environment(autoescape=True).from_string(
        "<table>\n<thead><tr>{% for heading in headings %}<th>{{ heading }}</th>{% endfor %}"
        "</tr></thead>\n<tbody>\n{% for row in rows %}<tr>"
        '{% for cell in row %}<td{% if loop.last %} style="text-align: right"{% endif %}>'
        "{{ cell }}</td>{% endfor %}</tr>\n{% endfor %}</tbody>\n<tfoot>\n"
        '{% for label, amount in totals %}<tr><th colspan="{{ headings|length - 1 }}">'
        '{{ label }}</th><td style="text-align: right">{{ amount }}</td></tr>\n{% endfor %}'
        "</tfoot>\n</table>"
    )


def html_version(
    text: str,
    payment_link: str = "",
    *more_links: str,
    statement: StatementTable | None = None,
) -> str:
    """Paragraphs and line breaks of `text`, escaped, with the payment link and others as links.

    Where the text shows ``statement`` (a paragraph of its own, as a template
    puts ``estado_de_cuenta``), the HTML has the statement as a table.
    """
    if statement is not None:
        table = _tidy(statement)
        pieces = [piece.strip() for piece in text.strip().split(table)]
        if len(pieces) > 1:
            rendered_table = _html_table().render(
                headings=statement.headings, rows=statement.rows, totals=statement.totals
            )
            html_parts = []
            for index, piece in enumerate(pieces):
                if index:
                    html_parts.append(rendered_table)
                if piece:
                    html_parts.append(html_version(piece, payment_link, *more_links))
            return "\n".join(html_parts)
    linkable = sorted(
        {link for link in (payment_link, *more_links) if link.startswith(("https://", "http://"))},
        key=len,
        reverse=True,  # a link that starts another is matched whole first
    )
    splitter = re.compile("(" + "|".join(map(re.escape, linkable)) + ")") if linkable else None
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = []
        for line in block.split("\n"):
            pieces = splitter.split(line) if splitter else [line]
            parts: list[dict[str, str]] = []
            for index, piece in enumerate(pieces):
                if index % 2:
                    parts.append({"text": piece, "link": piece})
                elif piece:
                    parts.append({"text": piece, "link": ""})
            lines.append(parts)
        paragraphs.append(lines)
    return _html_layout().render(paragraphs=paragraphs).strip()


def whatsapp_parameter_values(parameters: Sequence[str], context: Mapping[str, Any]) -> list[str]:
    """The values for {{1}}, {{2}}... of an approved WhatsApp template, in order.

    WhatsApp refuses empty parameters and parameters with line breaks, tabs
    or runs of spaces, so values are put on one line and an empty one is an
    error here rather than at the provider.
    """
    values = []
    for position, name in enumerate(parameters, start=1):
        if name not in PLACEHOLDERS or name == "deudas" or name not in context:
            raise RenderError(
                _("Parámetro {{%(position)s}} desconocido: «%(name)s».")
                % {"position": position, "name": name}
            )
        value = " ".join(str(context[name]).split())
        if not value:
            raise RenderError(
                _("El parámetro {{%(position)s}} («%(name)s») está vacío; WhatsApp no lo acepta.")
                % {"position": position, "name": name}
            )
        values.append(value)
    return values


def select_template(
    key: str, channel: str, language: str, creditor_id: int | None, register: str = ""
) -> Template | None:
    """The template to send, in one query.

    The debtor's language wins over ownership: the creditor's own template in
    that language, else the default in that language, else the same two in
    Spanish. A debtor is better served by a default in their language than by
    a creditor's text they may not read. Among those, the text written for
    the debtor's ``register`` ("tu" / "usted", their policy's) comes first,
    then one written for any register, last one written for the other.
    """
    wanted = _language_of(language)
    owners = Q(creditor__isnull=True)
    if creditor_id is not None:
        owners |= Q(creditor_id=creditor_id)
    rank = Case(
        When(language=wanted, creditor__isnull=False, then=Value(0)),
        When(language=wanted, then=Value(3)),
        When(creditor__isnull=False, then=Value(6)),
        default=Value(9),
        output_field=IntegerField(),
    )
    register_rank = Case(
        When(register=register or "-", then=Value(0)),
        When(register="", then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        Template.objects.filter(
            owners, key=key, channel=channel, language__in={wanted, FALLBACK_LANGUAGE}
        )
        .annotate(rank=rank + register_rank)
        .order_by("rank", "register")
        .first()
    )
