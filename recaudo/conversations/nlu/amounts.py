"""The amount slot: "500", "$2.500", "1200 pesos", "2,500.50", "mil pesos", "5 lucas".

Pure rules over `text.simplify` output, run after the date parser has claimed
its spans (so "el 15" is a day, not fifteen pesos). Decisions (docs/nlu.md):

- Separators: a dot or comma followed by exactly three digits groups
  thousands ("$2.500" and "$2,500" are 2500, as written in es-LatAm and
  Mexico); with both, the last one is the decimal mark ("2.500,50", "2,500.50").
- "mil", "k", "luca(s)" multiply by 1,000; "palo(s)", "millón(es)" by 1,000,000.
- A bare number counts when it is at least 10 and is not a count of something
  else ("3 cuotas", "15 días", "a las 5") nor an identifier ("cédula 1234").
- Of several amounts the first one with a currency mark wins, else the first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

WORD_NUMBERS: dict[str, int | Decimal] = {
    "un": 1,
    "una": 1,
    "uno": 1,
    "um": 1,
    "dos": 2,
    "dois": 2,
    "tres": 3,
    "cuatro": 4,
    "quatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "sete": 7,
    "ocho": 8,
    "oito": 8,
    "nueve": 9,
    "nove": 9,
    "diez": 10,
    "dez": 10,
    "veinte": 20,
    "vinte": 20,
    "treinta": 30,
    "cincuenta": 50,
    "cien": 100,
    "ciento": 100,
    "cem": 100,
    "doscientos": 200,
    "trescientos": 300,
    "cuatrocientos": 400,
    "quinientos": 500,
    "quinhentos": 500,
    "seiscientos": 600,
    "setecientos": 700,
    "ochocientos": 800,
    "novecientos": 900,
    "media": Decimal("0.5"),
    "one": 1,
    "two": 2,
    "three": 3,
    "five": 5,
    "ten": 10,
    "hundred": 100,
}
MULTIPLIERS = {
    "mil": 1000,
    "k": 1000,
    "luca": 1000,
    "lucas": 1000,
    "luka": 1000,
    "lukas": 1000,
    "thousand": 1000,
    "grand": 1000,
    "palo": 1_000_000,
    "palos": 1_000_000,
    "millon": 1_000_000,
    "millones": 1_000_000,
    "milhao": 1_000_000,
    "milhoes": 1_000_000,
    "million": 1_000_000,
}
_CURRENCY_WORDS = (
    r"pesos?|soles?|reales|reais|real|dolares|dolar|dollars?|bucks|mxn|cop|clp|ars|pen|brl"
    r"|usd|varos|bolas|mangos|lana|plata|guita"
)
_MULTIPLIER = "|".join(sorted(MULTIPLIERS, key=len, reverse=True))
_WORD = "|".join(sorted(WORD_NUMBERS, key=len, reverse=True))

_NUMERIC = re.compile(
    r"(?P<currency>r\$|us\$|usd|\$|s/\.?|brl|mxn|cop|clp|ars|pen)?\s?"
    r"(?<![\d.,:])(?<!\d/)(?P<number>\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)(?![\d/:]|[.,]\d)"
    rf"(?:\s?(?P<multiplier>{_MULTIPLIER})\b)?"
    rf"(?:\s?(de )?(?P<unit>{_CURRENCY_WORDS})\b)?"
)
_WORDS = re.compile(
    rf"\b(?P<number>(?:{_WORD}) )?(?P<multiplier>mil|lucas?|lukas?|palos?|millones|millon|thousand)"
    r"\b(?! (gracias|disculpas|perdones|veces|besos|bendiciones|obrigad))"
    rf"(?:\s?(de )?(?P<unit>{_CURRENCY_WORDS})\b)?"
    rf"|\b(?P<hundreds>{_WORD}) (?P<unit2>{_CURRENCY_WORDS})\b"
)
# A bare number followed by one of these counts something else.
_NOT_MONEY_AFTER = re.compile(
    r"\s?(%|x\b|dias?|days?|semanas?|weeks?|meses|mes|months?|cuotas?|pagos|parcelas?"
    r"|installments?|horas?|hours?|hs|hrs|h\b|am|pm|anos|anos|years?|veces|times|min|minutos"
    r"|personas|hijos|vezes|de la (tarde|manana|noche)|ta |da |ro\b|er\b)"
)
_NOT_MONEY_BEFORE = re.compile(
    r"\b(cedula|dni|rut|cuenta|numero|folio|contrato|factura|ref|referencia|poliza|cuit|cpf|ci"
    r"|nit|curp|ticket|orden|pedido|operacion|#|no\.|n°|nº|cliente|tarjeta|a las|las|as|at"
    r"|cbu|clabe|alias|id|codigo|dia|el)\b"
    r"( (es|de|del|mi|nro|numero|no|n|:|cuenta|cliente))*\s?:?\s?$"
)


def to_decimal(number: str) -> Decimal | None:
    """Read "2.500", "2,500.50", "1.234.567,8" or "12,5" the way Latin America writes them."""
    dots, commas = number.count("."), number.count(",")
    if dots and commas:
        decimal_mark = "." if number.rfind(".") > number.rfind(",") else ","
        thousands = "," if decimal_mark == "." else "."
        number = number.replace(thousands, "").replace(decimal_mark, ".")
    elif dots or commas:
        mark = "." if dots else ","
        groups = number.split(mark)
        if len(groups) > 2 or len(groups[-1]) == 3:
            number = "".join(groups)
        else:
            number = number.replace(mark, ".")
    try:
        return Decimal(number)
    except InvalidOperation:
        return None


def as_text(amount: Decimal) -> str:
    """ "500" for whole amounts, "2500.50" otherwise."""
    if amount == amount.to_integral_value():
        return str(int(amount))
    return str(amount.quantize(Decimal("0.01")))


def _blank(text: str, spans: list[range]) -> str:
    characters = list(text)
    for span in spans:
        for index in span:
            if index < len(characters):
                characters[index] = " "
    return "".join(characters)


def find_amount(text: str, taken: Sequence[range] = ()) -> Decimal | None:
    """The amount the simplified `text` names, ignoring character spans already `taken`."""
    text = _blank(text, list(taken))
    candidates: list[tuple[int, bool, Decimal]] = []
    for match in _NUMERIC.finditer(text):
        value = to_decimal(match["number"])
        if value is None:
            continue
        multiplier = match["multiplier"]
        marked = bool(match["currency"] or match["unit"] or multiplier)
        if multiplier:
            value *= MULTIPLIERS[multiplier]
        if not marked:
            grouped = bool(re.search(r"[.,]", match["number"]))
            # Longer runs of digits without a currency are phones and ids.
            if sum(char.isdigit() for char in match["number"]) > (9 if grouped else 7):
                continue
            if _NOT_MONEY_AFTER.match(text, match.end()):
                continue
            if _NOT_MONEY_BEFORE.search(text, 0, match.start("number")):
                continue
            if value < 10 and not grouped:
                continue
        candidates.append((match.start(), marked, value))
    for match in _WORDS.finditer(text):
        if match["hundreds"]:
            value = Decimal(WORD_NUMBERS[match["hundreds"]])
        else:
            if not match["number"] and match["multiplier"] != "mil" and not match["unit"]:
                continue
            base = WORD_NUMBERS.get((match["number"] or "").strip(), 1)
            value = Decimal(base) * MULTIPLIERS[match["multiplier"]]
        candidates.append((match.start(), True, value))
    if not candidates:
        return None
    marked_ones = [candidate for candidate in candidates if candidate[1]]
    return min(marked_ones or candidates)[2]
