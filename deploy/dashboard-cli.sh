#!/usr/bin/env bash
# `python -m dashboard …` on a bureau's server, as the service runs it: as the dashboard user, with
# the variables of /etc/dashboard/env, in /opt/dashboard/app (docs/deploy.md). Install as root:
#   install -m 0755 /opt/dashboard/app/deploy/dashboard-cli.sh /usr/local/bin/dashboard
# then e.g. `dashboard user list`, `dashboard init-db`, `dashboard targets --by-unit --phase 2`.
set -euo pipefail
app="${DASHBOARD_APP_DIR:-/opt/dashboard/app}"
venv="${DASHBOARD_VENV:-/opt/dashboard/venv}"
env_file="${DASHBOARD_ENV_FILE:-/etc/dashboard/env}"
exec runuser -u dashboard -- bash -c \
  'set -a; . "$0"; set +a; cd "$1" && exec "$2/bin/python" -m dashboard "${@:3}"' \
  "$env_file" "$app" "$venv" "$@"
