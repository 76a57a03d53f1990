#!/bin/sh
# Runs before every command in the container, then hands over with exec so the
# command is PID 1 and receives SIGTERM from `docker stop` directly.
set -e

# The private index's credentials, which compose gives the dev container as secrets, into
# the netrc file NETRC names (only compose.override.yaml sets it): uv, pip and poetry read
# them there when a package is added or the lock remade in this container.
if [ -n "${NETRC:-}" ] && [ -f /run/secrets/index_password ]; then
    sh /app/scripts/index-netrc.sh "$NETRC"
fi

exec "$@"
