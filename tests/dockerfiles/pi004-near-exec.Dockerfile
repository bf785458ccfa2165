FROM python:3.12-slim
COPY scripts/exec-at-end.sh /docker-entrypoint.sh
COPY scripts/trap-wait.sh scripts/dumb-init-shebang.sh /usr/local/bin/
ENTRYPOINT ["/docker-entrypoint.sh"]
# The script execs "$@", so CMD is what ends up PID 1 and it is an init.
CMD ["pyinit", "--", "python", "app.py"]
