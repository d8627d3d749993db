"""The portal's rate limit lives in the shared cache: it holds across processes and restarts."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.core.cache import cache

from recaudo.payments.links import allow_request
from tests.helpers import ROOT, database_url
from tests.security.support import settings_from

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
NOW = 1_795_000_000.0  # a fixed moment: every call counts in the same minute
# Another process: `count` portal requests from `address`, with a limit of 3 a minute.
HITS = """
import sys
import django

django.setup()
from django.conf import settings

settings.PAYMENTS = {"open_rate_per_minute": 3}
from recaudo.payments.links import allow_request

address, now, count = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
print(" ".join("allowed" if allow_request(address, now=now) else "refused" for _ in range(count)))
"""


def hits_in_another_process(address: str, count: int, **environment: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", HITS, address, str(NOW), str(count)],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "recaudo.settings",
            "DATABASE_URL": database_url(),
            "LOG_LEVEL": "WARNING",
            **environment,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_default_cache_is_a_database_table_shared_by_every_process(tmp_path):
    caches = settings_from({}, tmp_path)["CACHES"]

    assert caches == {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "recaudo_cache",
        }
    }


def test_with_redis_url_the_cache_is_redis(tmp_path):
    caches = settings_from({"REDIS_URL": "redis://cache.internal:6379/2"}, tmp_path)["CACHES"]

    assert caches["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.internal:6379/2",
        "KEY_PREFIX": "recaudo",
    }


@pytest.mark.django_db(transaction=True)
def test_requests_counted_in_one_process_count_in_another_and_after_it_stopped(settings):
    settings.PAYMENTS = {"open_rate_per_minute": 3}
    address = "203.0.113.50"
    cache.clear()

    first_process = hits_in_another_process(address, 2)
    here = allow_request(address, now=NOW)
    second_process = hits_in_another_process(address, 2)
    here_again = allow_request(address, now=NOW)
    next_minute = allow_request(address, now=NOW + 60)

    assert first_process == ["allowed", "allowed"]
    assert here is True  # the third request of the minute
    assert second_process == ["refused", "refused"]  # a new process sees the count
    assert here_again is False
    assert next_minute is True


def test_with_redis_the_count_is_shared_by_two_processes(settings, tmp_path):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    settings.CACHES = settings_from({"REDIS_URL": REDIS_URL}, tmp_path)["CACHES"]
    settings.PAYMENTS = {"open_rate_per_minute": 3}
    address = f"test-{secrets.token_hex(8)}"  # keys of their own on a shared server

    first_process = hits_in_another_process(address, 3, REDIS_URL=REDIS_URL)
    here = allow_request(address, now=NOW)
    second_process = hits_in_another_process(address, 1, REDIS_URL=REDIS_URL)

    assert first_process == ["allowed", "allowed", "allowed"]
    assert here is False
    assert second_process == ["refused"]
