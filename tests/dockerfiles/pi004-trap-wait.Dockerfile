FROM python:3.12-slim
COPY scripts/trap-wait.sh /usr/local/bin/
# A shell that traps TERM and waits passes the signal on, but reaps nothing.
# expect: PI003
ENTRYPOINT ["trap-wait.sh"]
