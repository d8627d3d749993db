"""Plans offered in the chat, as plain data: the menu, the remembered offer, the debtor's pick.

No database here. ``plan_offers.py`` fills a ``Menu`` from the payments app
(the same schedules the portal shows) and keeps an ``OfferRecord`` on the
thread; this module reads the debtor's answer ("2", "la segunda", "quiero 3
cuotas", a WhatsApp list reply ``plan:3``) and says which plan it names.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

# How long a listed offer may be taken by answering its number.
OFFER_LIFETIME = timedelta(hours=48)
# The id of a plan in a WhatsApp list or button reply (``plan:<instalments>``).
REPLY_ID = re.compile(r"^\s*plan[:_-](\d{1,2})\s*$", re.IGNORECASE)

RequestKind = Literal["instalments", "discount", "extension"]


@dataclass(frozen=True)
class MenuOption:
    number: int  # what the debtor answers (1, 2, ...)
    count: int  # monthly instalments
    instalment: str  # each monthly instalment, formatted
    last: str = ""  # the last one, formatted, when the remainder makes it differ


@dataclass(frozen=True)
class ActivePlan:
    amount: str  # the next pending instalment, formatted
    when: str  # "hoy" / "el 22 de diciembre"
    link: str  # that instalment's own link


@dataclass(frozen=True)
class Menu:
    """What the debtor's segment allows now, formatted for them."""

    total: str
    down_payment: str  # "" when the segment asks for none
    options: tuple[MenuOption, ...]
    active_plan: ActivePlan | None = None
    discount_minimum: str = ""  # settles everything within the segment's discount; "" none
    extension_days: int = 0  # the segment's largest move of a due date without review


@dataclass(frozen=True)
class OfferRecord:
    """The offer as remembered on the thread (JSON), to check the answer against."""

    currency: str
    total: Decimal
    down_payment: Decimal
    counts: tuple[int, ...]  # option n is counts[n - 1]
    made_at: datetime
    expires_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "total": str(self.total),
            "down_payment": str(self.down_payment),
            "counts": list(self.counts),
            "made_at": self.made_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> OfferRecord | None:
        if not data:
            return None
        try:
            return cls(
                currency=str(data["currency"]),
                total=Decimal(str(data["total"])),
                down_payment=Decimal(str(data["down_payment"])),
                counts=tuple(int(count) for count in data["counts"]),
                made_at=datetime.fromisoformat(data["made_at"]),
                expires_at=datetime.fromisoformat(data["expires_at"]),
            )
        except (KeyError, TypeError, ValueError, ArithmeticError):
            return None  # an unreadable record is no offer

    def is_live(self, now: datetime) -> bool:
        return now < self.expires_at

    def same_terms(self, other: OfferRecord) -> bool:
        """Whether ``other`` (made now) offers exactly the same plans."""
        return (self.currency, self.total, self.down_payment, self.counts) == (
            other.currency,
            other.total,
            other.down_payment,
            other.counts,
        )

    def count_for(self, choice: Choice) -> int | None:
        """The instalments the answer names, or None when it is not on the list."""
        if choice.is_count:
            return choice.number if choice.number in self.counts else None
        if 1 <= choice.number <= len(self.counts):
            return self.counts[choice.number - 1]
        return None


def new_record(
    *, currency: str, total: Decimal, down_payment: Decimal, counts: tuple[int, ...], now: datetime
) -> OfferRecord:
    return OfferRecord(currency, total, down_payment, counts, now, now + OFFER_LIFETIME)


@dataclass(frozen=True)
class Choice:
    number: int
    is_count: bool  # "3 cuotas" names the instalments; "la 3" names the option


