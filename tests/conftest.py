from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from django.test import override_settings
from django.urls import clear_url_caches

from tests.factories import make_creditor


@pytest.fixture(autouse=True)
def _development_settings(settings):
    """What `make run` (DEBUG=true) turns on, for tests that run with DEBUG off.

    The tests pay through the sandbox provider and talk plain http to the live
    server, whose clients (httpx) send no Secure cookie over http. The tests of
    these settings set them back (tests/test_deployment_security.py).
    """
    settings.SANDBOX_PAYMENTS_ENABLED = True
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in Spanish: a request (LocaleMiddleware, the portal's
    debtor language) leaves its language active in the thread after it."""
    from django.utils import translation

    translation.activate("es")
    yield
    translation.activate("es")


@pytest.fixture
def creditor(db):
    return make_creditor()


def _reload_urls() -> None:
    import recaudo.urls
    from recaudo.api import api

    # The API keeps the routers of the first load; ninja refuses new ones once it
    # has made its URLs, and they would be the same.
    with mock.patch.object(api, "add_router"):
        importlib.reload(recaudo.urls)
    clear_url_caches()


@contextmanager
def urls_under(**overrides: Any) -> Iterator[None]:
    """recaudo/urls.py loaded again under these settings (it reads SANDBOX_ENABLED once)."""
    try:
        with override_settings(**overrides):
            _reload_urls()
            yield
    finally:
        _reload_urls()


@pytest.fixture
def sandbox_enabled() -> Iterator[None]:
    """The phone simulator mounted and the sandbox payment provider's webhook answered
    (tests run with DEBUG off, so both are off unless a test asks)."""
    with urls_under(SANDBOX_ENABLED=True):
        yield


@pytest.fixture
def sandbox_disabled() -> Iterator[None]:
    with urls_under(SANDBOX_ENABLED=False):
        yield
