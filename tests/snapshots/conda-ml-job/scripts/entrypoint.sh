#!/bin/sh
# Runs before every command in the container, then hands over with exec so the
# command is PID 1 and receives SIGTERM from `docker stop` directly.
set -e

# `train` and `predict` are the job's own commands; anything else (pytest, sh) runs as given.
case "${1:-}" in
    train | predict) set -- python -m snap "$@" ;;
esac

exec "$@"
