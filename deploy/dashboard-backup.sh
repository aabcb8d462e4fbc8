#!/usr/bin/env bash
# One backup of the reporting database named by DASHBOARD_DB_URL (docs/deploy.md "备份"), run
# nightly by dashboard-backup.timer as the dashboard user:
#   PostgreSQL: pg_dump -Fc (custom format: compressed, restored with pg_restore), read back with
#               pg_restore --list before it is kept;
#   SQLite:     sqlite3 .backup (a consistent copy while the app keeps running), integrity-checked.
# The uploaded workbooks themselves are stored in the database (upload_batch.file_bytes), so the
# dump is the complete state of the dashboard. Dumps older than DASHBOARD_BACKUP_KEEP_DAYS (30)
# are deleted. Prints the file written.
set -euo pipefail
: "${DASHBOARD_DB_URL:?DASHBOARD_DB_URL is not set (EnvironmentFile=/etc/dashboard/env)}"
dir="${DASHBOARD_BACKUP_DIR:-/var/backups/dashboard}"
keep="${DASHBOARD_BACKUP_KEEP_DAYS:-30}"
stamp="$(date +%Y%m%d-%H%M%S)"
umask 077  # the dumps hold personal data (exam takers' names)
mkdir -p "$dir"
partial=""
trap 'if [ -n "$partial" ]; then rm -f "$partial"; fi' EXIT

case "$DASHBOARD_DB_URL" in
  postgresql*)
    # The SQLAlchemy URL as libpq variables (the password never appears on a command line).
    eval "$(python3 - <<'PY'
import os, shlex
from urllib.parse import unquote, urlsplit
u = urlsplit(os.environ["DASHBOARD_DB_URL"])
for name, value in (("PGHOST", u.hostname), ("PGPORT", u.port), ("PGUSER", u.username),
                    ("PGPASSWORD", u.password), ("PGDATABASE", u.path.lstrip("/"))):
    if value:
        print(f"export {name}={shlex.quote(unquote(str(value)))}")
PY
)"
    out="$dir/dashboard-$stamp.dump"
    partial="$out.partial"
    pg_dump --format=custom --file="$partial"
    pg_restore --list "$partial" >/dev/null
    mv "$partial" "$out"
    find "$dir" -maxdepth 1 -name 'dashboard-*.dump' -mtime +"$keep" -delete
    ;;
  sqlite*)
    path="${DASHBOARD_DB_URL#sqlite:///}"
    [ -f "$path" ] || { echo "dashboard-backup: no database file $path" >&2; exit 1; }
    out="$dir/dashboard-$stamp.sqlite"
    partial="$out.partial"
    sqlite3 "$path" ".backup '$partial'"
    [ "$(sqlite3 "$partial" 'pragma integrity_check')" = ok ]
    mv "$partial" "$out"
    find "$dir" -maxdepth 1 -name 'dashboard-*.sqlite' -mtime +"$keep" -delete
    ;;
  *)
    echo "dashboard-backup: unsupported DASHBOARD_DB_URL scheme" >&2
    exit 2
    ;;
esac
echo "$out"
