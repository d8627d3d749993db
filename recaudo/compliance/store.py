"""The pack that applies to a creditor's debtors in a country, overrides included.

The planner asks once per debtor (~100k times per run), so answers are kept
in memory for a short while: an override edited in the admin reaches running
workers within ``CACHE_SECONDS`` (at once in the process that saved it).
Returning the same pack object also keeps the rule caches in windows.py warm.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from time import monotonic

from recaudo.compliance.models import CreditorRuleOverride
from recaudo.compliance.packs import RulePack, get_pack
from recaudo.compliance.tighten import tighten
from recaudo.regions import regions

logger = logging.getLogger(__name__)

CACHE_SECONDS = 60.0
_cache: dict[tuple[int | None, str, str], tuple[float, RulePack]] = {}


def clear_cache() -> None:
    _cache.clear()


def pack_for(creditor_id: int | None, country: str, region: str = "") -> RulePack:
    """The country's pack tightened by the creditor's override, if it has one, with the
    debtor's ``region`` (whose public holidays apply too; recaudo/regions.py)."""
    key = (creditor_id, country.strip().upper(), region)
    now = monotonic()
    cached = _cache.get(key)
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    pack = get_pack(key[1])
    if creditor_id is not None:
        overrides = (
            CreditorRuleOverride.objects.filter(creditor_id=creditor_id, country=key[1])
            .values_list("overrides", flat=True)
            .first()
        )
        if overrides:
            try:
                pack = tighten(pack, overrides)
            except ValueError as error:
                # Counsel made the pack stricter than this saved override:
                # keep every field at the stricter of the two.
                logger.warning(
                    "override of creditor %s for %s no longer tightens the pack (%s); "
                    "keeping the stricter value of each rule",
                    creditor_id,
                    key[1],
                    error,
                )
                pack = tighten(pack, overrides, strict=False)
    if region and region in regions(key[1]):
        pack = replace(pack, region=region)
    _cache[key] = (now, pack)
    return pack
