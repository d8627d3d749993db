"""The endpoints' signing secrets are stored encrypted; the deliverer signs with the clear one."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from recaudo.integrations.actions import create_endpoint
from recaudo.integrations.models import Endpoint
from tests.factories import make_creditor

BEFORE = [("integrations", "0001_initial")]
AFTER = [("integrations", "0002_encrypt_endpoint_secrets")]


def raw_secret(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM integrations_endpoint WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_new_endpoints_secret_is_stored_encrypted_and_read_back_in_clear():
    endpoint, secret = create_endpoint(make_creditor(), name="ERP", url="https://erp.example/h")

    assert secret.startswith("whsec_")
    assert secret not in raw_secret(endpoint.pk)
    assert Endpoint.objects.get(pk=endpoint.pk).secret == secret


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_the_secrets_kept_in_clear_and_its_reverse_decrypts_them():
    creditor = make_creditor()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO integrations_endpoint (creditor_id, name, url, secret, event_types,"
                " active, failure_count, disabled_reason, created_at)"
                " VALUES (%s, 'ERP', 'https://erp.example/h', 'whsec_in_clear', '[]', %s, 0, '',"
                " CURRENT_TIMESTAMP)",
                [creditor.pk, True],
            )
            cursor.execute("SELECT id FROM integrations_endpoint")
            [(pk,)] = cursor.fetchall()

        MigrationExecutor(connection).migrate(AFTER)
        assert raw_secret(pk).startswith("gAAAAA")
        assert Endpoint.objects.get(pk=pk).secret == "whsec_in_clear"

        MigrationExecutor(connection).migrate(BEFORE)
        assert raw_secret(pk) == "whsec_in_clear"
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
