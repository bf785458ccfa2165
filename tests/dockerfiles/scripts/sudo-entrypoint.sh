#!/bin/sh
set -e
mkdir -p /run/app
sudo -E -u app python /srv/app.py
