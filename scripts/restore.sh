#!/usr/bin/env bash
# Restore a dump made by scripts/backup.sh into a named database. See docs/operations.md.
#
#   scripts/restore.sh [--force] [--jobs N] DUMP DATABASE
#
# The server is libpq's PGHOST/PGPORT/PGUSER (password from PGPASSWORD or
# ~/.pgpass); the role must be allowed to create databases. DATABASE is created
# when it does not exist. One that exists and holds tables is refused unless
# --force is given: then it is dropped (its sessions ended) and made again.
#   --force     overwrite a database that holds tables
#   --jobs N    restore with N parallel jobs (default 1: one transaction, all or nothing)
#
# Objects are restored without their owner and grants (--no-owner
# --no-privileges), so they belong to the restoring role. Exit status: 0
# restored, 1 failed, 2 wrong usage, 3 refused (the database is not empty).
set -euo pipefail

force=false
jobs=1
positional=()

usage() {
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=true; shift ;;
    --jobs) [ $# -ge 2 ] || usage; jobs="$2"; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "restore.sh: unknown option: $1" >&2; usage ;;
    *) positional+=("$1"); shift ;;
  esac
done
[ "${#positional[@]}" -eq 2 ] || usage
dump="${positional[0]}"
database="${positional[1]}"

case "$jobs" in
  ''|0|*[!0-9]*) echo "restore.sh: --jobs must be a whole number from 1, not '$jobs'" >&2; exit 2 ;;
esac
# A plain identifier: it is quoted below all the same, but a typo with spaces
# or quotes is far more likely than a database that needs them.
if ! [[ "$database" =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]]; then
  echo "restore.sh: '$database' is not a plain database name (letters, digits, _)" >&2
  exit 2
fi
if ! pg_restore --list "$dump" >/dev/null; then
  echo "restore.sh: $dump is not a dump pg_restore can read" >&2
  exit 1
fi

# Maintenance connection: any database but the target ("postgres" exists on every server).
maintenance="${RESTORE_MAINTENANCE_DB:-postgres}"
admin() { psql --no-psqlrc --quiet --tuples-only --no-align -v ON_ERROR_STOP=1 "$@"; }

exists="$(admin --dbname="$maintenance" -v name="$database" <<'SQL'
SELECT count(*) FROM pg_database WHERE datname = :'name';
SQL
)"

if [ "$exists" = "1" ]; then
  tables="$(admin --dbname="$database" <<'SQL'
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%';
SQL
)"
  if [ "$tables" != "0" ] && [ "$force" != true ]; then
    echo "restore.sh: database $database already holds $tables tables; refusing to" \
      "overwrite it (restore into a new name, or add --force to drop and replace it)" >&2
    exit 3
  fi
  if [ "$tables" != "0" ]; then
    echo "restore.sh: --force: dropping database $database ($tables tables)" >&2
  fi
  admin --dbname="$maintenance" -v name="$database" <<'SQL'
DROP DATABASE :"name" WITH (FORCE);
SQL
fi

admin --dbname="$maintenance" -v name="$database" <<'SQL'
CREATE DATABASE :"name" TEMPLATE template0 ENCODING 'UTF8';
SQL

restore_arguments=(--dbname="$database" --no-owner --no-privileges --exit-on-error)
if [ "$jobs" -eq 1 ]; then
  restore_arguments+=(--single-transaction)
else
  restore_arguments+=(--jobs="$jobs")
fi
if ! pg_restore "${restore_arguments[@]}" "$dump"; then
  echo "restore.sh: pg_restore failed; database $database is incomplete: drop it" \
    "(dropdb $database) before trying again" >&2
  exit 1
fi
# pg_restore copies no planner statistics: without them the first queries plan badly.
admin --dbname="$database" -c "ANALYZE"

count="$(admin --dbname="$database" <<'SQL'
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname = 'public';
SQL
)"
echo "restore.sh: restored $dump into $database ($count tables)" >&2
