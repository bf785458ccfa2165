#!/usr/bin/env bash
set -euo pipefail

# first arg is `-f` or `--some-option`
if [ "${1#-}" != "$1" ]; then
	set -- python app.py "$@"
fi

for f in /docker-entrypoint.d/*.sh; do
	[ -e "$f" ] && . "$f"
done

case "$1" in
	postgres)
		exec gosu postgres "$@"
		;;
	*)
		exec "$@"
		;;
esac
