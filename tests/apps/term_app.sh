#!/bin/sh
# An ordinary app: shuts down cleanly on SIGTERM, reloads on SIGHUP. `sleep 1 & wait $!`: a
# trapped signal interrupts `wait` at once (a foreground sleep would delay the trap until it ends).
trap 'echo "app: SIGTERM, clean shutdown"; exit 0' TERM
trap 'echo "app: SIGHUP, reloading"' HUP
echo "app: running"
while :; do sleep 1 & wait $!; done