_NUMBER_WORDS = {
    # Spanish
    "uno": 1, "una": 1, "primera": 1, "primero": 1, "primer": 1,
    "dos": 2, "segunda": 2, "segundo": 2,
    "tres": 3, "tercera": 3, "tercero": 3, "tercer": 3,
    "cuatro": 4, "cuarta": 4, "cuarto": 4,
    "cinco": 5, "quinta": 5, "quinto": 5,
    "seis": 6, "sexta": 6, "sexto": 6,
    "siete": 7, "septima": 7, "septimo": 7,
    "ocho": 8, "octava": 8, "octavo": 8,
    "nueve": 9, "novena": 9, "noveno": 9,
    "diez": 10, "decima": 10, "decimo": 10,
    "once": 11, "doce": 12,
    # Portuguese
    "um": 1, "primeiro": 1, "primeira": 1, "dois": 2, "duas": 2,
    "terceira": 3, "terceiro": 3, "quatro": 4, "quarta": 4, "quarto": 4, "sete": 7,
    "oito": 8, "nove": 9, "dez": 10, "onze": 11, "doze": 12,
    # English
    "one": 1, "first": 1, "two": 2, "second": 2, "three": 3, "third": 3, "four": 4,
    "fourth": 4, "five": 5, "fifth": 5, "six": 6, "sixth": 6, "seven": 7, "seventh": 7,
    "eight": 8, "eighth": 8, "nine": 9, "ninth": 9, "ten": 10, "tenth": 10,
    "eleven": 11, "twelve": 12,
}  # fmt: skip
# Words that name instalments: "3 cuotas", "a 6 meses", "3 parcelas", "3 payments".
# fmt: off
_COUNT_WORDS = frozenset({
    "cuota", "cuotas", "pagos", "mes", "meses", "mensualidad", "mensualidades", "abono",
    "abonos", "plazos", "parcela", "parcelas", "vez", "vezes", "prestacao", "prestacoes",
    "instalment", "instalments", "installment", "installments", "payment", "payments", "month",
    "months"
})
# fmt: on
# Words around a pick that do not change it ("quiero la opción 2, por favor").
# fmt: off
_FILLER = frozenset({
    "quiero", "quisiera", "prefiero", "elijo", "escojo", "tomo", "con", "me", "quedo",
    "la", "el", "lo", "las", "los", "de", "en", "a", "opcion", "numero", "num", "nro", "plan",
    "si", "ok", "okay", "dale", "va", "vale", "esta", "esa", "porfa", "por", "favor", "gracias",
    "mejor", "entonces", "bueno", "listo", "hago", "seria", "quero", "prefiro",
    "escolho", "fico", "com", "o", "os", "as", "opcao", "sim", "obrigado", "obrigada", "i",
    "want", "choose", "pick", "take", "go", "with", "the", "option", "number", "please",
    "thanks", "yes", "ll", "i'll", "d", "i'd", "like", "would"
})
# fmt: on
# "pagar en 3 cuotas" is a pick, "pagar el 2" is a date: these count only beside instalments.
_PAY_WORDS = frozenset({"pagar", "pagarlo", "pagarla", "pay", "pagamento"})
_TOKEN = re.compile(r"\d+|[a-z']+")


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def parse_choice(text: str) -> Choice | None:
    """The plan a short answer picks, or None when the message says something else.

    The whole message must be a pick: filler words, one number (digits or a
    word, said once or repeated) and at most a word for instalments. "pago el
    2" (a date) or "no puedo pagar 2" are not picks.
    """
    reply_id = REPLY_ID.match(text)
    if reply_id:
        return Choice(int(reply_id.group(1)), is_count=True)
    plain = _plain(text)
    if len(plain) > 80:
        return None
    numbers: set[int] = set()
    is_count = paying = False
    for token in _TOKEN.findall(plain.replace("ª", "a").replace("º", "o")):
        if token.isdigit():
            numbers.add(int(token))
        elif token in _NUMBER_WORDS:
            numbers.add(_NUMBER_WORDS[token])
        elif token in _COUNT_WORDS or token == "x":  # "3x" is three instalments in Brazil
            is_count = True
        elif token in _PAY_WORDS:
            paying = True
        elif token in ("ra", "da", "er", "o", "st", "nd", "rd", "th"):
            continue  # "1ra", "2da", "1er", "2nd"
        elif token not in _FILLER:
            return None
    if paying and not is_count:
        return None
    # "the first one": the ordinal wins over the English "one".
    if len(numbers) == 2 and 1 in numbers and "one" in plain.split():
        numbers.discard(1)
    if len(numbers) != 1:
        return None
    number = numbers.pop()
    if not 1 <= number <= 60:
        return None
    return Choice(number, is_count)


Verdict = Literal[
    "agree", "nothing_owed", "active_plan", "no_plans", "expired", "changed", "invalid"
]


def judge_pick(
    offer: OfferRecord,
    current: OfferRecord | None,
    choice: Choice,
    now: datetime,
    *,
    owes: bool,
    has_active_plan: bool,
) -> tuple[Verdict, int | None]:
    """What to do with an answer to a listed offer, and the instalments it names.

    ``current`` is the offer the debtor would get now (None: no plan fits).
    The plan is agreed only when the remembered offer is still live and says
    exactly what an offer made now would say; otherwise the debtor is told
    why (paid meanwhile, a plan already running, expired, balance changed)
    or, for a number not on the list, asked again.
    """
    if has_active_plan:
        return "active_plan", None
    if not owes:
        return "nothing_owed", None
    if current is None:
        return "no_plans", None
    if not offer.is_live(now):
        return "expired", None
    if not offer.same_terms(current):
        return "changed", None
    count = offer.count_for(choice)
    if count is None:
        return "invalid", None
    return "agree", count


_DISCOUNT = re.compile(
    r"descuent|rebaj|quita\b|condon|(perdon|quit)\w* (los |el )?interes|"
    r"desconto|abatimento|discount|reduc"
)
_EXTENSION = re.compile(
    r"mas tiempo|mas plazo|un plazo|prorroga|prorrogar|nueva fecha|otra fecha|"
    r"(cambiar|mover|correr|aplazar|postergar|extender)( la)? fecha|aplaz|posterg|"
    r"mais tempo|mais prazo|adiar|nova data|prorrogacao|"
    r"more time|extension|extend|postpone|new due date|later date"
)


def plan_request_kind(text: str) -> RequestKind:
    """What a payment_plan message asks for: a discount, more time, or instalments."""
    plain = _plain(text)
    if _DISCOUNT.search(plain):
        return "discount"
    if _EXTENSION.search(plain):
        return "extension"
    return "instalments"
