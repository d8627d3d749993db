"""Secrets stored encrypted (recaudo/vault.py) and their rotation to a new key."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from recaudo.delivery.models import ChannelAccount
from recaudo.vault import SecretsNotConfigured, UnreadableSecret, decrypt, encrypt

pytestmark = pytest.mark.django_db

OLD_KEY = "old-key-" + "a1b2c3d4e5" * 5
NEW_KEY = "new-key-" + "f6g7h8i9j0" * 5


def raw_column(account: ChannelAccount, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM delivery_channelaccount WHERE id = %s", [account.pk])
        return cursor.fetchone()[0]


def make_account(creditor, token="EAAG-token-of-acme", app_secret="acme-app-secret"):
    return ChannelAccount.objects.create(
        creditor=creditor,
        channel="whatsapp",
        routing_key="111000111000111",
        secret=token,
        signing_secret=app_secret,
    )


def test_a_secret_is_stored_encrypted_and_read_back_in_clear(creditor):
    account = make_account(creditor)

    stored = raw_column(account, "secret")
    assert stored != "EAAG-token-of-acme"
    assert "EAAG" not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token
    assert ChannelAccount.objects.get(pk=account.pk).secret == "EAAG-token-of-acme"
    assert ChannelAccount.objects.get(pk=account.pk).signing_secret == "acme-app-secret"


def test_an_empty_secret_is_stored_empty_and_needs_no_key(creditor, settings):
    settings.SECRET_KEYS = []
    account = make_account(creditor, token="", app_secret="")

    assert raw_column(account, "secret") == ""
    assert ChannelAccount.objects.get(pk=account.pk).secret == ""


def test_storing_a_secret_without_a_key_is_refused_naming_the_variable(creditor, settings):
    settings.SECRET_KEYS = []

    with pytest.raises(SecretsNotConfigured, match="set RECAUDO_SECRET_KEYS"), transaction.atomic():
        make_account(creditor)

    assert not ChannelAccount.objects.exists()


def test_a_key_shorter_than_32_characters_is_refused(settings):
    settings.SECRET_KEYS = ["short"]

    with pytest.raises(Exception, match="key number 1 is shorter than 32 characters"):
        encrypt("x")


def test_rotation_reads_old_rows_re_encrypts_them_and_then_the_old_key_can_go(creditor, settings):
    settings.SECRET_KEYS = [OLD_KEY]
    account = make_account(creditor)
    under_old = raw_column(account, "secret")

    # The new key first, the old one kept: rows written before still read.
    settings.SECRET_KEYS = [NEW_KEY, OLD_KEY]
    assert ChannelAccount.objects.get(pk=account.pk).secret == "EAAG-token-of-acme"

    out = io.StringIO()
    call_command("secrets", "rotate", stdout=out)
    assert "delivery.ChannelAccount.secret: 1 re-encrypted" in out.getvalue()
    assert "delivery.ChannelAccount.signing_secret: 1 re-encrypted" in out.getvalue()
    assert raw_column(account, "secret") != under_old

    again = io.StringIO()
    call_command("secrets", "rotate", stdout=again)  # idempotent: nothing left to do
    assert "delivery.ChannelAccount.secret: 0 re-encrypted" in again.getvalue()

    settings.SECRET_KEYS = [NEW_KEY]
    assert ChannelAccount.objects.get(pk=account.pk).secret == "EAAG-token-of-acme"
    assert ChannelAccount.objects.get(pk=account.pk).signing_secret == "acme-app-secret"


def test_dropping_the_old_key_before_rotating_leaves_the_secret_unreadable_naming_it(
    creditor, settings
):
    settings.SECRET_KEYS = [OLD_KEY]
    account = make_account(creditor)

    settings.SECRET_KEYS = [NEW_KEY]
    with pytest.raises(
        UnreadableSecret, match=r"delivery\.ChannelAccount\.secret cannot be decrypted"
    ):
        ChannelAccount.objects.get(pk=account.pk)
    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("secrets", "rotate", stdout=io.StringIO())


def test_rotation_works_in_batches_smaller_than_the_rows(settings):
    from tests.factories import make_creditor

    settings.SECRET_KEYS = [OLD_KEY]
    accounts = [
        ChannelAccount.objects.create(
            creditor=make_creditor(),
            channel="sms",
            routing_key=f"+5730000000{n}",
            secret=f"token-{n}",
        )
        for n in range(5)
    ]
    settings.SECRET_KEYS = [NEW_KEY, OLD_KEY]

    out = io.StringIO()
    call_command("secrets", "rotate", "--batch-size", "2", stdout=out)

    assert "delivery.ChannelAccount.secret: 5 re-encrypted" in out.getvalue()
    settings.SECRET_KEYS = [NEW_KEY]
    assert [ChannelAccount.objects.get(pk=a.pk).secret for a in accounts] == [
        f"token-{n}" for n in range(5)
    ]


def test_decrypt_of_encrypt_is_the_text():
    assert decrypt(encrypt("ñandú €")) == "ñandú €"
