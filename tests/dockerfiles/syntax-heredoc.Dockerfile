# syntax=docker/dockerfile:1.7
FROM python:3.12-slim
RUN <<EOT bash
set -e
ENTRYPOINT python fake.py
CMD python fake.py
STOPSIGNAL SIGKILL
EOT
RUN <<-"EOT" cat > /etc/app.conf
	port = 80
	CMD oops
	EOT
COPY <<EOT1 <<EOT2 /etc/
first
EOT1
ENTRYPOINT python second.py
EOT2
# expect: PI003
CMD ["python", "app.py"]
