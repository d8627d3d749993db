from __future__ import annotations

import pytest

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


@pytest.fixture
def creditor(db):
    return make_creditor()
