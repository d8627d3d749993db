"""Behind a TLS proxy: CSRF passes, http is redirected, and the security headers are sent."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.helpers import ROOT
from tests.security.support import apply, documented_environment, settings_from

pytestmark = pytest.mark.django_db
HOST = "cobranza.example"
PASSWORD = "una-clave-larga-y-rara-2026"


@pytest.fixture
def production(settings, tmp_path):
    """The documented production settings (docs/security.md), on the test database."""
    apply(settings, settings_from(documented_environment(), tmp_path))
    get_user_model().objects.create_user("supervisora", password=PASSWORD, is_staff=True)
    return settings


def log_in_through_the_proxy(**headers: str):
    """GET the login form then POST it as a browser does, over https ended at the proxy."""
    client = Client(enforce_csrf_checks=True, HTTP_HOST=HOST, REMOTE_ADDR="10.0.0.2", **headers)
    form = client.get("/admin/login/")
    assert form.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.content.decode())
    assert token is not None
    return client.post(
        "/admin/login/",
        {
            "username": "supervisora",
            "password": PASSWORD,
            "csrfmiddlewaretoken": token.group(1),
            "next": "/admin/",
        },
        HTTP_ORIGIN=f"https://{HOST}",
    )


def test_behind_the_proxy_a_login_post_passes_the_csrf_check(production):
    response = log_in_through_the_proxy(HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_without_the_proxy_setting_or_trusted_origins_every_https_post_failed_csrf(production):
    production.SECURE_PROXY_SSL_HEADER = None
    production.SECURE_SSL_REDIRECT = False
    production.CSRF_TRUSTED_ORIGINS = []

    response = log_in_through_the_proxy(HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 403  # what issue 13 saw before these settings


def test_trusted_origins_alone_let_the_https_post_through(production):
    trusted = production.CSRF_TRUSTED_ORIGINS  # from PUBLIC_BASE_URL and the variable
    assert trusted == [f"https://{HOST}"]
    production.SECURE_PROXY_SSL_HEADER = None
    production.SECURE_SSL_REDIRECT = False

    response = log_in_through_the_proxy()

    assert response.status_code == 302


def test_plain_http_is_redirected_to_https(production):
    response = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="http").get("/admin/login/")

    assert response.status_code == 301
    assert response["Location"] == f"https://{HOST}/admin/login/"


def test_https_responses_carry_hsts_the_policy_and_secure_cookies(production):
    response = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https").get("/admin/login/")

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert set(response["Content-Security-Policy"].split("; ")) == {
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    }
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.cookies["csrftoken"]["secure"] is True


def test_secure_cookies_are_the_default_with_debug_off_and_not_with_debug_on(tmp_path):
    debug_off = settings_from({"DEBUG": "false"}, tmp_path)
    debug_on = settings_from({"DEBUG": "true"}, tmp_path)

    assert debug_off["SESSION_COOKIE_SECURE"] is debug_off["CSRF_COOKIE_SECURE"] is True
    assert debug_on["SESSION_COOKIE_SECURE"] is debug_on["CSRF_COOKIE_SECURE"] is False
    assert "SECURE_PROXY_SSL_HEADER" not in debug_off  # no proxy trusted unless configured
    assert debug_off["CSRF_TRUSTED_ORIGINS"] == []  # PUBLIC_BASE_URL is http by default


def test_no_template_runs_an_inline_script_so_script_src_self_holds():
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")|\son\w+=", re.I)
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "recaudo").glob("*/templates/**/*.html"))
        if inline.search(path.read_text(encoding="utf-8"))
    ]

    assert offenders == []
