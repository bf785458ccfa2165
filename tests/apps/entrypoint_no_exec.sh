#!/bin/sh
# The classic docker-entrypoint.sh that forgot `exec`: the shell stays, the app is its child.
echo "entrypoint: setting up"
/usr/local/bin/app
