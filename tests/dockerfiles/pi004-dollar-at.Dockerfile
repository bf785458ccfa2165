FROM python:3.12-slim
COPY scripts/dollar-at.sh /usr/local/bin/
STOPSIGNAL SIGQUIT
# The script runs "$@" without exec, and "$@" is a shell-form CMD: both reported.
# expect: PI004 PI009
ENTRYPOINT ["dumb-init", "--rewrite", "3:0", \
            "dollar-at.sh"]
# expect: PI002
CMD gunicorn --bind 0.0.0.0:8000 app:wsgi
