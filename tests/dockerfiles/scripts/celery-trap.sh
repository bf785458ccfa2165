#!/bin/sh
stop() {
    kill -TERM "$worker" 2>/dev/null
    wait "$worker"
}
trap stop TERM INT
celery -A proj worker --loglevel=info &
worker=$!
wait "$worker"
