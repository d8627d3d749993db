"""The date slot: "el viernes", "mañana", "a fin de mes", "el 15", "10/12", "la quincena"...

Pure rules over `text.simplify` output (lower case, no accents), relative to a
`today` the caller passes in. Decisions (docs/nlu.md):

- A weekday ("el viernes", "el lunes que viene", "este jueves") is the next
  one strictly after today: on a Friday, "te pago el viernes" is a week later
  (someone who means today says "hoy").
- A day of the month ("el 15", "el día 30") is the next such day on or after
  today; a month without that day is skipped ("el 31" in November is 31 Dec).
- "la quincena" is the 15th or the last day of the month, whichever comes
  first on or after today. "fin de mes" is the last day of this month.
- "la próxima semana" is the Monday of next week; "en N días" is today + N.
- "10/12" is day/month (month/day when the language is English); a date
  already past this year means next year.
- Of several dates in one message the last one wins ("hoy no puedo, el viernes
  sí"), and "hoy" only when nothing else is said.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date, timedelta

WEEKDAYS = {
    **dict.fromkeys(["lunes", "lune", "monday", "segunda", "segunda-feira"], 0),
    **dict.fromkeys(["martes", "marte", "tuesday", "terca", "terca-feira"], 1),
    **dict.fromkeys(["miercoles", "miercole", "mierc", "wednesday", "quarta", "quarta-feira"], 2),
    **dict.fromkeys(["jueves", "jueve", "thursday", "quinta", "quinta-feira"], 3),
    **dict.fromkeys(
        ["viernes", "vienes", "biernes", "vierne", "friday", "sexta", "sexta-feira"], 4
    ),
    **dict.fromkeys(["sabado", "sabados", "saturday"], 5),
    **dict.fromkeys(["domingo", "sunday"], 6),
}
# Portuguese weekday names are ordinary Spanish words ("la segunda cuota").
PORTUGUESE_ONLY = {"segunda", "terca", "quarta", "quinta", "sexta"}

MONTHS = {
    **dict.fromkeys(["enero", "ene", "janeiro", "jan", "january"], 1),
    **dict.fromkeys(["febrero", "feb", "fevereiro", "fev", "february"], 2),
    **dict.fromkeys(["marzo", "mar", "marco", "march"], 3),
    **dict.fromkeys(["abril", "abr", "april", "apr"], 4),
    **dict.fromkeys(["mayo", "may", "maio"], 5),
    **dict.fromkeys(["junio", "jun", "junho", "june"], 6),
    **dict.fromkeys(["julio", "jul", "julho", "july"], 7),
    **dict.fromkeys(["agosto", "ago", "august", "aug"], 8),
    **dict.fromkeys(["septiembre", "setiembre", "sep", "sept", "set", "setembro", "september"], 9),
    **dict.fromkeys(["octubre", "oct", "outubro", "out", "october"], 10),
    **dict.fromkeys(["noviembre", "nov", "novembro", "november"], 11),
    **dict.fromkeys(["diciembre", "dic", "dezembro", "dez", "december", "dec"], 12),
}

NUMBER_WORDS = {
    **dict.fromkeys(["un", "uno", "una", "um", "one", "a"], 1),
    **dict.fromkeys(["dos", "dois", "duas", "two", "par", "un par", "couple", "a couple"], 2),
    **dict.fromkeys(["tres", "three"], 3),
    **dict.fromkeys(["cuatro", "quatro", "four"], 4),
    **dict.fromkeys(["cinco", "five"], 5),
    **dict.fromkeys(["seis", "six"], 6),
    **dict.fromkeys(["siete", "sete", "seven"], 7),
    **dict.fromkeys(["ocho", "oito", "eight"], 8),
    **dict.fromkeys(["nueve", "nove", "nine"], 9),
    **dict.fromkeys(["diez", "dez", "ten"], 10),
    **dict.fromkeys(["once", "onze", "eleven"], 11),
    **dict.fromkeys(["doce", "twelve"], 12),
    **dict.fromkeys(["trece", "treze"], 13),
    **dict.fromkeys(["catorce", "catorze"], 14),
    **dict.fromkeys(["quince", "quinze", "fifteen"], 15),
    **dict.fromkeys(["dieciseis", "dezesseis"], 16),
    **dict.fromkeys(["diecisiete", "dezessete"], 17),
    **dict.fromkeys(["dieciocho", "dezoito"], 18),
    **dict.fromkeys(["diecinueve", "dezenove"], 19),
    **dict.fromkeys(["veinticinco", "vinte e cinco"], 25),
    **dict.fromkeys(["treinta y uno", "treintaiuno", "trinta e um"], 31),
    **dict.fromkeys(["veinte", "vinte", "twenty"], 20),
    **dict.fromkeys(["treinta", "trinta", "thirty"], 30),
    **dict.fromkeys(["primero", "first", "1ro", "1ero"], 1),
    "fifteenth": 15,
}

_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_NUMBER = r"\d{1,2}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
# Day numbers in words ("el diez de diciembre"); short words like "a" or "one" are too common.
_DAY_WORD = "|".join(
    sorted((word for word in NUMBER_WORDS if len(word) > 3 and "couple" not in word), key=len)[::-1]
)
_NEXT_MONTH = (
    r"(del |de )?(mes que viene|proximo mes|siguiente mes|mes entrante|otro mes|mes que vem"
    r"|next month)"
)
_ORDINAL = r"(?:st|nd|rd|th|ro|ero|o)?"


def last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def next_weekday(today: date, weekday: int) -> date:
    """The next `weekday` strictly after today."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def next_day_of_month(today: date, day: int) -> date | None:
    """The next date with this day of the month, on or after today."""
    if not 1 <= day <= 31:
        return None
    start = date(today.year, today.month, 1)
    for months in range(13):
        first = add_months(start, months)
        if day <= calendar.monthrange(first.year, first.month)[1]:
            candidate = first.replace(day=day)
            if candidate >= today:
                return candidate
    return None


