#!/bin/sh
# Runs the app as a child of the shell: the classic mistake.
set -e
echo "migrating"
python manage.py migrate

python app.py "$@"
echo "app exited"
