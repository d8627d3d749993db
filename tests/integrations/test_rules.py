"""The pure rules: signature, backoff with jitter, when to disable, which URLs."""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import UTC, datetime, timedelta

from recaudo.integrations import rules


def test_the_signature_is_the_hmac_of_timestamp_dot_body():
    header = rules.signature("whsec_k", 1763650800, b'{"a":1}')

    expected = hmac.new(b"whsec_k", b'1763650800.{"a":1}', hashlib.sha256).hexdigest()
    assert header == f"t=1763650800,v1={expected}"


def test_backoff_doubles_its_ceiling_up_to_the_cap_and_never_waits_less_than_half():
    rng = random.Random(7)
    for attempts, ceiling in [(1, 10), (2, 20), (3, 40), (9, 2560), (10, 3600), (40, 3600)]:
        waits = [rules.backoff(attempts, base=10, cap=3600, rng=rng) for _ in range(200)]
        assert ceiling / 2 <= min(waits) and max(waits) <= ceiling
        assert max(waits) - min(waits) > ceiling / 4  # jittered, not one value


def test_an_endpoint_is_disabled_only_after_enough_failures_lasting_long_enough():
    since = datetime(2026, 11, 20, tzinfo=UTC)
    later = since + timedelta(hours=12)

    assert rules.should_disable(20, since, later, max_failures=20, over=timedelta(hours=12))
    assert not rules.should_disable(19, since, later, max_failures=20, over=timedelta(hours=12))
    assert not rules.should_disable(
        500, since, later - timedelta(seconds=1), max_failures=20, over=timedelta(hours=12)
    )
    assert not rules.should_disable(20, None, later, max_failures=20, over=timedelta(0))


def test_url_problems_are_named():
    assert rules.url_problem("https://erp.example/hook", allow_http=False) == ""
    assert rules.url_problem("http://erp.example/hook", allow_http=True) == ""
    assert "https" in rules.url_problem("http://erp.example/hook", allow_http=False)
    assert "full URL" in rules.url_problem("erp.example/hook", allow_http=True)
    assert "credentials" in rules.url_problem("https://u:p@erp.example/", allow_http=False)


def test_a_new_secret_is_long_random_and_prefixed():
    one, two = rules.new_secret(), rules.new_secret()

    assert one.startswith("whsec_") and len(one) > 40 and one != two
