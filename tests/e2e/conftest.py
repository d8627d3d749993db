"""Browser tests: Debian's chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def _fresh_rate_limits(live_server):
    """Each browser test starts with no portal openings counted against 127.0.0.1.

    The shared cache (a database table here) is not a model, so the flush
    between live-server tests leaves it; the per-address limit of portal
    openings per minute would otherwise add up across tests run in the same
    minute and refuse a later one with 429.
    """
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    # Playwright runs an event loop in this thread; the Django calls the tests
    # make around it are synchronous and safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def phone_page(browser):
    """A page at a phone-sized viewport."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="es-CO")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def sandbox(live_server, settings, sandbox_enabled):
    """``recaudo sandbox`` as its own process on free ports, every provider pointed at it,
    the phone simulator mounted.

    Webhooks go to the live server; statuses are delivered in order, always
    read, never duplicated, so the tests can wait for them.
    """
    import copy
    import subprocess
    import sys
    import time

    import httpx

    from recaudo.delivery.channels.registry import reset_channels
    from tests.helpers import ROOT, database_url, free_port

    port, smtp_port = free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {**os.environ, "DATABASE_URL": database_url(), "SANDBOX_URL": url}
    process = subprocess.Popen(
        [sys.executable, "-m", "recaudo.cli", "sandbox", "--port", str(port), "--smtp-port",
         str(smtp_port), "--webhook-base-url", live_server.url, "--seed", "3",
         "--read-probability", "1", "--out-of-order-probability", "0",
         "--duplicate-probability", "0", "--no-pair-limit"],
        cwd=ROOT, env=environment,
    )  # fmt: skip
    for _ in range(200):
        try:
            httpx.get(f"{url}/_sandbox/health", timeout=0.5)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    channels = copy.deepcopy(settings.CHANNELS)
    channels["whatsapp"]["base_url"] = f"{url}/whatsapp/v21.0"
    channels["sms"]["base_url"] = f"{url}/twilio"
    channels["rcs"]["base_url"] = f"{url}/rbm"
    channels["email"]["port"] = smtp_port
    settings.CHANNELS = channels
    settings.SANDBOX_URL = url
    settings.PUBLIC_BASE_URL = live_server.url
    settings.PAYMENTS = {"providers": {"sandbox": {"base_url": f"{url}/payments"}}}
    reset_channels()
    yield url
    process.terminate()
    process.wait(timeout=10)
    reset_channels()
