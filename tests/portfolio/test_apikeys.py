"""API keys: made once, stored hashed, found in constant time, revoked for good."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from recaudo.portfolio.apikeys import create_key, find_active_key, revoke_key
from recaudo.portfolio.models import ApiKey
from tests.factories import make_creditor
from tests.helpers import run_recaudo

pytestmark = pytest.mark.django_db

KEY_FORMAT = re.compile(r"^rk_([0-9a-f]{12})_([A-Za-z0-9_\-]{43})$")


def apikey(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("apikey", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_new_key_reads_rk_prefix_secret_and_only_its_hash_is_stored(creditor):
    new = create_key(creditor, "ERP")

    match = KEY_FORMAT.match(new.key)
    assert match, new.key
    stored = ApiKey.objects.get()
    assert (stored.creditor, stored.name, stored.prefix) == (creditor, "ERP", match.group(1))
    assert stored.key_hash == hashlib.sha256(new.key.encode()).hexdigest()
    assert match.group(2) not in (stored.key_hash, stored.prefix, stored.name)
    assert (stored.last_used_at, stored.revoked_at) == (None, None)


def test_two_keys_never_share_a_prefix_or_a_secret(creditor):
    first, second = create_key(creditor, "a"), create_key(creditor, "b")

    assert first.api_key.prefix != second.api_key.prefix
    assert first.key.split("_", 2)[2] != second.key.split("_", 2)[2]


def test_the_right_key_is_found_with_its_creditor_and_its_use_is_recorded(creditor):
    new = create_key(creditor, "ERP")
    now = datetime(2026, 11, 5, 15, 0, tzinfo=UTC)

    found = find_active_key(new.key, now=now)

    assert found is not None
    assert (found.pk, found.creditor) == (new.api_key.pk, creditor)
    assert ApiKey.objects.get().last_used_at == now


def test_the_last_use_is_written_at_most_once_a_minute(creditor):
    new = create_key(creditor, "ERP")
    start = datetime(2026, 11, 5, 15, 0, tzinfo=UTC)

    find_active_key(new.key, now=start)
    find_active_key(new.key, now=start + timedelta(seconds=30))
    assert ApiKey.objects.get().last_used_at == start

    find_active_key(new.key, now=start + timedelta(seconds=61))
    assert ApiKey.objects.get().last_used_at == start + timedelta(seconds=61)


def test_a_key_with_a_known_prefix_but_another_secret_is_refused_and_not_marked_used(creditor):
    new = create_key(creditor, "ERP")
    forged = f"rk_{new.api_key.prefix}_{'x' * 43}"

    assert find_active_key(forged) is None
    assert ApiKey.objects.get().last_used_at is None


@pytest.mark.parametrize(
    "text",
    [
        "", "   ", "rk", "rk_", "rk_abc", "rk__secret", "sk_abc_secret",
        f"rk_{'a' * 17}_secret", None,
    ],
)
def test_malformed_keys_are_refused(creditor, text):
    create_key(creditor, "ERP")

    assert find_active_key(text) is None


def test_a_revoked_key_is_refused_and_revoking_again_keeps_the_first_date(creditor):
    new = create_key(creditor, "ERP")
    first = datetime(2026, 11, 5, 15, 0, tzinfo=UTC)

    revoke_key(new.api_key.prefix, now=first)
    revoke_key(new.api_key.prefix, now=first + timedelta(days=1))

    assert find_active_key(new.key) is None
    assert ApiKey.objects.get().revoked_at == first


def test_apikey_create_prints_the_key_once_on_stdout(creditor):
    out, err = apikey("create", "--creditor", creditor.name, "--name", "ERP SAP")

    key = out.strip()
    assert KEY_FORMAT.match(key)
    stored = ApiKey.objects.get()
    assert (stored.creditor, stored.name) == (creditor, "ERP SAP")
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in err
    assert f"prefix {stored.prefix}" in err
    assert "not shown again" in err


def test_apikey_create_accepts_the_creditor_id(creditor):
    apikey("create", "--creditor", str(creditor.pk), "--name", "ERP")

    assert ApiKey.objects.get().creditor == creditor


def test_apikey_create_for_an_unknown_creditor_fails_and_creates_nothing(creditor):
    with pytest.raises(CommandError, match="--creditor: no hay un acreedor llamado 'Nadie'"):
        apikey("create", "--creditor", "Nadie", "--name", "ERP")

    assert not ApiKey.objects.exists()


def test_apikey_revoke_revokes_the_key_with_that_prefix_only(creditor):
    keep, drop = create_key(creditor, "keep"), create_key(creditor, "drop")

    out, _ = apikey("revoke", drop.api_key.prefix)

    assert out.startswith(f"revoked {drop.api_key.prefix} (drop, {creditor.name}) at ")
    assert find_active_key(drop.key) is None
    assert find_active_key(keep.key) is not None


def test_apikey_revoke_of_an_unknown_prefix_fails_clearly(creditor):
    with pytest.raises(CommandError, match="no API key with prefix 'deadbeef'"):
        apikey("revoke", "deadbeef")


def test_apikey_list_shows_each_key_without_its_secret(creditor):
    other = make_creditor(name="Otra")
    mine = create_key(creditor, "ERP")
    theirs = create_key(other, "CRM")
    revoke_key(theirs.api_key.prefix)

    out, _ = apikey("list")
    only_mine, _ = apikey("list", "--creditor", creditor.name)

    lines = out.strip().splitlines()
    assert lines[0] == "prefix\tcreditor\tname\tcreated\tlast_used\trevoked"
    rows = {line.split("\t")[0]: line.split("\t") for line in lines[1:]}
    assert rows[mine.api_key.prefix][1:3] == [creditor.name, "ERP"]
    assert rows[mine.api_key.prefix][5] == "-"
    assert rows[theirs.api_key.prefix][5] != "-"
    assert mine.key.split("_", 2)[2] not in out
    assert theirs.key.split("_", 2)[2] not in out
    assert [line.split("\t")[0] for line in only_mine.strip().splitlines()[1:]] == [
        mine.api_key.prefix
    ]


@pytest.mark.django_db(transaction=True)
def test_a_key_made_by_the_recaudo_command_works_until_the_command_revokes_it():
    creditor = make_creditor(name="Acreedor CLI")

    created = run_recaudo("apikey", "create", "--creditor", creditor.name, "--name", "ERP")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    client = Client(headers={"Authorization": f"Bearer {key}"})
    assert client.get("/api/v1/debts").status_code == 200

    revoked = run_recaudo("apikey", "revoke", key.split("_")[1])
    assert revoked.returncode == 0, revoked.stderr
    assert client.get("/api/v1/debts").status_code == 401
