#!/bin/sh
set -e
if [ "${APP_ENV:-production}" = development ]; then
    pip install --no-cache-dir -r requirements-dev.txt
fi
exec "$@"
