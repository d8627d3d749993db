"""``recaudo nlu``: JSON lines in, one JSON line out per input, error lines for bad input."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command


def run_nlu(monkeypatch, *lines: str) -> tuple[list[dict], CommandError | None]:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in lines)))
    stdout = io.StringIO()
    error = None
    try:
        call_command("nlu", stdout=stdout)
    except CommandError as raised:
        error = raised
    return [json.loads(line) for line in stdout.getvalue().splitlines()], error


def test_it_writes_one_understanding_per_line_and_exits_cleanly(monkeypatch):
    outputs, error = run_nlu(
        monkeypatch,
        json.dumps({"text": "te pago el viernes 500", "today": "2026-11-22"}),
        json.dumps({"text": "no me escriban más", "today": "2026-11-22"}),
        json.dumps({"text": "cuanto debo", "today": "2026-11-22", "language": "es"}),
    )
    assert error is None
    assert [output["intent"] for output in outputs] == ["promise_to_pay", "opt_out", "balance"]
    assert outputs[0]["slots"] == {"date": "2026-11-27", "amount": "500"}
    assert outputs[1] == {"intent": "opt_out", "confidence": 1.0, "slots": {}}
    assert outputs[2]["slots"] == {}
    assert all(set(output) == {"intent", "confidence", "slots"} for output in outputs)
    assert all(0 <= output["confidence"] <= 1 for output in outputs)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "line 2: not valid JSON"),
        ("", "line 2: empty line"),
        ("[1, 2]", "line 2: expected a JSON object"),
        ('{"today": "2026-11-22"}', "line 2: text: required"),
        ('{"text": "hola"}', "line 2: today: required"),
        ('{"text": "hola", "today": "22/11/2026"}', "line 2: today: '22/11/2026' is not an ISO"),
        ('{"text": "hola", "today": "2026-11-22", "language": "fr"}', "line 2: language: 'fr'"),
        ('{"text": "hola", "today": "2026-11-22", "channel": "sms"}', "line 2: channel: unknown"),
    ],
)
def test_a_bad_line_gets_an_error_line_naming_it_and_the_rest_still_run(monkeypatch, line, message):
    good = json.dumps({"text": "hola", "today": "2026-11-22"})
    outputs, error = run_nlu(monkeypatch, good, line, good)
    assert len(outputs) == 3
    assert outputs[0]["intent"] == outputs[2]["intent"] == "greeting"
    assert set(outputs[1]) == {"error"}
    assert outputs[1]["error"].startswith(message)
    assert error is not None
    assert error.returncode == 1
