#!/bin/sh
set -eu
chown app /data
exec runuser -u app -- "$@"