def next_day_month(
    today: date, day: int, month: int, year: int | None = None, past: bool = False
) -> date | None:
    """That day and month this year, or next year when it has passed (last year, `past`)."""
    try:
        if year is not None:
            return date(year + 2000 if year < 100 else year, month, day)
        candidate = date(today.year, month, day)
        if past:
            return candidate if candidate <= today else date(today.year - 1, month, day)
        return candidate if candidate >= today else date(today.year + 1, month, day)
    except ValueError:
        return None


def quincena(today: date) -> date:
    if today.day <= 15:
        return today.replace(day=15)
    return last_day(today.year, today.month)


def number(word: str) -> int:
    word = word.strip()
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word.removeprefix("el ").strip(), 0)


Resolver = Callable[[re.Match[str], date, str, bool], "date | None"]


def _weekday(match: re.Match[str], today: date, language: str, past: bool) -> date | None:
    name = match["weekday"]
    if name in PORTUGUESE_ONLY and language != "pt":
        return None
    if past:
        return today - timedelta(days=(today.weekday() - WEEKDAYS[name] - 1) % 7 + 1)
    day = next_weekday(today, WEEKDAYS[name])
    if match["nextweek"]:
        monday = today + timedelta(days=7 - today.weekday())
        day = monday + timedelta(days=WEEKDAYS[name])
    return day


def _day_month(match: re.Match[str], today: date, language: str, past: bool) -> date | None:
    month = MONTHS[match["month"]]
    year = int(match["year"]) if match["year"] else None
    return next_day_month(today, number(match["day"]), month, year, past)


def _numeric(match: re.Match[str], today: date, language: str, past: bool) -> date | None:
    first, second = int(match["first"]), int(match["second"])
    day, month = (second, first) if language == "en" else (first, second)
    if not 1 <= month <= 12:
        day, month = month, day
    year = int(match["year"]) if match["year"] else None
    return next_day_month(today, day, month, year, past)


def _day_of_month(match: re.Match[str], today: date, language: str, past: bool) -> date | None:
    day = number(match["day"])
    if past:
        start = today if day <= today.day else add_months(today, -1)
        try:
            return start.replace(day=day)
        except ValueError:
            return None
    if match["nextmonth"]:
        first = add_months(today, 1)
        try:
            return first.replace(day=day)
        except ValueError:
            return None
    return next_day_of_month(today, day)


def _in_days(match: re.Match[str], today: date, language: str, past: bool) -> date | None:
    count = number(match["count"])
    if not count:
        return None
    unit = match["unit"]
    weeks = unit.startswith(("semana", "week"))
    return today + timedelta(days=count * 7 if weeks else count)


def _fixed(offset: Callable[[date], date]) -> Resolver:
    return lambda match, today, language, past: offset(today)


_TODAY = re.compile(
    r"\b(hoy|hoje|today|tonight|esta noche|hoy mismo|esta manana|esta tarde|this morning"
    r"|this afternoon|esta manha|hoje cedo|nesta manha)\b"
)

