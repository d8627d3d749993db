"""US Regulation F: no call for seven days after a telephone conversation about the debt."""

from __future__ import annotations

import pytest

from recaudo.compliance.packs import PackError, parse_pack
from recaudo.compliance.rules import PastContact, check_contact, get_pack
from recaudo.conversations.calls import place_call_back
from tests.compliance.support import BOGOTA, NEW_YORK, local

# Monday 23 November 2026: the agent talked with the debtor at 10:00 New York time.
TALKED = PastContact("call", local(NEW_YORK, 2026, 11, 23, 10), conversation=True)


def _call(at, history, pack="US", timezone=NEW_YORK, channel="call"):
    return check_contact(
        get_pack(pack), timezone=timezone, channel=channel, at=at, history=history
    )


def test_a_call_the_day_after_a_conversation_is_refused_until_the_eighth_day():
    decision = _call(local(NEW_YORK, 2026, 11, 24, 10), [TALKED])

    assert decision.reasons == ("after_conversation",)
    # Monday is day one; Sunday 29 is day seven; calls resume Monday 30 at 08:00.
    assert decision.next_allowed_at == local(NEW_YORK, 2026, 11, 30, 8)


def test_the_seventh_day_is_still_inside_and_the_eighth_is_outside():
    assert not _call(local(NEW_YORK, 2026, 11, 29, 20), [TALKED]).allowed
    assert _call(local(NEW_YORK, 2026, 11, 30, 8), [TALKED]).allowed


def test_a_written_message_after_a_conversation_is_not_barred_by_it():
    decision = _call(local(NEW_YORK, 2026, 11, 24, 10), [TALKED], channel="sms")

    assert "after_conversation" not in decision.reasons
    assert decision.allowed


def test_a_call_that_did_not_reach_the_debtor_is_not_a_conversation():
    unanswered = PastContact("call", TALKED.at)

    assert _call(local(NEW_YORK, 2026, 11, 24, 10), [unanswered]).allowed


def test_countries_without_the_rule_ignore_conversations():
    talked = PastContact("call", local(BOGOTA, 2026, 11, 23, 10), conversation=True)

    decision = _call(local(BOGOTA, 2026, 11, 24, 10), [talked], pack="CO", timezone=BOGOTA)

    assert "after_conversation" not in decision.reasons


def test_a_call_back_the_debtor_asked_for_is_placed_at_the_moment_asked():
    asked = local(NEW_YORK, 2026, 11, 24, 15)

    placed = place_call_back(get_pack("US"), timezone=NEW_YORK, asked_at=asked, history=[TALKED])

    assert placed is not None
    assert placed.starts_at == asked and not placed.moved


def test_a_pack_with_a_malformed_after_conversation_rule_is_refused_naming_the_field():
    data = {
        "country": "US", "name": "x", "timezone": NEW_YORK,
        "windows": {day: ["08:00", "21:00"] for day in ("mon", "tue", "wed", "thu", "fri",
                                                         "sat", "sun")}
        | {"source": {"law": "l", "article": "a", "confidence": "high"}},
        "holidays": {"excluded": False, "source": {"law": "l", "article": "a",
                                                     "confidence": "high"}},
        "after_conversation": {"scope": "voice", "days": 0,
                               "source": {"law": "l", "article": "a", "confidence": "high"}},
    }  # fmt: skip

    with pytest.raises(PackError, match=r"after_conversation\.days"):
        parse_pack(data)
