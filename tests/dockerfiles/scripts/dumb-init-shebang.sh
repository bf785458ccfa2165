#!/usr/bin/dumb-init /bin/sh
# dumb-init is PID 1 (from the #! line); the shell execs the app.
cat /etc/motd 2>/dev/null | head -n 3
exec "$@"
