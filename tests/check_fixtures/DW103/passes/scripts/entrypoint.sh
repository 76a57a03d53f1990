#!/bin/sh
chown -R app /data
exec setpriv --reuid=10001 --regid=10001 --clear-groups "$@"
