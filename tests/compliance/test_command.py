"""``recaudo rules check`` and ``recaudo rules show``."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.helpers import ROOT, database_url


def run_check(*lines: str) -> tuple[list[dict], CommandError | None]:
    stdout = io.StringIO()
    error = None
    try:
        call_command("rules", "check", stdin=io.StringIO("".join(f"{line}\n" for line in lines)),
                     stdout=stdout)  # fmt: skip
    except CommandError as raised:
        error = raised
    return [json.loads(line) for line in stdout.getvalue().splitlines()], error


def line(**fields) -> str:
    return json.dumps(fields)


def test_check_writes_one_decision_per_line():
    outputs, error = run_check(
        line(country="CO", channel="whatsapp", at="2026-11-24T11:00:00+00:00"),
        line(country="CO", timezone="America/Bogota", channel="sms", at="2026-11-24T15:00:00Z"),
        line(
            country="CL",
            channel="email",
            at="2026-11-24T15:00:00+00:00",
            history=[{"channel": "sms", "at": "2026-11-23T15:00:00+00:00"}],
        ),
        line(country="CO", channel="sms", at="2026-11-24T15:00:00+00:00", opted_out="all"),
        line(country="CO", channel="sms", at="2026-11-24T15:00:00+00:00", opted_out=["email"]),
    )
    assert error is None
    assert outputs == [
        {
            "allowed": False,
            "reasons": ["outside_hours"],
            "next_allowed_at": "2026-11-24T12:00:00+00:00",
        },
        {"allowed": True, "reasons": [], "next_allowed_at": "2026-11-24T15:00:00+00:00"},
        {"allowed": False, "reasons": ["min_gap"], "next_allowed_at": "2026-11-25T11:00:00+00:00"},
        {"allowed": False, "reasons": ["opted_out"], "next_allowed_at": None},
        {"allowed": True, "reasons": [], "next_allowed_at": "2026-11-24T15:00:00+00:00"},
    ]


def test_check_reports_each_bad_line_and_carries_on_then_exits_with_1():
    good = line(country="CO", channel="sms", at="2026-11-24T15:00:00+00:00")
    outputs, error = run_check(
        good,
        "not json",
        line(country="CO", channel="sms", at="2026-11-24T15:00:00"),
        line(country="XX", channel="sms", at="2026-11-24T15:00:00+00:00"),
        line(country="CO", timezone="Mars/Olympus", channel="sms", at="2026-11-24T15:00:00Z"),
        line(country="CO", channel="sms", at="2026-11-24T15:00:00Z", history=[{"channel": "sms"}]),
        line(
            country="CO",
            channel="sms",
            at="2026-11-24T15:00:00Z",
            history=[{"channel": "sms", "at": "yesterday"}],
        ),
        line(country="CO", channel="sms", at="2026-11-24T15:00:00Z", opted_out="sms"),
        line(country="UY", channel="sms", at="2026-11-24T15:00:00Z"),
        line(country="CO", channel="sms", at="2026-11-24T15:00:00Z", channnel="x"),
        "",
        good,
    )
    assert [output.get("error") for output in outputs] == [
        None,
        "line 2: not valid JSON (Expecting value at column 1)",
        "line 3: at: not an ISO 8601 datetime with offset (no UTC offset)",
        "line 4: country: 'XX' is not an ISO 3166-1 alpha-2 code",
        "line 5: timezone: unknown IANA time zone 'Mars/Olympus'",
        "line 6: history[0]: expected an object with channel and at (and conversation, notice)",
        "line 7: history[0].at: not an ISO 8601 datetime with offset",
        'line 8: opted_out: expected a list of channels or "all"',
        "line 9: timezone: required for UY, which has no pack of its own",
        "line 10: channnel: unknown field; expected country, timezone, channel, at, history, "
        "opted_out, notice",
        "line 11: empty line; expected a JSON object",
        None,
    ]
    assert error is not None and error.returncode == 1
    assert "10 of 12 lines" in str(error)


def test_check_refuses_unknown_channels_in_opted_out_and_history_naming_them():
    at = "2026-11-24T15:00:00Z"
    outputs, error = run_check(
        line(country="CO", channel="whatsapp", at=at, opted_out=["whatsap"]),
        line(country="CO", channel="sms", at=at, opted_out=["sms", 3]),
        line(country="CO", channel="sms", at=at, history=[{"channel": "SMS", "at": at}]),
        line(country="ZZ", channel="sms", at=at),
        line(country="EU", channel="sms", at=at),
    )
    known = "expected one of whatsapp, sms, rcs, email, call"
    assert outputs == [
        {"error": f"line 1: opted_out[0]: unknown channel 'whatsap'; {known}"},
        {"error": f"line 2: opted_out[1]: unknown channel 3; {known}"},
        {"error": f"line 3: history[0].channel: unknown channel 'SMS'; {known}"},
        {"error": "line 4: country: 'ZZ' is not an ISO 3166-1 alpha-2 code"},
        {"error": "line 5: country: 'EU' is not an ISO 3166-1 alpha-2 code"},
    ]
    assert error is not None and error.returncode == 1


def test_check_answers_an_unknown_channel_as_a_refusal():
    outputs, error = run_check(line(country="CO", channel="fax", at="2026-11-24T15:00:00Z"))
    assert (outputs, error) == (
        [{"allowed": False, "reasons": ["unknown_channel"], "next_allowed_at": None}],
        None,
    )


def test_show_prints_the_colombian_rules_with_their_sources():
    stdout = io.StringIO()
    call_command("rules", "show", "co", stdout=stdout)
    text = stdout.getvalue()
    assert text.startswith("Colombia (CO)\n")
    assert "  Saturday   08:00-15:00" in text
    assert "  Sunday     no contact" in text
    assert "At most 1 contact on any channel per local day. [Ley 2300 de 2023, art. 3" in text
    assert "At most 1 channel(s) per calendar week and per rolling 7 days." in text
    assert "counsel must review" in text


def test_show_prints_the_generic_pack_for_a_country_without_one():
    stdout = io.StringIO()
    call_command("rules", "show", "UY", stdout=stdout)
    assert "used for UY, which has no pack of its own" in stdout.getvalue()


def test_show_refuses_an_unknown_country():
    with pytest.raises(CommandError, match="unknown country 'XX'"):
        call_command("rules", "show", "XX", stdout=io.StringIO())


@pytest.mark.django_db
def test_the_recaudo_console_script_checks_lines_from_a_pipe():
    script = Path(sys.executable).parent / "recaudo"
    result = subprocess.run(
        [str(script), "rules", "check"],
        input=line(country="CO", channel="whatsapp", at="2026-11-29T15:00:00+00:00") + "\nbad\n",
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url()},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        '{"allowed": false, "reasons": ["closed_day"], '
        '"next_allowed_at": "2026-11-30T12:00:00+00:00"}',
        '{"error": "line 2: not valid JSON (Expecting value at column 1)"}',
    ]
    assert "1 of 2 lines could not be checked" in result.stderr


def test_check_judges_a_notice_by_the_hours_only_and_leaves_past_notices_out_of_the_caps():
    morning = '"2026-11-24T15:00:00+00:00"'
    earlier = '{"channel": "whatsapp", "at": "2026-11-24T13:00:00+00:00"}'
    lines = [
        f'{{"country": "CO", "channel": "sms", "at": {morning}, "history": [{earlier}], '
        '"notice": true}',
        f'{{"country": "CO", "channel": "sms", "at": {morning}, "history": [{earlier[:-1]}, '
        '"notice": true}]}',
        f'{{"country": "CO", "channel": "sms", "at": {morning}, "history": [{earlier}]}}',
    ]

    answers, error = run_check(*lines)

    assert error is None
    assert [answer["allowed"] for answer in answers] == [True, True, False]
