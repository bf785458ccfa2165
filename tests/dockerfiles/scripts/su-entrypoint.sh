#!/bin/bash
set -e
chown -R app:app /var/lib/app
exec su -s /bin/sh app -c "python -m app.server"
