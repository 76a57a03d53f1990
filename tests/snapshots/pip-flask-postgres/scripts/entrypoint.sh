#!/bin/sh
# Runs before every command in the container, then hands over with exec so the
# command is PID 1 and receives SIGTERM from `docker stop` directly.
set -e

# The server waits until the database accepts connections: compose waits for it already,
# and this covers `docker run` and orchestrators (WAIT_FOR_DB=0 skips it). Other commands
# (tests, a re-lock, a shell) start at once: compose started the database for those that
# need it, and the others need none.
case "${1:-}" in
    gunicorn | flask | */start-dev.sh)
        if [ -n "${DATABASE_URL:-}" ] && [ "${WAIT_FOR_DB:-1}" = 1 ]; then
            python /app/scripts/wait_for_db.py
        fi ;;
esac

exec "$@"
