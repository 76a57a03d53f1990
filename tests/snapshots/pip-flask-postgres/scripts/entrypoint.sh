#!/bin/sh
# Runs before every command in the container, then hands over with exec so the
# command is PID 1 and receives SIGTERM from `docker stop` directly.
set -e

# compose waits for the database already; this covers `docker run` and orchestrators.
# WAIT_FOR_DB=0 skips it.
if [ -n "${DATABASE_URL:-}" ] && [ "${WAIT_FOR_DB:-1}" = 1 ]; then
    python /app/scripts/wait_for_db.py
fi

exec "$@"
