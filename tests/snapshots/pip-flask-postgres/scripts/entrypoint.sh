#!/bin/sh
# Runs before every command in the container, then hands over with exec so the
# command is PID 1 and receives SIGTERM from `docker stop` directly.
set -e

# The database password, from its secret file into the password file PGPASSFILE names, where
# the PostgreSQL driver (libpq) finds it: for the server and for every command later run in
# the container (`docker compose exec`). No variable holds it, so `docker inspect` shows none.
if [ -n "${DATABASE_PASSWORD_FILE:-}" ] && [ -n "${PGPASSFILE:-}" ]; then
    password=$(sed 's/[\\:]/\\&/g' "$DATABASE_PASSWORD_FILE")
    (umask 077 && printf '*:*:*:*:%s\n' "$password" >"$PGPASSFILE")
    unset password
fi

# The server and the migrations wait until the database accepts connections: compose
# waits for it already, and this covers `docker run` and orchestrators (WAIT_FOR_DB=0 skips
# it). Other commands (tests, a re-lock, a shell) start at once: compose started the database
# for those that need it, and the others need none.
case "${1:-}" in
    gunicorn | flask | */start-dev.sh | alembic)
        if [ -n "${DATABASE_URL:-}" ] && [ "${WAIT_FOR_DB:-1}" = 1 ]; then
            python /app/scripts/wait_for_db.py
        fi ;;
esac

exec "$@"
