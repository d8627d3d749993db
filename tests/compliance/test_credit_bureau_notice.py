"""The notice a country's law requires before a debt is reported to a credit bureau."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from recaudo.compliance.packs import PACKS_DIR, PackError, get_pack, parse_pack


def test_colombia_requires_a_notice_20_days_before_a_bureau_report_citing_ley_1266_art_12():
    notice = get_pack("CO").credit_bureau_notice

    assert notice is not None
    assert notice.days == 20
    assert notice.source.law == "Ley 1266 de 2008, as amended by Ley 2157 de 2021"
    assert notice.source.article == "art. 12"
    assert notice.source.basis == "legal"


def test_brazil_requires_a_written_notice_citing_cdc_art_43_with_a_default_delay():
    notice = get_pack("BR").credit_bureau_notice

    assert notice is not None
    assert notice.source.article == "art. 43 §2"
    assert notice.source.basis == "default"  # the law names no delay; 20 days is ours
    assert notice.days == 20


def test_a_country_whose_pack_is_silent_states_no_bureau_notice():
    assert get_pack("CL").credit_bureau_notice is None


@pytest.mark.parametrize(
    ("notice", "field"),
    [
        ({"days": -1, "source": {"law": "l", "article": "a", "confidence": "high"}}, r"\.days"),
        ({"days": 20}, r"\.source"),
        ({"days": 20, "when": "x", "source": {}}, r"\.when"),
        ("20 days", r"credit_bureau_notice"),
    ],
)
def test_a_malformed_bureau_notice_in_a_pack_is_refused_naming_the_field(notice, field):
    data = json.loads((PACKS_DIR / "co.json").read_text(encoding="utf-8"))
    data["credit_bureau_notice"] = notice

    with pytest.raises(PackError, match=field):
        parse_pack(data)


def test_rules_show_states_the_bureau_notice_with_its_source():
    out = io.StringIO()
    call_command("rules", "show", "CO", stdout=out)

    assert (
        "A written notice before any credit-bureau report; the report no earlier than 20 "
        "calendar days after it was sent. [Ley 1266 de 2008, as amended by Ley 2157 de 2021, "
        "art. 12; legal, confidence high]"
    ) in out.getvalue()
