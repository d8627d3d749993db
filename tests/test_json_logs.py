"""JSON log lines (LOG_FORMAT=json): the request id, the worker's batch, and no personal data."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import Client

from recaudo.delivery.lanes import run_lanes
from recaudo.logs import REDACTED, log_context
from tests.log_capture import written_json_logs

ROOT = Path(__file__).resolve().parent.parent
PORTAL_TOKEN = "Zq8xPortalToken42"
PHONE = "+573001234567"
EMAIL = "camila.rojas@example.com"
SENT_TEXT = "Hola Camila, tu factura vence hoy"


def lines(written) -> list[dict]:
    return [json.loads(line) for line in written.getvalue().splitlines() if line.strip()]


@pytest.mark.django_db
def test_a_request_logs_a_json_line_carrying_the_request_id_that_the_response_returned():
    with written_json_logs() as written:
        response = Client().get(f"/p/{PORTAL_TOKEN}/nada")

    request_id = response["X-Request-ID"]
    assert len(request_id) == 32 and int(request_id, 16) >= 0  # a new uuid4, in hex
    [line] = [line for line in lines(written) if line["logger"] == "django.request"]
    assert line["request_id"] == request_id
    assert line["level"] == "WARNING"
    assert line["message"] == f"Not Found: /p/{REDACTED}/nada"
    assert datetime.fromisoformat(line["time"]).utcoffset().total_seconds() == 0
    assert line["status_code"] == 404
    assert "request" not in line
    assert PORTAL_TOKEN not in written.getvalue()


@pytest.mark.django_db
def test_a_sane_incoming_request_id_is_kept_and_returned():
    with written_json_logs() as written:
        response = Client().get("/p/x/nada", HTTP_X_REQUEST_ID="lb-7f3a.2_b")

    assert response["X-Request-ID"] == "lb-7f3a.2_b"
    assert {line["request_id"] for line in lines(written)} == {"lb-7f3a.2_b"}


@pytest.mark.django_db
def test_what_is_logged_after_the_request_finished_carries_no_request_id():
    with written_json_logs() as written:
        Client().get("/p/x/nada")
        logging.getLogger("recaudo.tests.json").warning("between requests")

    *_during, after = lines(written)
    assert after["message"] == "between requests"
    assert after["request_id"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "incoming", ["", "a" * 65, "id with spaces", 'x"}, "level": "DEBUG', PHONE, "ñandú"]
)
def test_an_insane_incoming_request_id_is_replaced_by_a_new_one(incoming):
    response = Client().get("/favicon.ico", HTTP_X_REQUEST_ID=incoming)

    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32


def test_a_log_call_with_a_phone_an_email_and_a_portal_link_writes_none_of_them():
    logger = logging.getLogger("recaudo.tests.json")
    with written_json_logs() as written:
        try:
            raise ValueError(f"no se pudo escribir a {EMAIL}")
        except ValueError:
            logger.exception(
                "envío a %s (%s) con el enlace https://pagos.example/p/%s",
                PHONE,
                EMAIL,
                PORTAL_TOKEN,
                extra={
                    "address": PHONE,
                    "contact": {"emails": [EMAIL], "link": f"/p/{PORTAL_TOKEN}"},
                    "text": SENT_TEXT,
                },
            )

    output = written.getvalue()
    for secret in (PHONE, "3001234567", EMAIL, PORTAL_TOKEN, SENT_TEXT):
        assert secret not in output
    [line] = lines(written)
    assert line["message"] == (
        f"envío a {REDACTED} ({REDACTED}) con el enlace https://pagos.example/p/{REDACTED}"
    )
    assert line["address"] == REDACTED
    assert line["contact"] == {"emails": [REDACTED], "link": f"/p/{REDACTED}"}
    assert line["text"] == REDACTED
    assert line["level"] == "ERROR"
    assert line["logger"] == "recaudo.tests.json"
    assert line["request_id"] is None
    assert "Traceback" in line["exception"]
    assert f"ValueError: no se pudo escribir a {REDACTED}" in line["exception"]


def test_log_context_fields_reach_the_line_and_leave_with_the_block():
    logger = logging.getLogger("recaudo.tests.json")
    with written_json_logs() as written:
        with log_context(worker="host:12/1", batch_id="b1"):
            logger.info("inside")
        logger.info("outside")

    inside, outside = lines(written)
    assert (inside["worker"], inside["batch_id"]) == ("host:12/1", "b1")
    assert "worker" not in outside and "batch_id" not in outside


@pytest.mark.django_db(transaction=True)
def test_each_worker_batch_logs_under_its_lane_and_a_batch_id():
    logger = logging.getLogger("recaudo.tests.worker")

    with written_json_logs() as written:
        run_lanes(
            clock=lambda: datetime(2026, 11, 24, 15, 0, tzinfo=UTC),
            stop=threading.Event(),
            lanes=1,
            until_idle=True,
            name="host:7",
            between_batches=lambda: logger.info("planning the day"),
        )
        run_lanes(
            clock=lambda: datetime(2026, 11, 24, 15, 0, tzinfo=UTC),
            stop=threading.Event(),
            lanes=1,
            until_idle=True,
            name="host:7",
            between_batches=lambda: logger.info("planning the day"),
        )

    first, second = [line for line in lines(written) if line["logger"] == "recaudo.tests.worker"]
    assert first["worker"] == second["worker"] == "host:7"
    assert len(first["batch_id"]) == 16
    assert first["batch_id"] != second["batch_id"]


def _run_with_environment(code: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "recaudo.settings", **environment}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


def test_log_format_json_in_the_environment_writes_one_json_object_per_line():
    code = (
        "import django, logging; django.setup(); "
        f"logging.getLogger('recaudo.start').warning('hola %s', '{PHONE}')"
    )
    finished = _run_with_environment(code, LOG_FORMAT="json")

    assert finished.returncode == 0, finished.stderr
    [line] = [json.loads(text) for text in finished.stderr.splitlines() if text.startswith("{")]
    assert line["message"] == f"hola {REDACTED}"
    assert line["logger"] == "recaudo.start"
    assert line["level"] == "WARNING"
    assert line["request_id"] is None
    assert set(line) == {"time", "level", "logger", "message", "request_id"}


def test_an_unknown_log_format_stops_the_start_naming_the_variable():
    finished = _run_with_environment("import django; django.setup()", LOG_FORMAT="xml")

    assert finished.returncode != 0
    assert "LOG_FORMAT='xml': use text or json" in finished.stderr
