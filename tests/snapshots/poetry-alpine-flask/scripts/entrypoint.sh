#!/bin/sh
# Runs before every command in the container, then hands over with exec so the
# command is PID 1 and receives SIGTERM from `docker stop` directly.
set -e

exec "$@"
