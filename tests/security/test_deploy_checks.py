"""`recaudo check --deploy` and the start of the web app and the worker (docs/security.md).

The documented production environment passes cleanly; each secret left at its
public sandbox value (or missing) is an error naming its variable, and with
DEBUG off the web app and the worker refuse to start on it.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tests.helpers import ROOT, database_url
from tests.security.support import apply, documented_environment, settings_from

CLEAN = "System check identified no issues (0 silenced)."


def check_deploy(settings, tmp_path, environment: dict[str, str]) -> str:
    """What `check --deploy` says in this process with the settings of ``environment``."""
    apply(settings, settings_from(environment, tmp_path))
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ):
        # The browser tests set it in this process (tests/e2e/conftest.py); Django's
        # async.E001 reads it. A deployment does not set it.
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        try:
            call_command("check", "--deploy", stdout=out, stderr=err)
        except SystemCheckError as error:
            return str(error)
    return out.getvalue() + err.getvalue()


def without(name: str) -> dict[str, str]:
    environment = documented_environment()
    del environment[name]
    return environment


def run(args: list[str], environment: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "RECAUDO_VAR_DIR": str(tmp_path), **environment},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --- the documented environment -----------------------------------------------------


def test_the_documented_production_environment_passes_check_deploy_with_no_issue(
    settings, tmp_path
):
    assert check_deploy(settings, tmp_path, documented_environment()).strip() == CLEAN


def test_recaudo_check_deploy_in_its_own_process_finds_no_issue_not_even_a_warning(tmp_path):
    result = run(
        ["-m", "recaudo.cli", "check", "--deploy", "--fail-level", "WARNING"],
        documented_environment(),
        tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == CLEAN
    assert result.stderr == ""


def test_the_documented_environment_turns_on_https_cookies_hsts_and_the_proxy_header(tmp_path):
    values = settings_from(documented_environment(), tmp_path)

    assert values["DEBUG"] is False
    assert values["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert values["SECURE_SSL_REDIRECT"] is True
    assert (values["SECURE_HSTS_SECONDS"], values["SECURE_HSTS_INCLUDE_SUBDOMAINS"]) == (
        31_536_000,
        True,
    )
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://cobranza.example"]
    assert values["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert values["SANDBOX_PAYMENTS_ENABLED"] is False


# --- each secret ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "check_id"),
    [
        ("WHATSAPP_ACCESS_TOKEN", "recaudo.E011"),
        ("WHATSAPP_APP_SECRET", "recaudo.E012"),
        ("WHATSAPP_VERIFY_TOKEN", "recaudo.E013"),
        ("TWILIO_AUTH_TOKEN", "recaudo.E014"),
        ("RBM_ACCESS_TOKEN", "recaudo.E015"),
        ("RBM_CLIENT_TOKEN", "recaudo.E016"),
        ("EMAIL_INBOUND_SECRET", "recaudo.E017"),
    ],
)
def test_check_deploy_fails_naming_a_channel_secret_left_at_its_sandbox_value(
    settings, tmp_path, variable, check_id
):
    said = check_deploy(settings, tmp_path, without(variable))  # unset: the sandbox default

    assert f"({check_id}) {variable} has the sandbox's public value" in said
    assert said.count("(recaudo.E") == 1


def test_check_deploy_fails_on_a_secret_still_holding_the_documentations_placeholder(
    settings, tmp_path
):
    environment = documented_environment() | {"TWILIO_AUTH_TOKEN": "<secret: the auth token>"}

    said = check_deploy(settings, tmp_path, environment)

    assert "(recaudo.E014) TWILIO_AUTH_TOKEN is still the documentation's placeholder" in said


def test_an_empty_secret_is_a_channel_not_in_use_and_no_error(settings, tmp_path):
    environment = documented_environment() | {"WHATSAPP_APP_SECRET": "", "TWILIO_AUTH_TOKEN": ""}

    assert check_deploy(settings, tmp_path, environment).strip() == CLEAN


def test_check_deploy_fails_on_a_secret_key_generated_on_this_machine(settings, tmp_path):
    said = check_deploy(settings, tmp_path, without("SECRET_KEY"))

    assert "(recaudo.E001) SECRET_KEY is not set: the key in use was generated in" in said
    assert (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("weak", ["short-key", "django-insecure-" + "x1y2z3" * 10, "a" * 60])
def test_check_deploy_fails_on_a_secret_key_that_is_easy_to_guess(settings, tmp_path, weak):
    said = check_deploy(settings, tmp_path, documented_environment() | {"SECRET_KEY": weak})

    assert "(recaudo.E002) SECRET_KEY is too easy to guess" in said


def test_check_deploy_fails_while_the_sandbox_payment_provider_is_enabled(settings, tmp_path):
    environment = documented_environment() | {"SANDBOX_PAYMENTS_ENABLED": "true"}

    said = check_deploy(settings, tmp_path, environment)

    assert "(recaudo.E020) SANDBOX_PAYMENTS_ENABLED is on" in said


def test_check_deploy_fails_without_a_default_payment_provider(settings, tmp_path):
    said = check_deploy(settings, tmp_path, without("PAYMENTS_DEFAULT_PROVIDER"))

    assert "(recaudo.E021) PAYMENTS_DEFAULT_PROVIDER is not set" in said


def test_check_deploy_fails_on_the_sandbox_as_default_provider_while_it_is_off(settings, tmp_path):
    environment = documented_environment() | {"PAYMENTS_DEFAULT_PROVIDER": "sandbox"}

    said = check_deploy(settings, tmp_path, environment)

    assert "(recaudo.E021) PAYMENTS_DEFAULT_PROVIDER is 'sandbox'" in said


@pytest.mark.parametrize("variable", ["MERCADOPAGO_ACCESS_TOKEN", "MERCADOPAGO_WEBHOOK_SECRET"])
def test_check_deploy_names_a_missing_credential_of_the_default_payment_provider(
    settings, tmp_path, variable
):
    said = check_deploy(settings, tmp_path, without(variable))

    assert f"(recaudo.E022) {variable} is empty while mercadopago is the default provider" in said
    assert said.count("(recaudo.E") == 1


def test_check_deploy_names_each_missing_credential_of_stripe_when_it_is_the_default(
    settings, tmp_path
):
    environment = documented_environment() | {
        "PAYMENTS_DEFAULT_PROVIDER": "stripe",
        "STRIPE_SECRET_KEY": "sk_live_" + "x" * 20,
    }

    said = check_deploy(settings, tmp_path, environment)

    assert "(recaudo.E022) STRIPE_WEBHOOK_SECRET is empty while stripe is the default" in said
    assert "STRIPE_SECRET_KEY" not in said


def test_check_deploy_names_the_missing_half_of_a_partly_configured_provider(settings, tmp_path):
    environment = documented_environment() | {"STRIPE_WEBHOOK_SECRET": "whsec_" + "x" * 20}

    said = check_deploy(settings, tmp_path, environment)

    assert "(recaudo.E022) STRIPE_SECRET_KEY is empty while stripe is partly configured" in said


def test_payment_provider_settings_come_from_the_environment(tmp_path):
    environment = {
        "PAYMENTS_DEFAULT_PROVIDER": "stripe",
        "STRIPE_SECRET_KEY": "sk_test_1",
        "STRIPE_WEBHOOK_SECRET": "whsec_1",
        "STRIPE_BASE_URL": "https://stripe.internal",
        "MERCADOPAGO_ACCESS_TOKEN": "APP_USR-1",
        "MERCADOPAGO_WEBHOOK_SECRET": "mp-secret",
        "MERCADOPAGO_BASE_URL": "https://mp.internal",
        "WOMPI_BASE_URL": "https://sandbox.wompi.co/v1",
        "WOMPI_PUBLIC_KEY": "pub_test_1",
        "WOMPI_PRIVATE_KEY": "prv_test_1",
        "WOMPI_INTEGRITY_SECRET": "test_integrity_1",
        "WOMPI_EVENTS_SECRET": "test_events_1",
        "PAYMENTS_REPORT_PAUSE_DAYS": "7",
    }

    payments = settings_from(environment, tmp_path)["PAYMENTS"]

    assert payments == {
        "default_provider": "stripe",
        "report_pause_days": 7,
        "providers": {
            "stripe": {
                "base_url": "https://stripe.internal",
                "secret_key": "sk_test_1",
                "webhook_secret": "whsec_1",
            },
            "mercadopago": {
                "base_url": "https://mp.internal",
                "access_token": "APP_USR-1",
                "webhook_secret": "mp-secret",
            },
            "wompi": {
                "base_url": "https://sandbox.wompi.co/v1",
                "checkout_url": "https://checkout.wompi.co/p/",
                "public_key": "pub_test_1",
                "private_key": "prv_test_1",
                "integrity_secret": "test_integrity_1",
                "webhook_secret": "test_events_1",
            },
        },
    }


@pytest.mark.parametrize(("debug", "enabled"), [("true", True), ("false", False), ("", False)])
def test_the_sandbox_payment_provider_is_on_only_with_debug_unless_set(tmp_path, debug, enabled):
    assert settings_from({"DEBUG": debug}, tmp_path)["SANDBOX_PAYMENTS_ENABLED"] is enabled
    assert settings_from({"DEBUG": debug, "SANDBOX_PAYMENTS_ENABLED": str(not enabled)}, tmp_path)[
        "SANDBOX_PAYMENTS_ENABLED"
    ] is (not enabled)


# --- refusing to start ------------------------------------------------------------------


def test_with_debug_off_the_web_app_refuses_to_load_naming_each_public_secret(tmp_path):
    result = run(["-c", "import recaudo.wsgi"], {"DEBUG": "false"}, tmp_path)

    assert result.returncode == 1
    assert "ImproperlyConfigured: Recaudo does not start with DEBUG off" in result.stderr
    for variable in ("SECRET_KEY", "WHATSAPP_APP_SECRET", "TWILIO_AUTH_TOKEN", "RBM_CLIENT_TOKEN"):
        assert variable in result.stderr


def test_with_debug_on_the_web_app_loads_with_the_sandbox_secrets(tmp_path):
    result = run(["-c", "import recaudo.wsgi"], {"DEBUG": "true"}, tmp_path)

    assert result.returncode == 0, result.stderr


def test_with_the_documented_environment_the_web_app_loads(tmp_path):
    result = run(["-c", "import recaudo.wsgi"], documented_environment(), tmp_path)

    assert result.returncode == 0, result.stderr


def test_with_debug_off_the_worker_refuses_to_start_naming_each_public_secret(tmp_path):
    result = run(["-m", "recaudo.cli", "worker", "--once"], {"DEBUG": "false"}, tmp_path)

    assert result.returncode == 1
    assert "SystemCheckError" in result.stderr
    assert "(recaudo.E012) WHATSAPP_APP_SECRET has the sandbox's public value" in result.stderr
    assert "worker started" not in result.stdout


@pytest.mark.django_db(transaction=True)
def test_with_the_documented_environment_the_worker_starts(tmp_path):
    environment = documented_environment() | {"DATABASE_URL": database_url()}
    del environment["REDIS_URL"]

    result = run(["-m", "recaudo.cli", "worker", "--once", "--no-planning"], environment, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "worker started with 1 lane" in result.stdout
