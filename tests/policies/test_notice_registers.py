"""Every notice exists in both Spanish registers (tú, usted) and in Portuguese and English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from recaudo.channels import WRITTEN_CHANNELS
from recaudo.policies.default_templates import DEFAULT_TEMPLATES, EVENT_KEYS
from tests.policies.test_register import TU_WORDS, USTED_WORDS

SOURCE = Path(__file__).resolve().parents[2] / "recaudo"
# notify(debtor, "plan_agreed", ...) and notify(plan.debtor, "request_closed", ...)
NOTIFY_CALL = re.compile(r"\bnotify\(\s*[\w.]+,\s*\"(\w+)\"")
# The notice templates chosen in a variable first (payments/concessions.py, receipts.py).
CHOSEN = re.compile(r"\btemplate = (?:\"(\w+)\" if .+ else )?\"(\w+)\"")
# (language, register) of every version a debtor may need.
VERSIONS = (("es", ""), ("es", "usted"), ("pt", ""), ("en", ""))


def notice_keys_in_the_code() -> set[str]:
    keys: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        keys.update(NOTIFY_CALL.findall(text))
        if "notify(" in text:
            for pair in CHOSEN.findall(text):
                keys.update(key for key in pair if key)
    return keys


def test_the_notice_keys_the_code_sends_are_the_shipped_event_keys():
    found = notice_keys_in_the_code()

    # The scan sees the calls it must (a guard against a regex that finds nothing).
    assert {"plan_agreed", "payment_failed", "request_closed", "paid_in_full"} <= found
    # A step's own template that staff also send as a notice (the debtor 360's "send the link").
    step_templates_sent_as_notices = {"payment_offer"}
    allowed = set(EVENT_KEYS) | step_templates_sent_as_notices
    assert found <= allowed, found - allowed


@pytest.mark.parametrize("key", sorted(set(EVENT_KEYS) | notice_keys_in_the_code()))
def test_every_notice_has_a_tu_an_usted_a_portuguese_and_an_english_version(key):
    shipped = {
        (t["channel"], t["language"], t["register"]) for t in DEFAULT_TEMPLATES if t["key"] == key
    }
    missing = [
        (channel, language, register or "tú")
        for channel in WRITTEN_CHANNELS
        for language, register in VERSIONS
        if (channel, language, register) not in shipped
    ]

    assert missing == []


@pytest.mark.parametrize("key", EVENT_KEYS)
def test_the_spanish_notices_say_tu_in_one_version_and_usted_in_the_other(key):
    for template in DEFAULT_TEMPLATES:
        if template["key"] != key or template["language"] != "es":
            continue
        text = f"{template['subject']} {template['body']}"
        own, other = (USTED_WORDS, TU_WORDS) if template["register"] else (TU_WORDS, USTED_WORDS)
        assert own.search(text), (template["channel"], template["register"], text)
        assert not other.search(text), (template["channel"], other.search(text), text)
