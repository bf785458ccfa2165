#!/bin/sh
# An app that stops only on SIGINT, the way many dev servers do; it ignores SIGTERM outright.
trap 'echo "app: SIGINT, clean shutdown"; exit 0' INT
trap '' TERM
echo "app: running"
while :; do sleep 1 & wait $!; done
