#!/bin/sh
term() {
    kill -TERM "$child" 2>/dev/null
}
trap term TERM INT
python app.py &
child=$!
wait "$child"