RULES: list[tuple[re.Pattern[str], Resolver]] = [
    (
        re.compile(
            rf"\b(?P<day>\d{{1,2}}|{_DAY_WORD}){_ORDINAL} (de |of )?(?P<month>{_MONTH})\b\.?"
            rf"(,? (de |del )?(?P<year>20\d\d))?"
        ),
        _day_month,
    ),
    (
        re.compile(rf"\b(?P<month>{_MONTH}) (?P<day>\d{{1,2}}){_ORDINAL}\b(,? (?P<year>20\d\d))?"),
        _day_month,
    ),
    (
        re.compile(
            r"(?<![\d.,$])(?P<first>\d{1,2})[/-](?P<second>\d{1,2})([/-](?P<year>\d{2,4}))?"
            r"(?![\d.,%])(?! ?(dias|days|semanas|meses|cuotas))"
        ),
        _numeric,
    ),
    (
        re.compile(
            rf"\b(el|dia|el dia|on the|the|on|no dia|para el|hasta el|ate o dia|ate dia)"
            rf" (?P<day>\d{{1,2}}|primero|quince|treinta|first|fifteenth){_ORDINAL}\b"
            rf"(?! ?(%|/|:|dias|dia|de (?:{_MONTH})|cuotas|hs|hrs"
            rf"|horas|am|pm|mil|pesos|lucas|soles|reales|reais|days|semanas|meses|weeks))"
            rf"(?P<nextmonth> {_NEXT_MONTH})?"
        ),
        _day_of_month,
    ),
    (
        re.compile(
            rf"\b((en|dentro de|in|em|daqui a|daqui|within) )(unos |uns )?(?P<count>{_NUMBER})"
            r"( de| of)? (?P<unit>dias|dia|days|day|semanas|semana|weeks|week)\b"
        ),
        _in_days,
    ),
    (
        re.compile(
            rf"\b(?P<prefix>el |este |esta |proximo |next |this |on |na |nesta |no )?"
            rf"(?P<weekday>{_WEEKDAY})\b"
            r"(?P<nextweek> (de la )?(semana que viene|proxima semana|otra semana|next week"
            r"|da semana que vem|da proxima semana))?"
        ),
        _weekday,
    ),
    (
        re.compile(
            rf"\b(fin|fim|fines|final|finales|ultimo dia|end) (de|del|do|of the|of) {_NEXT_MONTH}"
        ),
        _fixed(lambda today: last_day(add_months(today, 1).year, add_months(today, 1).month)),
    ),
    (
        re.compile(
            r"\b(fin|fim|fines|final|finales|ultimo dia|end) (de|del|do|of the|of) (mes|month)\b"
        ),
        _fixed(lambda today: last_day(today.year, today.month)),
    ),
    (
        re.compile(r"\b(finde|fin de semana|fim de semana|weekend)\b"),
        _fixed(lambda today: today + timedelta(days=(5 - today.weekday()) % 7)),
    ),
    (
        re.compile(
            r"\b(principio|principios|inicio|inicios|comienzo|comienzos|primeros dias"
            r"|comeco|start|beginning|begining) (de|del|do|of the|of) (mes|month)"
        ),
        _fixed(lambda today: add_months(today, 1)),
    ),
    (
        re.compile(
            rf"\b(principio|principios|inicio|inicios|comienzo|comienzos|primeros dias"
            rf"|comeco|start|beginning) (de|del|do|of) (?P<month>{_MONTH})\b"
        ),
        lambda match, today, language, past: next_day_month(
            today, 1, MONTHS[match["month"]], None, past
        ),
    ),
    (
        re.compile(r"\bquincena\b"),
        _fixed(quincena),
    ),
    (
        re.compile(
            r"\b(proxima semana|semana que viene|otra semana|semana entrante"
            r"|semana que vem|proxima semana|next week)\b"
        ),
        _fixed(lambda today: today + timedelta(days=7 - today.weekday())),
    ),
    (
        re.compile(r"\b(pasado manana|pasado mnn|depois de amanha|day after tomorrow)\b"),
        _fixed(lambda today: today + timedelta(days=2)),
    ),
    (
        re.compile(r"(?<!la )(?<!de )(?<!esta )\b(manana|mnn|amanha|tomorrow|tmrw|tmr)\b"),
        _fixed(lambda today: today + timedelta(days=1)),
    ),
    (
        re.compile(r"\b(anteayer|antier|antes de ayer|anteontem)\b"),
        _fixed(lambda today: today - timedelta(days=2)),
    ),
    (
        re.compile(r"\b(ayer|ontem|yesterday)\b"),
        _fixed(lambda today: today - timedelta(days=1)),
    ),
]


def find_date(
    text: str, today: date, language: str = "es", past: bool = False
) -> tuple[date | None, list[range]]:
    """The date the simplified `text` names, and the character spans of every date found.

    With `past` (the debtor says they already paid) a weekday or a day of the
    month is the last one on or before today: "pagué el viernes".
    """
    found: list[tuple[int, int, date]] = []
    taken: list[range] = []
    for pattern, resolve in RULES:
        for match in pattern.finditer(text):
            span = range(*match.span())
            if any(span.start < other.stop and other.start < span.stop for other in taken):
                continue
            day = resolve(match, today, language, past)
            if day is not None:
                found.append((span.start, span.stop, day))
                taken.append(span)
    if found:
        return max(found)[2], taken
    today_match = _TODAY.search(text)
    if today_match:
        return today, [*taken, range(*today_match.span())]
    return None, taken
