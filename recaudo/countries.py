"""Which two-letter codes are countries: the officially assigned ISO 3166-1 alpha-2 codes.

Babel's CLDR territory list is ISO 3166-1 plus codes that name no country a
debtor can live in. We keep its two-letter codes and drop, as ISO 3166-1
itself does (section 8.1.3 and the ISO 3166 Maintenance Agency's list of
reserved codes, https://www.iso.org/iso-3166-country-codes.html):

- the user-assigned codes AA, QM-QZ, XA-XZ and ZZ (CLDR uses QO "Outlying
  Oceania", XA/XB pseudo-locales, XK Kosovo, ZZ "unknown region");
- the exceptionally reserved codes AC, CP, CQ, DG, EA, EU, EZ, FX, IC, SU, TA,
  UK, UN (the European Union, the Eurozone, the United Nations, Canary Islands...).

What is left is the 249 assigned codes. AQ (Antarctica) is one: it is
accepted, and like every country without a rule pack it gets the strictest
pack and the phone number's time zone (docs/compliance.md).
"""

from __future__ import annotations

from functools import cache

from babel import Locale

# The countries with a reviewed contact-rule pack (recaudo/compliance/packs/).
# Every other country gets the strictest known pack, and its debtors' time
# zone comes from their phone number (docs/compliance.md). Here, not in the
# compliance app, because the portfolio app (below it) needs it too.
RULE_PACK_COUNTRIES = ("CO", "MX", "CL", "PE", "AR", "BR", "ES", "US")

_EXCEPTIONALLY_RESERVED = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "FX", "IC", "SU", "TA", "UK", "UN"}
)


def _user_assigned(code: str) -> bool:
    return code in {"AA", "ZZ"} or (code[0] == "Q" and code[1] >= "M") or code[0] == "X"


@cache
def iso_countries() -> frozenset[str]:
    territories = Locale("en").territories  # Babel types its keys loosely
    return frozenset(
        code
        for code in territories
        if isinstance(code, str)
        and len(code) == 2
        and code.isascii()
        and code.isalpha()
        and code.isupper()
        and not _user_assigned(code)
        and code not in _EXCEPTIONALLY_RESERVED
    )


def is_country_code(code: str) -> bool:
    """Whether ``code`` (exact case) is an assigned ISO 3166-1 alpha-2 country code."""
    return code in iso_countries()
