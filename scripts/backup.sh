#!/usr/bin/env bash
# Back up Recaudo's PostgreSQL database: one pg_dump in custom format, written
# atomically, then dumps older than the retention removed. See docs/operations.md.
#
#   scripts/backup.sh [--dir DIR] [--keep-days N]
#
# The database is DATABASE_URL (the app's own variable, read from the same
# environment file) or, when it is unset, libpq's PGHOST/PGPORT/PGUSER/PGDATABASE;
# the password comes from PGPASSWORD or ~/.pgpass, never from the command line.
#   --dir DIR        where dumps go (BACKUP_DIR, default /var/backups/recaudo)
#   --keep-days N    remove dumps older than N days after a good one is written
#                    (BACKUP_KEEP_DAYS, default 14; 0 keeps every dump)
#
# Prints the path of the new dump. Exit status: 0 written, 1 failed (nothing
# new in DIR, nothing removed), 2 wrong usage.
set -euo pipefail

directory="${BACKUP_DIR:-/var/backups/recaudo}"
keep_days="${BACKUP_KEEP_DAYS:-14}"

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --dir) [ $# -ge 2 ] || usage; directory="$2"; shift 2 ;;
    --keep-days) [ $# -ge 2 ] || usage; keep_days="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "backup.sh: unknown argument: $1" >&2; usage ;;
  esac
done

case "$keep_days" in
  ''|*[!0-9]*) echo "backup.sh: --keep-days must be a whole number of days, not '$keep_days'" >&2; exit 2 ;;
esac

database="${DATABASE_URL:-}"
case "$database" in
  postgres://*|postgresql://*|'') ;;
  *)
    echo "backup.sh: DATABASE_URL is not PostgreSQL; for SQLite copy the file with" \
      "sqlite3 FILE '.backup COPY' instead" >&2
    exit 1 ;;
esac

# Dumps hold debtors' personal data: readable by the backup's owner only.
umask 077
mkdir -p "$directory"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
final="$directory/recaudo-$stamp.dump"
partial="$directory/.recaudo-$stamp.dump.partial"
cleanup() { rm -f "$partial"; }
trap cleanup EXIT

dump_arguments=(--format=custom --compress=6 --file="$partial")
if [ -n "$database" ]; then
  dump_arguments+=(--dbname="$database")
fi

if ! pg_dump "${dump_arguments[@]}"; then
  echo "backup.sh: pg_dump failed; no dump written, none removed" >&2
  exit 1
fi
# A dump that pg_restore cannot list is not a backup.
if ! pg_restore --list "$partial" >/dev/null; then
  echo "backup.sh: the dump cannot be read back; no dump written, none removed" >&2
  exit 1
fi
# On disk before it gets its name, and the name on disk before anything is removed.
sync "$partial"
mv -f "$partial" "$final"
sync "$directory"
trap - EXIT

if [ "$keep_days" -gt 0 ]; then
  # Only our own names; a dump exactly N days old is kept.
  find "$directory" -maxdepth 1 -type f -name 'recaudo-*.dump' \
    -mmin "+$((keep_days * 24 * 60))" ! -path "$final" -print -delete |
    sed 's/^/backup.sh: removed old dump /' >&2
  # Leftovers of an interrupted run (the machine died mid-dump).
  find "$directory" -maxdepth 1 -type f -name '.recaudo-*.dump.partial' -mmin +1440 -delete
fi

echo "$final"
