"""Database settings read from the environment for PgBouncer (docs/operations.md#pgbouncer)."""

from __future__ import annotations

from tests.security.support import settings_from

URL = "postgres://recaudo@pgbouncer.internal:6432/recaudo"


def test_server_side_cursors_stay_on_unless_the_environment_turns_them_off(tmp_path):
    default = settings_from({"DATABASE_URL": URL}, tmp_path)["DATABASES"]["default"]
    assert default["DISABLE_SERVER_SIDE_CURSORS"] is False


def test_behind_pgbouncer_the_environment_turns_server_side_cursors_off(tmp_path):
    environment = {"DATABASE_URL": URL, "DATABASE_DISABLE_SERVER_SIDE_CURSORS": "true"}
    database = settings_from(environment, tmp_path)["DATABASES"]["default"]
    assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert (database["HOST"], database["PORT"]) == ("pgbouncer.internal", 6432)
