#!/bin/sh
worker --queue default &
server --port 80 &
wait
