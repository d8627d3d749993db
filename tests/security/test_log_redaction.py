"""Logs carry no bearer tokens, phone numbers, emails or query values (docs/security.md, Logs)."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.core.servers.basehttp import WSGIRequestHandler
from django.test import Client

from recaudo.logs import REDACTED, RedactingFilter, redact
from tests.log_capture import written_logs

PORTAL_TOKEN = "Zq8xPortalToken42"
UNSUBSCRIBE_TOKEN = "MTIz:1tXyzUnsubscribeSig"
PHONE = "+573001234567"
EMAIL = "camila.rojas@example.com"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        f"/p/{PORTAL_TOKEN}",
        f"/p/{PORTAL_TOKEN}/plan",
        f"/u/{UNSUBSCRIBE_TOKEN}",
        f"/u/{UNSUBSCRIBE_TOKEN}?canal=sms&email={EMAIL}",
    ],
)
def test_a_request_with_a_token_is_logged_without_it(path):
    with written_logs() as written:
        response = Client().get(path)

    logged = written.getvalue()
    assert response.status_code in (404, 405)
    assert f"Not Found: /{path[1]}/" in logged or "Method Not Allowed" in logged  # django.request
    for secret in (PORTAL_TOKEN, UNSUBSCRIBE_TOKEN, EMAIL, "canal=sms"):
        assert secret not in logged
    assert f"/{path[1]}/{REDACTED}" in logged


def test_runservers_access_line_carries_no_token_or_query_value():
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.request = None
    handler.client_address = ("127.0.0.1", 5000)

    with written_logs() as written:
        handler.log_message(
            '"%s" %s %s',
            f"GET /p/{PORTAL_TOKEN}/pagar?telefono=%2B573001234567 HTTP/1.1",
            "200",
            "10",
        )

    logged = written.getvalue()
    assert f'"GET /p/{REDACTED}/pagar?telefono={REDACTED} HTTP/1.1" 200 10' in logged
    assert PORTAL_TOKEN not in logged
    assert "3001234567" not in logged


def test_a_phone_and_an_email_in_a_log_calls_arguments_are_redacted():
    with written_logs() as written:
        logging.getLogger("recaudo.delivery.dispatcher").warning(
            "sending to %s (%s) via %s", PHONE, EMAIL, "whatsapp:+52 155 1234 5678"
        )

    assert written.getvalue() == (f"sending to {REDACTED} ({REDACTED}) via whatsapp:{REDACTED}\n")


def test_a_traceback_is_redacted_too():
    with written_logs() as written:
        try:
            raise ValueError(f"no debtor for {PHONE}")
        except ValueError:
            logging.getLogger("recaudo.api").exception("lookup failed for %s", EMAIL)

    logged = written.getvalue()
    assert "ValueError: no debtor for [redacted]" in logged
    assert PHONE not in logged
    assert EMAIL not in logged


def test_every_configured_handler_redacts_and_djangos_loggers_use_them():
    assert all(
        "redact" in handler.get("filters", []) for handler in settings.LOGGING["handlers"].values()
    )
    for name in ("django.server", "django.request", "httpx", "recaudo.payments.views"):
        logger: logging.Logger | None = logging.getLogger(name)
        handlers = []
        while logger is not None:
            handlers += [h for h in logger.handlers if type(h).__module__ != "_pytest.logging"]
            logger = logger.parent if logger.propagate else None
        assert handlers, name
        assert all(any(isinstance(f, RedactingFilter) for f in h.filters) for h in handlers), name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /p/abc123/ HTTP/1.1", f"GET /p/{REDACTED}/ HTTP/1.1"),
        ("address=%2B5215512345678", f"address={REDACTED}"),
        ("ana%40example.com", REDACTED),
        ("from +55 11 91234-5678", f"from {REDACTED}"),
        ("outreach 42: 3 rows, 2026-12-01", "outreach 42: 3 rows, 2026-12-01"),
    ],
)
def test_redaction_keeps_the_shape_of_the_line(text, expected):
    assert redact(text) == expected
