"""The endpoints' signing secrets, kept in clear until now, encrypted (recaudo/vault.py).

The column becomes text (a Fernet token is longer than the 100 characters of
the secret), then each row's clear secret is replaced by its token, read and
written with plain SQL: the model's field would try to decrypt the clear
value. Without a key configured and rows to encrypt, it stops naming
RECAUDO_SECRET_KEYS; with no rows it needs none. Reversible: the tokens are
decrypted back.
"""

from django.db import migrations

import recaudo.vault


def _each_secret(schema_editor, change):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    table, column = quote("integrations_endpoint"), quote("secret")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {column} FROM {table} WHERE {column} <> '' ORDER BY id")
        rows = cursor.fetchall()
        for pk, value in rows:
            cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [change(value), pk])


def encrypt_secrets(apps, schema_editor):
    _each_secret(schema_editor, recaudo.vault.encrypt)


def decrypt_secrets(apps, schema_editor):
    _each_secret(
        schema_editor, lambda token: recaudo.vault.decrypt(token, where="integrations.Endpoint")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="endpoint",
            name="secret",
            field=recaudo.vault.SecretField(default="", verbose_name="secreto"),
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
    ]
