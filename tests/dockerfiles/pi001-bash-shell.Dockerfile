FROM debian:12
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# expect: PI001 PI003
  entrypoint cd /srv && ./server
